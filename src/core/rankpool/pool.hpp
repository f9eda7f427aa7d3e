#pragma once
/// rankpool::pool: map / submit / map_reduce over every core of every rank.
///
///   rankpool::environment env(argc, argv);
///   rankpool::pool pool(env);
///   auto square = pool.define_task("square", [](int x) { return x * x; });
///   pool.run([&] { auto squares = pool.map(square, std::vector<int>{1, 2, 3}); });
///
/// Every rank builds the same pool and defines the same tasks in the same order;
/// run() executes the driver on rank 0 while the other ranks serve chunks, and
/// returns on every rank once the driver has returned and all work is drained.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "rankpool/chunk_task.hpp"
#include "rankpool/chunking.hpp"
#include "rankpool/detail/batch_spec.hpp"
#include "rankpool/detail/batch_state.hpp"
#include "rankpool/detail/callable_traits.hpp"
#include "rankpool/detail/chunk_runner.hpp"
#include "rankpool/detail/chunk_task_runner.hpp"
#include "rankpool/detail/completion.hpp"
#include "rankpool/detail/executor.hpp"
#include "rankpool/environment.hpp"
#include "rankpool/error_policy.hpp"
#include "rankpool/future.hpp"
#include "rankpool/task.hpp"

namespace rankpool {

struct pool_options {
  chunk_policy chunking = chunk_policy::automatic();
  int threads = 0;   ///< OpenMP threads per rank; 0 = environment::default_threads()
  int prefetch = 3;  ///< chunks kept queued at each executor (running one included)
  /// Rank 0 runs tasks too (its OpenMP team, beside the scheduler). Off, it only
  /// schedules, unless no other rank answers.
  bool rank0_tasks = true;
  /// Copies of late chunks on idle ranks in a batch's tail (the first result wins). Off
  /// for kernels whose tasks must never run twice at once (side effects outside rankpool).
  bool speculation = true;
  int retries = 0;   ///< extra attempts for a task that threw
  error_policy on_error = error_policy::abort;
};

/// Per-call overrides of the pool's defaults.
struct call_options {
  std::optional<chunk_policy> chunking;
  std::optional<int> retries;
  std::optional<error_policy> on_error;
  /// Non-empty: the items are suspects (they were running when a rank died, `suspicion`
  /// says how): each runs alone, not on rank 0 while another rank answers, and one more
  /// lost rank fails it for good.
  std::string suspicion;
};

/// How a chunk on the timeline came about.
enum class chunk_kind : std::uint8_t {
  ran = 0,          ///< handed out as usual
  rerun = 1,        ///< its items ran again after the rank that had them was lost
  speculative = 2,  ///< a copy of a chunk running late elsewhere (the first result wins)
  duplicate = 3,    ///< a copy that came back second: its results were discarded
};

/// One chunk of the run's timeline (times in seconds since the pool started).
struct chunk_record {
  std::uint64_t batch = 0;  ///< the id stream_async returned
  std::uint64_t first = 0;
  std::uint32_t count = 0;
  std::uint32_t rank = 0;
  std::uint32_t threads = 0;
  std::uint32_t failed = 0;
  std::uint32_t attempt = 1;
  double start = 0;
  double end = 0;
  double busy = 0;
  chunk_kind kind = chunk_kind::ran;
};

/// A rank that stopped answering (its chunks then run elsewhere), or answered again.
struct rank_event {
  enum class kind { lost, rejoined };
  kind what = kind::lost;
  int rank = 0;
  std::string host;
  double seconds = 0;  ///< since the pool started
  std::string reason;  ///< lost: "crashed (signal 11)", "no result for 6.2 s from a chunk expected to take 0.1 s"
};

/// What the pool did about lost and late ranks during run().
struct resilience_summary {
  std::uint64_t lost_ranks = 0;   ///< times a rank was found lost
  std::uint64_t reruns = 0;       ///< chunks run again because their rank was lost
  std::uint64_t speculative = 0;  ///< speculative copies of late chunks
  std::uint64_t duplicates = 0;   ///< results discarded because another copy came first
  std::uint64_t quarantined = 0;  ///< tasks failed for good after taking down two ranks
};

/// Outcome counts of a streamed batch.
struct batch_summary {
  std::uint64_t total = 0;
  std::uint64_t succeeded = 0;
  std::uint64_t failed = 0;
  std::uint64_t cancelled = 0;
};

namespace detail {
class scheduler;  // detail/scheduler.hpp: only pool.cpp needs its threads and locks
}  // namespace detail

class pool {
 public:
  explicit pool(environment& env, pool_options options = {});
  ~pool();
  pool(const pool&) = delete;
  pool& operator=(const pool&) = delete;

  /// Registers `fn` (one argument, one result) under `name`. Call on every rank, same
  /// order. The argument type comes from fn's signature, or is named once for a generic
  /// lambda: define_task<std::uint64_t>("square", [](auto i) { return i * i; }).
  template <class Arg = void, class F>
  auto define_task(std::string name, F fn) {
    using fn_type = std::decay_t<F>;
    if constexpr (std::is_void_v<Arg>) {
      static_assert(detail::has_one_signature<fn_type>,
                    "define_task: a generic or overloaded callable needs its argument type, define_task<A>(name, fn)");
      if constexpr (detail::has_one_signature<fn_type>) {
        using traits = detail::callable_traits<fn_type>;
        return add_task<typename traits::result, typename traits::argument>(std::move(name), fn_type(std::move(fn)));
      }
    } else {
      using A = std::decay_t<Arg>;
      static_assert(std::is_invocable_v<const fn_type&, A>, "define_task<A>: fn cannot be called with an A");
      return add_task<std::decay_t<std::invoke_result_t<const fn_type&, A>>, A>(std::move(name),
                                                                               fn_type(std::move(fn)));
    }
  }

  /// Registers `fn(chunk_items&)`, called once per chunk with all of its items
  /// (chunk_task.hpp): for kernels that cost per call, not per item. Its handle takes and
  /// gives bytes as std::string. Call on every rank, same order.
  template <class F>
  task<std::string(std::string)> define_chunk_task(std::string name, F fn) {
    const auto id =
        table_.add_task(detail::task_entry{name, detail::chunk_task_runner<std::decay_t<F>>(std::move(fn))});
    return task<std::string(std::string)>(id, std::move(name));
  }

  /// Registers an associative, commutative fold for map_reduce. Call on every rank, same order.
  template <class T, class Op>
  reduction<T> define_reduction(std::string name, Op op) {
    using fn_type = typename reduction<T>::function_type;
    auto shared = std::make_shared<const fn_type>(fn_type(std::move(op)));
    const auto id = table_.add_reduction(detail::reduction_entry{name, typeid(T), shared});
    return reduction<T>(id, std::move(name), shared);
  }

  /// Runs `driver` on rank 0 while the other ranks serve; see the file comment.
  void run(const std::function<void()>& driver);

  const environment& env() const noexcept { return env_; }
  bool is_root() const noexcept { return env_.is_root(); }
  int ranks() const noexcept { return env_.size(); }
  /// This rank's OpenMP threads.
  int threads() const noexcept { return threads_; }
  /// Threads of every rank (filled in by run()).
  const std::vector<int>& threads_by_rank() const noexcept { return threads_by_rank_; }
  const pool_options& options() const noexcept { return options_; }

  // ---- Driver API: rank 0, inside run() ----

  /// Results in input order. Throws task_error if a task failed (after retries).
  template <class R, class A, class Inputs>
  std::vector<R> map(const task<R(A)>& t, Inputs&& inputs, call_options opts = {}) {
    return std::move(map_async(t, std::forward<Inputs>(inputs), opts).get());
  }

  /// Starts a map and returns at once; the handle's wait()/get() collect it.
  template <class R, class A, class Inputs>
  batch_handle<R> map_async(const task<R(A)>& t, Inputs&& inputs, call_options opts = {}) {
    auto state = std::make_shared<detail::map_state<R>>();
    auto spec = make_spec(t, std::forward<Inputs>(inputs), opts);
    state->count = spec.count;
    state->results.resize(spec.count);
    detail::map_state<R>* raw = state.get();
    state->on_chunk = [raw](const detail::completion& c) {
      detail::for_each_result<R>(c, [&](std::uint32_t i, R&& value) { raw->results[c.first + i] = std::move(value); });
    };
    submit_batch(std::move(spec), state);
    return batch_handle<R>(this, std::move(state));
  }

  /// Starts a batch and returns at once; its results arrive in completion order inside
  /// poll() (or any wait) on the driver thread: on_result(index, value) for each success,
  /// on_failure(task_failure) for each final failure, then on_finished(batch_summary) once.
  /// For a driver that serves other work while batches run (an event loop, a queue).
  /// Returns the batch's id, which its chunk_records carry (on_chunk_done).
  template <class R, class A, class Inputs, class OnResult, class OnFailure, class OnFinished>
  std::uint64_t stream_async(const task<R(A)>& t, Inputs&& inputs, OnResult on_result, OnFailure on_failure,
                    OnFinished on_finished, call_options opts = {}) {
    auto state = std::make_shared<detail::batch_state>();
    auto spec = make_spec(t, std::forward<Inputs>(inputs), opts);
    state->count = spec.count;
    detail::batch_state* raw = state.get();
    state->on_chunk = [raw, on_result = std::move(on_result), on_failure = std::move(on_failure),
                       reported = std::size_t{0}](const detail::completion& c) mutable {
      detail::for_each_result<R>(c, [&](std::uint32_t i, R&& value) { on_result(c.first + i, std::move(value)); });
      for (; reported < raw->failures.size(); ++reported) on_failure(raw->failures[reported]);
    };
    state->on_finished = [raw, on_finished = std::move(on_finished)]() mutable {
      on_finished(batch_summary{raw->count, raw->succeeded, raw->failed, raw->cancelled});
    };
    return submit_batch(std::move(spec), std::move(state));
  }

  /// Streams results in completion order like stream_async, and returns when the batch
  /// is done.
  template <class R, class A, class Inputs, class OnResult, class OnFailure>
  batch_summary for_each_completed(const task<R(A)>& t, Inputs&& inputs, OnResult&& on_result,
                                   OnFailure&& on_failure, call_options opts = {}) {
    std::optional<batch_summary> summary;
    stream_async(
        t, std::forward<Inputs>(inputs), [&](std::uint64_t index, R&& value) { on_result(index, std::move(value)); },
        [&](const task_failure& f) { on_failure(f); }, [&](const batch_summary& s) { summary = s; }, opts);
    while (!summary) poll(true);
    return *summary;
  }

  /// One task, one future. `arg` converts to the task's argument type (submit(t, 12)).
  template <class R, class A>
  future<R> submit(const task<R(A)>& t, std::type_identity_t<A> arg, call_options opts = {}) {
    auto state = std::make_shared<detail::future_state<R>>();
    auto spec = make_spec(t, std::vector<A>{std::move(arg)}, opts);
    state->count = 1;
    detail::future_state<R>* raw = state.get();
    state->on_chunk = [raw](const detail::completion& c) {
      detail::for_each_result<R>(c, [raw](std::uint32_t, R&& value) { raw->value = std::move(value); });
    };
    state->on_finished = [raw] {
      for (auto& callback : raw->callbacks) callback();
      raw->callbacks.clear();
    };
    submit_batch(std::move(spec), state);
    return future<R>(this, std::move(state));
  }

  /// Folds every task's result with `op`, starting from `init` (which converts to R).
  /// Executors fold their chunks; rank 0 folds only the per-chunk partials. Throws
  /// task_error on failure.
  template <class R, class A, class Inputs>
  R map_reduce(const task<R(A)>& t, Inputs&& inputs, const reduction<R>& op, std::type_identity_t<R> init,
               call_options opts = {}) {
    if (!op.valid()) throw error("pool::map_reduce: the reduction is empty; assign it from define_reduction first");
    auto state = std::make_shared<detail::batch_state>();
    auto spec = make_spec(t, std::forward<Inputs>(inputs), opts);
    spec.reduction_id = op.id();
    state->count = spec.count;
    R total = std::move(init);
    state->on_chunk = [&](const detail::completion& c) {
      if (c.message.empty()) return;  // items given up without a result message
      if (auto partial = detail::wire::decode_reduced_result<R>(c.header.layout, c.body())) total = op(total, *partial);
    };
    submit_batch(std::move(spec), state);
    while (!state->finished) poll(true);
    if (state->failed > 0 || state->cancelled > 0) detail::throw_batch_failure(*state);
    return total;
  }

  /// Hands out no more chunks of any batch; chunks in flight still come back.
  void cancel_all();

  /// Processes results that have arrived; with `block`, waits for at least one event
  /// or until the idle hook is due.
  void poll(bool block);

  /// Runs `hook` on the driver thread at least every `interval` while the driver
  /// waits (periodic flushes, progress, signal checks).
  void on_idle(std::function<void()> hook, std::chrono::milliseconds interval) {
    idle_hook_ = std::move(hook);
    idle_interval_ = interval;
  }

  /// Called on the driver thread for every chunk that comes back (the run's timeline).
  void on_chunk_done(std::function<void(const chunk_record&)> observer) { chunk_observer_ = std::move(observer); }

  /// Called when rank 0 starts running a chunk of batch positions [first, first + count)
  /// itself (`starting`) and when it has run it: what a crash of rank 0 would take with it,
  /// to be recorded durably (run.cpp's record of running tasks). Called on rank 0's
  /// executor thread or the thread running the scheduler loop, possibly concurrently;
  /// set before run().
  void on_rank0_chunk(std::function<void(std::uint64_t first, std::uint32_t count, bool starting)> observer) {
    rank0_observer_ = std::move(observer);
  }

  /// Called on the driver thread when a rank is lost or answers again.
  void on_rank_event(std::function<void(const rank_event&)> observer) { rank_observer_ = std::move(observer); }

  /// From now on, hands out no chunk whose estimate says it cannot end by `deadline`, and
  /// shrinks chunks to end by it; a batch that reaches it hands out no more (its other
  /// items count as cancelled). Rank 0, before or during run().
  void set_deadline(std::chrono::steady_clock::time_point deadline);
  /// Whether a batch of the latest run() stopped at the deadline.
  bool deadline_reached() const noexcept { return deadline_reached_; }

  /// Lost ranks, re-runs, speculative copies, discarded duplicates, quarantined tasks
  /// of the latest run() (rank 0).
  const resilience_summary& resilience() const noexcept { return resilience_; }

  /// Thread-seconds spent inside tasks since run() started, over all ranks.
  double busy_seconds() const noexcept { return busy_seconds_; }

 private:
  template <class R, class A, class F>
  task<R(A)> add_task(std::string name, F fn) {
    static_assert(!std::is_void_v<R>, "a task returns a value (return a status code or empty struct)");
    const auto id = table_.add_task(detail::task_entry{name, detail::typed_chunk_runner<R, A, F>(std::move(fn))});
    return task<R(A)>(id, std::move(name));
  }

  template <class R, class A, class Inputs>
  detail::batch_spec make_spec(const task<R(A)>& t, Inputs&& inputs, const call_options& opts) {
    if (!t.valid()) throw error("pool: the task is empty (default-constructed); assign it from define_task first");
    detail::batch_spec spec;
    spec.task_id = t.id();
    spec.policy = opts.chunking.value_or(options_.chunking);
    spec.retries = opts.retries.value_or(options_.retries);
    spec.abort_on_error = opts.on_error.value_or(options_.on_error) == error_policy::abort;
    spec.suspects = !opts.suspicion.empty();
    spec.suspicion = opts.suspicion;
    if constexpr (std::is_same_v<std::decay_t<Inputs>, index_range>) {
      static_assert(std::is_integral_v<A>, "index_range inputs need a task taking an integer index");
      spec.count = inputs.count;
      spec.index_base = inputs.first;
    } else {
      using stored = std::vector<A>;
      auto owned = std::make_shared<const stored>(stored(std::begin(inputs), std::end(inputs)));
      spec.count = owned->size();
      spec.encode_inputs = [owned](std::uint64_t first, std::uint32_t count, byte_buffer& out) {
        detail::wire::encode_chunk_inputs(*owned, first, count, out);
      };
    }
    return spec;
  }

  std::uint64_t submit_batch(detail::batch_spec spec, std::shared_ptr<detail::batch_state> state);
  /// A final failure as the driver reports it: the record plus rank, host and attempts.
  task_failure final_failure(const detail::completion& c, detail::wire::failure_record record) const;
  void require_driver(const char* what) const;
  void report_rank_event(const detail::completion& c);
  void handshake();

  friend void detail::pool_progress(pool& p, bool block);

  environment& env_;
  pool_options options_;
  int threads_ = 1;
  std::vector<int> threads_by_rank_;
  detail::task_table table_;
  detail::executor_identity identity_;
  std::unique_ptr<detail::scheduler> scheduler_;
  std::unordered_map<std::uint64_t, std::shared_ptr<detail::batch_state>> active_;
  std::function<void(const chunk_record&)> chunk_observer_;
  std::function<void(const rank_event&)> rank_observer_;
  std::function<void(std::uint64_t, std::uint32_t, bool)> rank0_observer_;
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
  bool deadline_reached_ = false;
  resilience_summary resilience_;
  std::function<void()> idle_hook_;
  std::chrono::milliseconds idle_interval_{200};
  std::chrono::steady_clock::time_point last_idle_{};
  double busy_seconds_ = 0;
  bool driving_ = false;
};

}  // namespace rankpool
