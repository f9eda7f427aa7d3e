#include "engine.hpp"

#include <chrono>

#include "python_task.hpp"

namespace py = pybind11;

namespace rankpool::python {
namespace {

/// How long the driver loop waits for results before it looks at the queue again: the
/// longest a new batch waits before it is handed out while others run.
constexpr std::chrono::milliseconds queue_check_interval{1};

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
  pool_ = std::make_unique<pool>(*env_, pool_options{.threads = 1});
  task_ = pool_->define_chunk_task("python", python_task(run_item_));
  pool_->on_idle([] {}, queue_check_interval);
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
    ++active_;
    pool_->stream_async(
        task_, std::move(s.items),
        [this, key](std::uint64_t index, std::string&& value) { bundles_[key].results.emplace_back(index, std::move(value)); },
        [this, key](const task_failure& f) { bundles_[key].failures.push_back(f); },
        [this, key](const batch_summary& summary) {
          bundles_[key].summary = summary;
          --active_;
        },
        s.options);
  }
}

void engine::hand_over(const py::object& deliver) {
  if (bundles_.empty()) return;
  py::gil_scoped_acquire gil;
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
    py::object summary = py::none();
    if (b.summary) summary = py::make_tuple(b.summary->succeeded, b.summary->failed, b.summary->cancelled);
    deliver(key, results, failures, summary);
  }
  bundles_.clear();
}

void engine::drive(const py::object& deliver) {
  py::gil_scoped_release released;
  pool_->run([&] {
    while (true) {
      start_queued();
      hand_over(deliver);
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
