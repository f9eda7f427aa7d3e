// hello_app: the smallest complete rankpool app. Task i computes i * i; the job file
// says how many tasks; the squares land in /results/square of the run file.
#include <rankpool/app.hpp>
#include <rankpool/job.hpp>
#include <rankpool/run.hpp>

#include <cstdio>

namespace {

class squares_app final : public rankpool::app {
 public:
  explicit squares_app(const rankpool::params& p) : tasks_(static_cast<std::uint64_t>(p.integer("tasks"))) {}

  void define_tasks(rankpool::pool& pool) override {
    square_ = pool.define_task("squares.square", [](std::uint64_t i) { return i * i; });
  }

  std::uint64_t task_count() const override { return tasks_; }

  void create_results(rankpool::run_file& file) override {
    file.create_dataset<std::uint64_t>("/results/square", {tasks_}, 0);
  }

  void run(rankpool::job_context& ctx) override {
    auto& squares = ctx.results_column<std::uint64_t>("/results/square");
    ctx.run_tasks(square_, [&](std::uint64_t i, std::uint64_t square) { squares.set(i, square); });
  }

 private:
  std::uint64_t tasks_;
  rankpool::task<std::uint64_t(std::uint64_t)> square_;
};

rankpool::app_info squares_info() {
  using namespace rankpool;
  return {"squares", "Task i computes i * i", {integer_param("tasks", 10, "number of tasks", 1, 1e9)},
          [](const params& p) { return std::make_unique<squares_app>(p); }};
}

}  // namespace

RANKPOOL_REGISTER_APP(squares_info());

// `rankpool run JOB.toml` without its flags. The installed package does not export the
// command line (rankpool::cli) yet; once it does, main is `return rankpool::cli_main(argc, argv);`.
int main(int argc, char** argv) {
  rankpool::environment env(argc, argv);
  try {
    // Rank 0 reads the file and every rank parses the same text, so a bad job stops
    // every rank alike, before anything runs.
    std::string problem, text;
    if (env.is_root()) {
      try {
        if (argc != 2) throw rankpool::usage_error("usage: hello_app JOB.toml");
        text = rankpool::read_job_file(argv[1]);
      } catch (const rankpool::usage_error& e) {
        problem = e.what();
      }
    }
    if (problem = env.broadcast(problem); !problem.empty()) throw rankpool::usage_error(problem);
    const rankpool::job_spec job = rankpool::parse_job(argv[1], env.broadcast(text));
    rankpool::run_options options;
    options.progress = "none";
    const rankpool::run_summary summary = rankpool::run_job(env, job, options);
    if (env.is_root()) std::printf("%s\n", summary.to_json().c_str());
    return summary.exit_status();
  } catch (const rankpool::usage_error& e) {
    if (env.is_root()) std::fprintf(stderr, "hello_app: %s\n", e.what());
    return rankpool::exit_usage;
  }
}
