#pragma once
/// Rank 0's scheduler: hands chunks to whichever executor has room, keeps each
/// executor `prefetch` chunks deep, and queues what comes back for the driver thread.
/// Its loop runs on its own thread, or on the driver's while the driver waits for
/// results (drive_until_completion); whichever runs it holds progress_mutex_, so on
/// rank 0 only one thread at a time calls MPI (MPI_THREAD_SERIALIZED).
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "rankpool/detail/backoff.hpp"
#include "rankpool/detail/batch_spec.hpp"
#include "rankpool/detail/completion.hpp"
#include "rankpool/detail/executor.hpp"
#include "rankpool/detail/send_queue.hpp"
#include "rankpool/environment.hpp"

namespace rankpool::detail {

struct scheduler_options {
  int prefetch = 2;
  bool rank0_tasks = true;
  bool speculation = true;  ///< pool_options::speculation
  /// Rank 0 starts / has run a chunk of batch positions (pool::on_rank0_chunk); called
  /// on the scheduler loop's thread (inline chunks) or the local executor's.
  std::function<void(std::uint64_t first, std::uint32_t count, bool starting)> rank0_chunk;
  std::vector<int> worker_threads;  ///< threads of each rank, indexed by rank (0 = local)
  executor_identity local_identity;
};

/// When the scheduler stops waiting for a chunk (docs/ARCHITECTURE.md, "Lost and late
/// ranks"). A chunk's estimate is its items times the batch's measured mean item time
/// over the rank's threads; its expected end chains the chunks queued on its rank.
struct patience {
  /// A rank with chunks in flight that has sent nothing for this long (computing workers
  /// send `alive` every wire::alive_interval_seconds) is lost: it gets no more work until
  /// it answers, its chunks run elsewhere.
  double silence_limit_seconds = 5;
  /// With nothing left to hand out, a chunk this far past its expected end gets a
  /// speculative copy on an idle rank; the first result wins.
  double speculate_factor = 2;
  double speculate_floor_seconds = 0.5;
};

/// What the scheduler did about lost and late ranks, for the run's summary.
struct resilience_counts {
  std::uint64_t reruns = 0;       ///< chunks run again after their rank was lost
  std::uint64_t speculative = 0;  ///< speculative copies handed out
  std::uint64_t duplicates = 0;   ///< results discarded because another copy came first
  std::uint64_t quarantined = 0;  ///< items failed for good after crashing two ranks
};

class scheduler {
 public:
  scheduler(const environment& env, const task_table& table, scheduler_options options);
  ~scheduler();
  scheduler(const scheduler&) = delete;
  scheduler& operator=(const scheduler&) = delete;

  std::uint64_t submit(batch_spec spec);
  /// Takes the next event; with `block`, waits up to `timeout` for one.
  bool next_completion(completion& out, bool block, std::chrono::milliseconds timeout);
  /// Like next_completion(block), but the calling (driver) thread runs the scheduler
  /// loop while it waits instead of sleeping.
  bool drive_until_completion(completion& out, std::chrono::milliseconds timeout);
  /// Stops new dispatch for everything, lets in-flight chunks return.
  void cancel_all();
  /// Hands out no chunk whose estimate says it cannot end by `deadline`, and shrinks
  /// chunks to end by it; a batch that reaches it hands out nothing more (its remaining
  /// items count as cancelled).
  void set_deadline(std::chrono::steady_clock::time_point deadline);
  /// Runs what was submitted to the end, stops the workers and joins the threads.
  void shutdown();

  /// After shutdown: whether a rank was still not answering at the end.
  bool lost_ranks_at_end() const noexcept { return lost_at_end_; }
  resilience_counts counts() const;
  /// Whether a batch stopped handing out chunks because of the deadline.
  bool deadline_reached() const noexcept { return deadline_reached_; }

 private:
  using clock = std::chrono::steady_clock;
  struct batch;
  struct in_flight {
    std::uint64_t batch_id;
    std::uint64_t first;
    std::uint32_t count;
    std::uint32_t attempt;
    int rank;
    std::uint64_t group;      ///< the chunk id of the first copy; copies share it
    chunk_run run;
    clock::time_point sent_at;
    std::uint32_t losses = 0;  ///< ranks lost while running this (isolated) item before
    std::string loss_history;  ///< their descriptions, for the failure message
    bool superseded = false;   ///< another copy came back first, or it was given up: discard its result
  };
  struct rank_state {
    std::deque<std::uint64_t> queue;  ///< chunk ids in flight on the rank, in dispatch order
    clock::time_point last_result;    ///< when its latest result arrived (a queued chunk starts then)
    clock::time_point last_heard;     ///< when its latest message (result or `alive`) arrived
    bool unresponsive = false;        ///< overdue or crashed: no new work until it answers
    bool crashed = false;             ///< it said so (crash notice): it will not answer again
    clock::time_point last_sent;      ///< when rank 0 last sent it anything (an idle worker gets `alive`)
  };
  /// A chunk not answered yet, how far past its expected end (seconds; negative: not yet).
  struct lateness {
    std::uint64_t chunk_id;
    double past_end;
    double estimate;
  };

  void loop();
  bool iterate();
  bool take_requests();
  bool receive_results();
  bool dispatch();
  void handle_result(byte_buffer message);
  void handle_crash(int rank, const wire::crash_notice& notice);
  bool make_chunk(int rank, byte_buffer& out);
  bool make_speculative_copy(int rank, byte_buffer& out);
  void send_chunk(int rank, byte_buffer buffer);
  void encode(const batch& b, const wire::chunk_header& header, byte_buffer& out) const;
  void finish_batch_if_done(batch& b);
  void push_completion(completion c);
  void local_executor_loop();
  /// Runs a chunk on rank 0 (inline or on the local executor thread), telling
  /// rank0_chunk while it runs.
  void run_on_rank0(byte_view message, byte_buffer& reply, chunk_output& scratch);
  void idle_wait(backoff& idle);
  bool all_done() const;

  // Lost and late ranks.
  // About how long the chunk make_chunk(rank) would hand out next runs (0: unknown):
  // whether it may wait in a queue.
  double next_chunk_estimate(int rank) const;
  double item_seconds_of(const batch& b) const;
  double estimate_of(const in_flight& c) const;
  std::vector<lateness> late_chunks(int rank, clock::time_point now) const;
  // Seconds since a rank with chunks in flight last said anything (a result or `alive`),
  // counted from its oldest chunk's sending at the earliest.
  double seconds_silent(const rank_state& r, clock::time_point now) const;
  void check_overdue();
  void send_alive(clock::time_point now);
  void lose_rank(int rank, const std::string& reason, const wire::crash_notice* crash);
  void lose_ranks_sends_failed_to();
  /// Hands a chunk of a lost rank out again: the one that was running (`was_running`)
  /// item by item, its items suspects (unless a crash notice names the culprit); one
  /// only queued behind it as it was.
  void give_up(std::uint64_t chunk_id, const std::string& reason, const wire::crash_notice* crash, bool was_running);
  void supersede_copies(const in_flight& winner);
  int effective_prefetch() const;
  double seconds_now() const;

  const environment& env_;
  const task_table& table_;
  scheduler_options options_;
  patience patience_;
  int total_threads_ = 1;

  // State of whoever runs the loop (under progress_mutex_).
  std::unordered_map<std::uint64_t, std::unique_ptr<batch>> batches_;
  std::deque<std::uint64_t> batch_order_;
  std::unordered_map<std::uint64_t, in_flight> in_flight_;
  std::unordered_map<std::uint64_t, std::vector<std::uint64_t>> copies_;  ///< group -> chunk ids, speculated groups only
  std::vector<rank_state> ranks_;
  std::vector<int> executor_load_;
  send_queue sends_;
  std::uint64_t next_chunk_id_ = 1;
  int next_rank_ = 0;
  std::uint32_t last_chunk_items_ = 1;
  clock::time_point next_overdue_check_{};
  clock::time_point deadline_ = clock::time_point::max();
  resilience_counts counts_;
  bool lost_any_ = false;
  bool lost_at_end_ = false;
  std::atomic<bool> deadline_reached_{false};
  /// Per task id, the latest batch's mean seconds per item: the estimate for a new
  /// batch's first chunks (a stream of single submits of a short task runs inline).
  std::unordered_map<std::uint32_t, double> task_item_seconds_;

  /// Chunks expected to run shorter than this on rank 0 run inline in the scheduler loop.
  static constexpr double inline_chunk_seconds = 20e-6;
  /// Chunks expected to take longer (or of unknown length) are not queued behind another
  /// at a rank: waiting for rank 0's answer costs them under 1% (it takes at most a few ms).
  static constexpr double queue_chunk_seconds = 0.1;
  /// The expected duration of the latest chunk handed out, for the back-off. Atomic:
  /// idle_wait reads it after the scheduler thread has let go of progress_mutex_.
  std::atomic<double> last_chunk_estimate_{0};
  byte_buffer inline_reply_;
  chunk_output inline_scratch_;

  // Held by whichever thread runs the scheduler loop: the scheduler thread, or the
  // driver while it waits for results.
  std::mutex progress_mutex_;
  std::condition_variable driver_done_;
  std::atomic<bool> driver_progressing_{false};

  // Driver -> scheduler requests.
  mutable std::mutex request_mutex_;
  std::condition_variable wake_;
  std::atomic<bool> requests_pending_{false};
  std::vector<std::pair<std::uint64_t, batch_spec>> new_batches_;
  bool cancel_everything_ = false;
  bool shutdown_requested_ = false;
  std::uint64_t next_batch_id_ = 1;
  clock::time_point requested_deadline_ = clock::time_point::max();
  resilience_counts published_counts_;  ///< counts_ as of the loop's latest round, for counts()

  // Scheduler -> driver events.
  std::mutex completion_mutex_;
  std::condition_variable completion_ready_;
  std::deque<completion> completions_;

  // Rank 0's own executor.
  std::mutex local_mutex_;
  std::condition_variable local_wake_;
  std::deque<byte_buffer> local_queue_;
  std::deque<byte_buffer> local_replies_;
  std::atomic<bool> local_replies_pending_{false};
  bool local_stop_ = false;

  // Who a fatal error names: computed once, drive_until_completion runs per get().
  std::string scheduler_who_;
  std::string executor_who_;

  std::thread local_thread_;
  std::thread scheduler_thread_;
};

}  // namespace rankpool::detail
