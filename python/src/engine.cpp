#include "engine.hpp"

#include <chrono>

#include "python_task.hpp"

namespace py = pybind11;

namespace rankpool::python {
namespace {

/// How long the driver loop waits for results before it looks at the queue again: the
/// longest a new batch waits before it is handed out while others run.
constexpr std::chrono::milliseconds queue_check_interval{1};

/// Chunks queued at each rank. Rank 0 hands results to Python under the GIL, which the
/// script's thread and rank 0's own tasks also want, so it answers a worker later than a
/// C++ driver does: at chunksize 1, 16 deep moved 1.2-1.5x the no-op tasks of the
/// engine's default 3 (benchmarks/RESULTS.md). Only short chunks queue, and the depth
/// shrinks as a batch drains, so the tail does not grow.
constexpr int python_prefetch = 16;

int no_argc = 0;
char** no_argv = nullptr;

py::tuple failure_tuple(const task_failure& f) {
  return py::make_tuple(f.index, f.rank, f.host, f.attempts, f.type, py::bytes(f.message));
}

}  // namespace

engine::engine(py::object run_item) : run_item_(std::move(run_item)) {
  env_ = std::make_unique<environment>(no_argc, no_argv);
  // One thread per rank: a Python interpreter runs one task at a time (the GIL), so more
  // ranks, not more threads, use more cores.
  pool_ = std::make_unique<pool>(*env_, pool_options{.threads = 1, .prefetch = python_prefetch});
  task_ = pool_->define_chunk_task("python", python_task(run_item_));
  pool_->on_idle([] {}, queue_check_interval);
  pool_->on_chunk_done([this](const chunk_record& c) {
    if (const auto it = timeline_keys_.find(c.batch); it != timeline_keys_.end()) bundles_[it->second].chunks.push_back(c);
  });
  pool_->on_rank_event([this](const rank_event& e) { rank_events_.push_back(e); });
}

engine::~engine() { finalize(); }

void engine::serve() {
  py::gil_scoped_release released;
  pool_->run([] {});
}

void engine::submit(submission batch) {
  {
    const std::lock_guard lock(mutex_);
    if (closing_) throw error("rankpool: the session is closed; no more work can be submitted");
    queue_.push_back(std::move(batch));
  }
  wake_.notify_one();
}

void engine::close() {
  {
    const std::lock_guard lock(mutex_);
    closing_ = true;
  }
  wake_.notify_one();
}

void engine::start_queued() {
  std::deque<submission> taken;
  {
    const std::lock_guard lock(mutex_);
    taken.swap(queue_);
  }
  for (submission& s : taken) {
    const std::uint64_t key = s.key;
    const bool timeline = s.timeline;
    ++active_;
    const std::uint64_t id = pool_->stream_async(
        task_, std::move(s.items),
        [this, key](std::uint64_t index, std::string&& value) { bundles_[key].results.emplace_back(index, std::move(value)); },
        [this, key](const task_failure& f) { bundles_[key].failures.push_back(f); },
        [this, key](const batch_summary& summary) {
          bundles_[key].summary = summary;
          --active_;
        },
        s.options);
    // A copy that comes back after its batch finished is not recorded: the durable map
    // has closed its file by then.
    if (timeline) timeline_keys_.emplace(id, key);
  }
}

void engine::hand_over(const py::object& deliver, const py::object& on_rank_events) {
  if (bundles_.empty() && rank_events_.empty()) return;
  py::gil_scoped_acquire gil;
  if (!rank_events_.empty()) {
    py::list events;
    for (const auto& e : rank_events_)
      events.append(py::make_tuple(e.seconds, e.rank, e.host, e.what == rank_event::kind::lost ? "lost" : "rejoined",
                                   e.reason));
    rank_events_.clear();
    on_rank_events(events);
  }
  for (auto& [key, b] : bundles_) {
    py::list results(b.results.size());
    for (std::size_t i = 0; i < b.results.size(); ++i) {
      const std::string& bytes = b.results[i].second;
      PyObject* array = PyByteArray_FromStringAndSize(bytes.data(), static_cast<Py_ssize_t>(bytes.size()));
      if (array == nullptr) throw py::error_already_set();
      results[i] = py::make_tuple(b.results[i].first, py::reinterpret_steal<py::object>(array));
    }
    py::list failures;
    for (const auto& f : b.failures) failures.append(failure_tuple(f));
    py::list chunks;
    for (const auto& c : b.chunks)
      chunks.append(py::make_tuple(c.first, c.count, c.rank, c.threads, c.failed, c.attempt, c.start, c.end, c.busy,
                                   static_cast<int>(c.kind)));
    py::object summary = py::none();
    if (b.summary) {
      summary = py::make_tuple(b.summary->succeeded, b.summary->failed, b.summary->cancelled);
      std::erase_if(timeline_keys_, [key = key](const auto& entry) { return entry.second == key; });
    }
    deliver(key, results, failures, chunks, summary);
  }
  bundles_.clear();
}

void engine::drive(const py::object& deliver, const py::object& on_rank_events) {
  py::gil_scoped_release released;
  pool_->run([&] {
    while (true) {
      start_queued();
      hand_over(deliver, on_rank_events);
      if (active_ > 0) {
        pool_->poll(true);
        continue;
      }
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return closing_ || !queue_.empty(); });
      if (closing_ && queue_.empty()) break;
    }
  });
}

void engine::finalize() {
  if (pool_) pool_.reset();  // releases the Python function it holds: needs the GIL
  py::gil_scoped_release released;
  env_.reset();  // MPI_Finalize, which may wait for other ranks
}

}  // namespace rankpool::python
