#pragma once
/// One process's share of a rankpool job, as the Python package drives it.
///
/// Every rank builds one engine (MPI starts with it) with the Python function that runs
/// an item. Rank 0's driver thread calls drive(), which runs the pool's driver loop with
/// the GIL released: it turns batches that Python threads submit() into streamed engine
/// batches and hands their results back to Python in bundles, one GIL acquisition per
/// bundle. The other ranks call serve(). Neither holds the GIL while waiting or talking MPI.
#include <pybind11/pybind11.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "rankpool/environment.hpp"
#include "rankpool/pool.hpp"

namespace rankpool::python {

/// A batch as Python submits it: its items' bytes and how to schedule them.
struct submission {
  std::uint64_t key = 0;  ///< Python's name for the batch, given back with its results
  std::vector<std::string> items;
  call_options options;
  bool timeline = false;  ///< hand back the batch's chunk records (a durable map's /chunks)
};

class engine {
 public:
  explicit engine(pybind11::object run_item);
  ~engine();

  int rank() const { return env_->rank(); }
  int size() const { return env_->size(); }
  const std::vector<std::string>& hosts() const { return env_->hosts(); }

  /// Ranks other than 0: runs chunks until rank 0's drive() ends.
  void serve();
  /// Rank 0: runs batches until close(); calls deliver(key, results, failures, chunks,
  /// summary) with the GIL held: results a list of (index, bytearray), failures a list of
  /// (index, rank, host, attempts, type, message bytes), chunks (for batches submitted
  /// with a timeline, else empty) a list of (first, count, rank, threads, failed, attempt,
  /// start, end, busy, kind), summary None or (succeeded, failed, cancelled) once the
  /// batch is done; and on_rank_events(events) with a list of (seconds, rank, host,
  /// what, reason) when ranks are lost or answer again.
  void drive(const pybind11::object& deliver, const pybind11::object& on_rank_events);
  /// Rank 0, any thread: queues a batch for the driver loop.
  void submit(submission batch);
  /// Rank 0: no more batches; drive() returns once every batch has finished.
  void close();
  /// Ends MPI (after drive() or serve() returned).
  void finalize();

 private:
  struct bundle {
    std::vector<std::pair<std::uint64_t, std::string>> results;
    std::vector<task_failure> failures;
    std::vector<chunk_record> chunks;
    std::optional<batch_summary> summary;
  };
  /// Starts the queued batches as streamed engine batches.
  void start_queued();
  /// Gives Python what arrived since the last call, under one GIL acquisition.
  void hand_over(const pybind11::object& deliver, const pybind11::object& on_rank_events);

  std::unique_ptr<environment> env_;
  std::unique_ptr<pool> pool_;
  task<std::string(std::string)> task_;
  pybind11::object run_item_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<submission> queue_;
  bool closing_ = false;
  // The driver loop's own (driver thread only): what arrived for each batch since the
  // last hand-over, and how many batches have not finished.
  std::map<std::uint64_t, bundle> bundles_;
  std::map<std::uint64_t, std::uint64_t> timeline_keys_;  ///< engine batch id -> key, batches with a timeline
  std::vector<rank_event> rank_events_;
  std::size_t active_ = 0;
};

}  // namespace rankpool::python
