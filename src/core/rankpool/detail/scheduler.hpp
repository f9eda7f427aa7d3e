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
  std::vector<int> worker_threads;  ///< threads of each rank, indexed by rank (0 = local)
  executor_identity local_identity;
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
  /// Runs what was submitted to the end, stops the workers and joins the threads.
  void shutdown();

 private:
  struct batch;
  struct in_flight {
    std::uint64_t batch_id;
    std::uint64_t first;
    std::uint32_t count;
    std::uint32_t attempt;
    int rank;
  };

  void loop();
  bool iterate();
  bool take_requests();
  bool receive_results();
  bool dispatch();
  void handle_result(byte_buffer message);
  bool make_chunk(int rank, byte_buffer& out);
  void finish_batch_if_done(batch& b);
  void push_completion(completion c);
  void local_executor_loop();
  void idle_wait(backoff& idle);
  bool all_done() const;

  const environment& env_;
  const task_table& table_;
  scheduler_options options_;
  int total_threads_ = 1;

  // State of whoever runs the loop (under progress_mutex_).
  std::unordered_map<std::uint64_t, std::unique_ptr<batch>> batches_;
  std::deque<std::uint64_t> batch_order_;
  std::unordered_map<std::uint64_t, in_flight> in_flight_;
  std::vector<int> executor_load_;
  send_queue sends_;
  std::uint64_t next_chunk_id_ = 1;
  int next_rank_ = 0;
  /// Per task id, the latest batch's mean seconds per item: the estimate for a new
  /// batch's first chunks (a stream of single submits of a short task runs inline).
  std::unordered_map<std::uint32_t, double> task_item_seconds_;

  /// Chunks expected to run shorter than this on rank 0 run inline in the scheduler loop.
  static constexpr double inline_chunk_seconds = 20e-6;
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
  std::mutex request_mutex_;
  std::condition_variable wake_;
  std::atomic<bool> requests_pending_{false};
  std::vector<std::pair<std::uint64_t, batch_spec>> new_batches_;
  bool cancel_everything_ = false;
  bool shutdown_requested_ = false;
  std::uint64_t next_batch_id_ = 1;

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
