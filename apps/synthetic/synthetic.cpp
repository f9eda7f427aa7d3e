// synthetic: tasks that do nothing, spin or sleep for a chosen duration — the
// workload of rankpool's scheduling benchmarks.
#include <rankpool/app.hpp>
#include <rankpool/pool.hpp>
#include <rankpool/run.hpp>

#include <csignal>

#include "synthetic/workload.hpp"

namespace {

class synthetic_app final : public rankpool::app {
 public:
  explicit synthetic_app(const rankpool::params& p)
      : tasks_(static_cast<std::uint64_t>(p.integer("tasks"))),
        payload_bytes_(static_cast<std::size_t>(p.integer("payload_bytes"))),
        fail_every_(static_cast<std::uint64_t>(p.integer("fail_every"))),
        crash_task_(p.integer("crash_task")),
        crash_signal_(static_cast<int>(p.integer("crash_signal"))),
        slow_rank_(p.integer("slow_rank")),
        slow_factor_(p.real("slow_factor")) {
    work_.mean_us = p.real("duration_us");
    work_.distribution = p.string("distribution");
    work_.sigma = p.real("sigma");
    work_.seed = static_cast<std::uint64_t>(p.integer("seed"));
    work_.spin = p.string("work") == "spin";
  }

  void define_tasks(rankpool::pool& pool) override {
    on_slow_rank_ = pool.env().rank() == slow_rank_;
    checksum_ = pool.define_task("synthetic.checksum", [this](std::uint64_t i) { return checked_run(i); });
    payload_ = pool.define_task("synthetic.payload", [this](std::uint64_t i) {
      std::vector<std::uint8_t> bytes(payload_bytes_, static_cast<std::uint8_t>(checked_run(i)));
      return bytes;
    });
  }

  std::uint64_t task_count() const override { return tasks_; }

  void create_results(rankpool::run_file& file) override {
    file.create_dataset<std::uint32_t>("/results/checksum", {tasks_}, 0);
    file.set_attribute("/results/checksum", "meaning", std::string("hash of (seed, task index); 0 = not run"));
  }

  void run(rankpool::job_context& ctx) override {
    auto& checksums = ctx.results_column<std::uint32_t>("/results/checksum");
    if (payload_bytes_ == 0) {
      ctx.run_tasks(checksum_, [&](std::uint64_t i, std::uint32_t sum) { checksums.set(i, sum); });
    } else {
      ctx.run_tasks(payload_, [&](std::uint64_t i, const std::vector<std::uint8_t>& bytes) {
        checksums.set(i, bytes.size() == payload_bytes_ ? work_.run(i) : 0);
      });
    }
  }

 private:
  std::uint32_t checked_run(std::uint64_t i) const {
    if (fail_every_ && i % fail_every_ == fail_every_ - 1)
      throw std::runtime_error("synthetic failure of task " + std::to_string(i) + " (fail_every)");
    if (crash_task_ >= 0 && i == static_cast<std::uint64_t>(crash_task_)) raise(crash_signal_);
    if (on_slow_rank_ && slow_factor_ > 1) {
      // The same work, stretched: a node that is slower (or shared) than the others.
      synthetic::workload slow = work_;
      slow.mean_us *= slow_factor_;
      slow.run(i);
    }
    return work_.run(i);
  }

  std::uint64_t tasks_;
  std::size_t payload_bytes_;
  std::uint64_t fail_every_;
  std::int64_t crash_task_;
  int crash_signal_;
  std::int64_t slow_rank_;
  double slow_factor_;
  bool on_slow_rank_ = false;
  synthetic::workload work_;
  rankpool::task<std::uint32_t(std::uint64_t)> checksum_;
  rankpool::task<std::vector<std::uint8_t>(std::uint64_t)> payload_;
};

rankpool::app_info synthetic_info() {
  using namespace rankpool;
  return {"synthetic",
          "Benchmark workload: no-op, spinning or sleeping tasks with fixed, uniform or lognormal durations",
          {integer_param("tasks", 10000, "number of tasks", 0, 1e12),
           real_param("duration_us", 0.0, "mean task duration in microseconds (0 = no-op)", 0, 1e9),
           string_param("distribution", "fixed", "how durations vary", {"fixed", "uniform", "lognormal"}),
           real_param("sigma", 1.0, "lognormal shape (standard deviation of the log)", 0, 10),
           integer_param("seed", 1, "seed of the duration sequence", 0),
           string_param("work", "spin", "spin = busy CPU, sleep = idle wait", {"spin", "sleep"}),
           integer_param("payload_bytes", 0, "bytes each task returns (0 = just a checksum)", 0, 1 << 26),
           integer_param("fail_every", 0, "tasks k*N-1 throw (0 = none): exercises error policies", 0),
           integer_param("crash_task", -1, "the task that kills its process with crash_signal (-1 = none)", -1),
           integer_param("crash_signal", 11, "the signal crash_task raises (11 SIGSEGV, 9 SIGKILL, 6 SIGABRT...)", 1, 64),
           integer_param("slow_rank", -1, "a rank whose tasks take slow_factor times longer (-1 = none)", -1),
           real_param("slow_factor", 1.0, "how much slower slow_rank is", 1, 1e6)},
          [](const params& p) { return std::make_unique<synthetic_app>(p); }};
}

}  // namespace

RANKPOOL_REGISTER_APP(synthetic_info());
