#pragma once
/// Rank 0's scheduler: a thread that makes every MPI call on rank 0, hands chunks
/// to whichever executor has room, keeps each executor `prefetch` chunks deep, and
/// queues what comes back for the driver thread.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "rankpool/chunking.hpp"
#include "rankpool/detail/executor.hpp"
#include "rankpool/environment.hpp"

namespace rankpool::detail {

struct batch_spec {
  std::uint32_t task_id = 0;
  std::uint32_t reduction_id = no_reduction;
  std::uint64_t count = 0;
  std::uint64_t index_base = 0;
  /// Appends (count+1) offsets and the encoded inputs of items [first, first+count);
  /// empty for index-range batches.
  std::function<void(std::uint64_t first, std::uint32_t count, byte_buffer& out)> encode_inputs;
  chunk_policy policy;
  int retries = 0;
  bool abort_on_error = true;
};

enum item_state : std::uint8_t { item_ok = 0, item_failed = 1, item_retrying = 2 };

/// One event for the driver: a chunk came back, or a batch has nothing more to say.
struct completion {
  enum class kind { chunk, batch_finished };
  kind what = kind::chunk;
  std::uint64_t batch_id = 0;
  std::uint64_t first = 0;
  std::uint32_t count = 0;
  std::uint32_t attempt = 1;
  result_header header{};
  std::vector<std::uint8_t> states;                            ///< empty when every item succeeded
  std::vector<std::pair<std::uint32_t, std::string>> errors;   ///< final failures only
  byte_buffer message;
  std::size_t body_offset = 0;
  std::uint64_t cancelled = 0;  ///< batch_finished: items that never ran

  byte_view body() const { return byte_view(message).subspan(body_offset); }
  bool item_ok_at(std::uint32_t i) const { return states.empty() || states[i] == item_ok; }
};

struct scheduler_options {
  int local_threads = 1;
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
  void cancel(std::uint64_t batch_id);
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
  struct pending_send {
    MPI_Request request;
    byte_buffer bytes;
  };

  void loop();
  bool iterate();
  bool take_requests();
  bool receive_results();
  bool dispatch();
  bool complete_sends();
  void handle_result(byte_buffer message);
  bool make_chunk(int rank, byte_buffer& out);
  void finish_batch_if_done(batch& b);
  void push_completion(completion c);
  void local_executor_loop();
  void idle_wait(int idle_rounds);
  bool all_done() const;

  const environment& env_;
  const task_table& table_;
  scheduler_options options_;
  int total_threads_ = 1;

  // Scheduler-thread state.
  std::unordered_map<std::uint64_t, std::unique_ptr<batch>> batches_;
  std::deque<std::uint64_t> batch_order_;
  std::unordered_map<std::uint64_t, in_flight> in_flight_;
  std::vector<int> executor_load_;
  std::list<pending_send> sends_;
  std::vector<byte_buffer> spare_buffers_;
  std::uint64_t next_chunk_id_ = 1;
  int next_rank_ = 0;
  /// Per task id, the latest batch's mean seconds per item: the estimate for a new
  /// batch's first chunks (a stream of single submits of a short task runs inline).
  std::unordered_map<std::uint32_t, double> task_item_seconds_;

  /// Chunks expected to run shorter than this on rank 0 run inline in the scheduler loop.
  static constexpr double inline_chunk_seconds = 20e-6;
  /// The scheduler loop spins before sleeping only while chunks are shorter than this.
  static constexpr double spin_below_chunk_seconds = 100e-6;
  /// Atomic: idle_wait reads it after the scheduler thread has let go of progress_mutex_.
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
  std::vector<std::uint64_t> cancels_;
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

  std::thread local_thread_;
  std::thread scheduler_thread_;
};

/// Executor loop of ranks > 0: run chunks from rank 0 until it says stop.
void serve(const environment& env, const task_table& table, const executor_identity& self);

}  // namespace rankpool::detail
