// montecarlo: pi, or the volume of the unit d-ball, from random points. Each task counts
// the hits among its own samples; map_reduce adds the counts on every rank, exactly,
// so the estimate is the same bit for bit at any rank count, thread count or chunking.
#include <rankpool/app.hpp>
#include <rankpool/run.hpp>

#include <limits>

#include "montecarlo/kernel.hpp"

namespace {

/// Hit and sample counts: what tasks return and the reduction adds.
struct tally {
  std::uint64_t hits = 0;
  std::uint64_t samples = 0;
};

class montecarlo_app final : public rankpool::app {
 public:
  explicit montecarlo_app(const rankpool::params& p)
      : samples_per_task_(static_cast<std::uint64_t>(p.integer("samples_per_task"))),
        tasks_(static_cast<std::uint64_t>(p.integer("tasks"))),
        seed_(static_cast<std::uint64_t>(p.integer("seed"))),
        integral_(p.string("integral")),
        dimension_(integral_ == "pi" ? 2 : static_cast<int>(p.integer("dimension"))) {
    if (p.sweep())
      p.reject(p.sweep()->axes.front().name,
               "montecarlo folds every task into one estimate, so it cannot be swept; run one job per value");
    if (static_cast<double>(samples_per_task_) * static_cast<double>(tasks_) >= 0x1.0p64)
      p.reject("samples_per_task", "samples_per_task x tasks must stay below 2^64 (the hit counter)");
  }

  void define_tasks(rankpool::pool& pool) override {
    count_ = pool.define_task("montecarlo.count", [this](std::uint64_t task) {
      return tally{montecarlo::count_hits(seed_, static_cast<std::uint32_t>(task), dimension_, 0, samples_per_task_),
                   samples_per_task_};
    });
    add_ = pool.define_reduction<tally>("montecarlo.add", [](const tally& a, const tally& b) {
      return tally{a.hits + b.hits, a.samples + b.samples};
    });
  }

  std::uint64_t task_count() const override { return tasks_; }

  void create_results(rankpool::run_file& file) override {
    const double not_run = std::numeric_limits<double>::quiet_NaN();
    file.create_dataset<double>("/results/estimate", {1}, not_run);
    file.create_dataset<double>("/results/standard_error", {1}, not_run);
    file.create_dataset<std::uint64_t>("/results/hits", {1}, 0);
    file.create_dataset<std::uint64_t>("/results/samples", {1}, 0);
    file.set_attribute("/results", "integral", integral_);
    file.set_attribute("/results", "dimension", static_cast<std::int64_t>(dimension_));
    file.set_attribute("/results", "exact", montecarlo::ball_volume(dimension_));
    file.set_attribute("/results", "meaning",
                       std::string(integral_ == "pi" ? "pi = 4 x the fraction of points of [0,1)^2 in the unit disc"
                                                     : "volume of the unit d-ball = 2^d x the fraction of points "
                                                       "of [0,1)^d inside it; exact: pi^(d/2) / Gamma(d/2 + 1)"));
  }

  void run(rankpool::job_context& ctx) override {
    const tally total = ctx.reduce_tasks(count_, add_, tally{});
    write_tally(ctx.file(), total);
  }

  // A part's tasks are folded into its one tally: the merged tally is the sum of the parts'.
  void merge_results(rankpool::run_file& merged, rankpool::run_file& part,
                     const std::vector<rankpool::task_span>&) override {
    write_tally(merged, tally{read_count(merged, "/results/hits") + read_count(part, "/results/hits"),
                              read_count(merged, "/results/samples") + read_count(part, "/results/samples")});
  }

 private:
  static std::uint64_t read_count(rankpool::run_file& file, const std::string& path) {
    return file.read_all<std::uint64_t>(path).at(0);
  }

  void write_tally(rankpool::run_file& file, const tally& total) const {
    const auto e = montecarlo::ball_estimate(total.hits, total.samples, dimension_);
    file.write_at("/results/estimate", 0, &e.value, 1);
    file.write_at("/results/standard_error", 0, &e.standard_error, 1);
    file.write_at("/results/hits", 0, &total.hits, 1);
    file.write_at("/results/samples", 0, &total.samples, 1);
  }

  std::uint64_t samples_per_task_;
  std::uint64_t tasks_;
  std::uint64_t seed_;
  std::string integral_;
  int dimension_;
  rankpool::task<tally(std::uint64_t)> count_;
  rankpool::reduction<tally> add_;
};

rankpool::app_info montecarlo_info() {
  using namespace rankpool;
  return {"montecarlo",
          "Monte Carlo pi or unit d-ball volume from counter-based random points; "
          "hit counts reduced exactly, so any rank/thread count gives the same bits",
          {integer_param("samples_per_task", 1000000, "random points per task", 1, 1e13),
           integer_param("tasks", 64, "tasks (each its own random stream)", 1, 4294967295.0),
           integer_param("seed", 1, "seed of every task's stream", 0),
           string_param("integral", "pi", "pi: 4 x quarter-disc fraction; ball: volume of the unit d-ball",
                        {"pi", "ball"}),
           integer_param("dimension", 6, "d for integral = ball", 1, 32)},
          [](const params& p) { return std::make_unique<montecarlo_app>(p); }};
}

}  // namespace

RANKPOOL_REGISTER_APP(montecarlo_info());
