#pragma once
/// Running a job end to end: the pool, the app, the run file, progress, summary.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "rankpool/column_writer.hpp"
#include "rankpool/exit_code.hpp"
#include "rankpool/job.hpp"
#include "rankpool/pool.hpp"
#include "rankpool/progress.hpp"
#include "rankpool/run_file.hpp"
#include "rankpool/run_status.hpp"
#include "rankpool/task_status.hpp"

namespace rankpool {

namespace detail {
class running_record;  // detail/running_record.hpp: only run.cpp needs it
}  // namespace detail

/// Part `index` of `count` of a job (`--shard INDEX/COUNT`): tasks
/// [index * N / count, (index + 1) * N / count) of the job's N.
struct shard_spec {
  std::uint64_t index = 0;
  std::uint64_t count = 1;

  /// "INDEX/COUNT" with 0 <= INDEX < COUNT; throws usage_error otherwise.
  static shard_spec parse(const std::string& text);
  std::string to_string() const { return std::to_string(index) + "/" + std::to_string(count); }
  task_span tasks_of(std::uint64_t tasks) const;
};

struct run_options {
  int threads = 0;                     ///< per rank; 0 = environment default
  int prefetch = 3;
  std::string progress = "auto";
  bool force = false;                  ///< overwrite an existing output file
  bool resume = false;                 ///< run the tasks the existing output has no result for
  bool retry_failed = false;           ///< run the tasks the existing output records as failed
  std::chrono::milliseconds flush_interval{1000};  ///< results are durable at most this long after they arrive
  std::uint64_t flush_every = 100000;  ///< ... or after this many results, whichever comes first
  std::chrono::milliseconds grace{30000};  ///< after a stop signal, how long chunks in flight may take
  std::optional<shard_spec> shard;     ///< run only this part of the job's tasks (job arrays)
  bool rank0_tasks = true;             ///< rank 0 runs tasks too (pool_options::rank0_tasks)
  bool speculation = true;             ///< copies of late chunks in the tail (pool_options::speculation)
  bool cost_order = true;              ///< most expensive tasks first when the app gives costs (app::task_cost)
  /// Start no chunk that cannot end by then (minus `grace`); then drain, flush, exit 4.
  std::optional<std::chrono::system_clock::time_point> deadline;
  /// Without a deadline, inside a SLURM allocation: its end time (slurm_end_time()).
  bool slurm_deadline = true;
};

/// A rank lost or back during a run, as the summary and /events record it.
struct rank_note {
  int rank = 0;
  std::string host;
  double seconds = 0;
  std::string what;  ///< "lost" or "rejoined"
  std::string reason;
};

struct run_summary {
  std::string app;
  std::uint64_t tasks = 0;  ///< the tasks this run is responsible for (a shard's, or the job's)
  std::string shard;        ///< "INDEX/COUNT", or empty for the whole job
  std::uint64_t failed = 0;
  std::uint64_t cancelled = 0;
  std::uint64_t already_done = 0;  ///< tasks with a durable result before this run (resume)
  std::uint64_t ran = 0;           ///< tasks executed by this run
  bool interrupted = false;
  bool deadline_reached = false;   ///< interrupted because the deadline was near
  std::vector<rank_note> rank_events;  ///< ranks lost (and back) during the run
  resilience_summary resilience;
  int ranks = 1;
  int threads_per_rank = 1;
  int total_threads = 1;
  double seconds = 0;       ///< makespan: first dispatch to last result
  double busy_seconds = 0;  ///< thread-seconds inside tasks, all ranks
  std::string output;

  double tasks_per_s() const { return seconds > 0 ? static_cast<double>(ran) / seconds : 0; }
  double efficiency() const { return seconds > 0 ? busy_seconds / (total_threads * seconds) : 0; }
  std::string to_json() const;
  int exit_status() const {
    if (interrupted) return exit_interrupted;
    return failed + cancelled > 0 ? exit_tasks_failed : exit_ok;
  }
};

/// What an app's driver uses on rank 0: the pool, the run file, and run_tasks.
class job_context {
 public:
  /// `tasks`: the tasks this run is responsible for (the whole job, or a shard of it).
  job_context(pool& p, run_file& file, const job_spec& job, progress_reporter& progress, const run_options& options,
              task_span tasks);
  ~job_context();
  job_context(const job_context&) = delete;
  job_context& operator=(const job_context&) = delete;

  rankpool::pool& workers() noexcept { return pool_; }
  run_file& file() noexcept { return file_; }
  const job_spec& job() const noexcept { return job_; }

  /// Runs the tasks of this run (all of the job's, a shard's, on resume only those
  /// without a result) as calls t(index); store(index, value) saves each result as it arrives.
  template <class R, class A, class Store>
  void run_tasks(const task<R(A)>& t, Store&& store) {
    auto on_failure = [&](task_failure f) {
      f.index = task_index(f.index);
      record_failure(f);
    };
    auto on_result = [&](std::uint64_t position, R&& value) {
      const std::uint64_t index = task_index(position);
      store(index, std::move(value));
      record_success(index);
    };
    // Suspects first (tasks that were running when rank 0 died), each alone, away from rank 0.
    if (!suspects_.empty()) {
      current_ = &suspects_;
      call_options alone;
      alone.suspicion = "it was running on rank 0 when rank 0's process died (an earlier run)";
      cancelled_ += pool_.for_each_completed(t, suspects_, on_result, on_failure, alone).cancelled;
    }
    current_ = selected_ ? &*selected_ : nullptr;
    const batch_summary summary =
        current_ ? pool_.for_each_completed(t, *current_, on_result, on_failure, call_options{})
                 : pool_.for_each_completed(t, index_range{tasks_.first, tasks_.end - tasks_.first}, on_result,
                                            on_failure, call_options{});
    cancelled_ += summary.cancelled;
    current_ = nullptr;
  }

  /// A per-task results column (1-D dataset at `path`) whose writes become durable
  /// together with, and before, the statuses of the same tasks.
  template <class T>
  column_writer<T>& results_column(const std::string& path) {
    auto writer = std::make_unique<column_writer<T>>(file_, path);
    auto& ref = *writer;
    result_columns_.push_back(std::move(writer));
    return ref;
  }

  /// Restricts run_tasks to these task indices (resume, retry of failed tasks, an order by cost).
  void select(std::vector<std::uint64_t> indices) { selected_ = std::move(indices); }
  /// Tasks run_tasks runs first, each alone and away from rank 0: they were running on
  /// rank 0 when its process died. Not among select()'s.
  void suspect(std::vector<std::uint64_t> indices) { suspects_ = std::move(indices); }
  /// Fails `index` without running it (a suspect that already took rank 0 down twice).
  void fail_without_running(std::uint64_t index, const std::string& reason);
  /// Rank 0 takes (or has run) batch positions [first, first + count): recorded durably
  /// while they run (detail/running_record.hpp).
  void on_rank0_chunk(std::uint64_t first, std::uint32_t count, bool starting);
  /// Tasks of this run's span that earlier runs finished (resume): the status record counts them.
  void count_earlier(std::uint64_t done, std::uint64_t failed) {
    earlier_done_ = done;
    earlier_failed_ = failed;
  }
  /// Writes the status record with its final state (complete, failed, interrupted),
  /// the process's exit code and how many ranks were lost.
  void close_record(const std::string& state, int exit_code, std::uint64_t lost_ranks);

  /// Folds the results of this run's tasks with `op` (partial folds on the executors).
  /// No per-task results are kept, so a resume runs every task again.
  template <class R, class A>
  R reduce_tasks(const task<R(A)>& t, const reduction<R>& op, R init) {
    R total = pool_.map_reduce(t, index_range{tasks_.first, tasks_.end - tasks_.first}, op, std::move(init));
    for (std::uint64_t i = tasks_.first; i < tasks_.end; ++i) record_success(i);
    return total;
  }

  std::uint64_t done() const noexcept { return done_; }
  std::uint64_t failed() const noexcept { return failed_; }
  std::uint64_t cancelled() const noexcept { return cancelled_; }
  /// Makes everything stored so far durable (also runs every flush_interval).
  void flush();
  void on_chunk(const chunk_record& record);
  /// A rank lost or back: recorded in /events, reported on stderr.
  void on_rank_event(const rank_event& event);
  const std::vector<rank_note>& rank_events() const noexcept { return rank_events_; }
  /// Rank 0's periodic duty while waiting: flush when due, react to stop signals.
  void on_idle();
  bool interrupted() const noexcept { return interrupted_; }

 private:
  /// The task index of a position in the batch running now.
  std::uint64_t task_index(std::uint64_t position) const {
    return current_ ? (*current_)[position] : tasks_.first + position;
  }
  void record_success(std::uint64_t index);
  void record_failure(const task_failure& f);
  void write_record();

  pool& pool_;
  run_file& file_;
  const job_spec& job_;
  progress_reporter& progress_;
  void begin_interrupt(int signal_number);

  std::chrono::milliseconds flush_interval_;
  std::uint64_t flush_every_;
  std::chrono::milliseconds grace_;
  std::chrono::steady_clock::time_point last_flush_;
  std::uint64_t results_since_flush_ = 0;
  task_span tasks_;
  std::optional<std::vector<std::uint64_t>> selected_;
  std::vector<std::uint64_t> suspects_;
  const std::vector<std::uint64_t>* current_ = nullptr;  ///< the running batch's task indices; null: tasks_ in order
  std::unique_ptr<detail::running_record> running_;
  bool interrupted_ = false;
  std::chrono::steady_clock::time_point interrupt_deadline_;
  std::vector<std::unique_ptr<column_flusher>> result_columns_;
  column_writer<std::uint8_t> status_;
  column_writer<std::uint8_t> attempts_;
  column_writer<std::int32_t> task_rank_;     ///< /timing/rank
  column_writer<double> task_seconds_;        ///< /timing/seconds
  run_status record_;
  std::string record_path_;
  std::uint64_t earlier_done_ = 0;
  std::uint64_t earlier_failed_ = 0;
  bool record_failed_ = false;  ///< a status record that cannot be written is reported once, then skipped
  std::vector<std::uint64_t> failed_index_;
  std::vector<std::uint32_t> failed_attempts_;
  std::vector<std::string> failed_message_;
  struct trace_columns {
    std::vector<std::uint64_t> first_task;
    std::vector<std::uint32_t> count, rank, threads, failed;
    std::vector<double> start, end, busy;
    std::vector<std::uint8_t> kind;
  } trace_;
  struct event_columns {
    std::vector<double> seconds;
    std::vector<std::int32_t> rank;
    std::vector<std::string> host, what, reason;
  } events_;
  std::vector<rank_note> rank_events_;
  std::uint64_t done_ = 0;
  std::uint64_t failed_ = 0;
  std::uint64_t cancelled_ = 0;
};

/// `--deadline WHEN`: a duration from now ("90s", "45m", "2h", "1h30m", "3600") or a
/// local time "YYYY-MM-DDTHH:MM[:SS]"; usage_error otherwise or when it is past.
std::chrono::system_clock::time_point parse_deadline(const std::string& text);

/// Runs the job on every rank; the summary is complete on rank 0. Throws usage_error
/// (before anything runs) for an output that exists without `force` or can't be written.
run_summary run_job(environment& env, const job_spec& job, const run_options& options);

}  // namespace rankpool
