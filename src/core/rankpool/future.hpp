#pragma once
/// Handles to work in flight: future<R> for one submitted task, batch_handle<R>
/// for a map_async. Waiting drives rank 0's result processing, so callbacks run
/// on the driver thread inside wait()/get()/pool::poll().
#include <algorithm>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "rankpool/detail/batch_state.hpp"
#include "rankpool/error.hpp"
#include "rankpool/task_failure.hpp"

namespace rankpool {

class pool;

namespace detail {
void pool_progress(pool& p, bool block);

template <class R>
struct future_state : batch_state {
  std::optional<R> value;
  std::vector<std::function<void()>> callbacks;
};

template <class R>
struct map_state : batch_state {
  std::vector<R> results;
};

[[noreturn]] void throw_batch_failure(const batch_state& state);
}  // namespace detail

/// The result of pool::submit. Copies share the same state.
template <class R>
class future {
 public:
  future() = default;
  future(pool* owner, std::shared_ptr<detail::future_state<R>> state) : owner_(owner), state_(std::move(state)) {}

  bool valid() const noexcept { return state_ != nullptr; }
  bool ready() const {
    if (!state_->finished) detail::pool_progress(*owner_, false);
    return state_->finished;
  }
  void wait() const {
    while (!state_->finished) detail::pool_progress(*owner_, true);
  }
  /// The task's value; rethrows its failure as task_error (with rank, host and message).
  const R& get() const {
    wait();
    if (!state_->value) detail::throw_batch_failure(*state_);
    return *state_->value;
  }
  bool failed() const { return ready() && !state_->value; }
  pool* owner() const noexcept { return owner_; }
  /// Runs `callback(*this)` on the driver thread once the task is done (at once if it is).
  void on_done(std::function<void(const future&)> callback) {
    if (state_->finished) {
      callback(*this);
    } else {
      state_->callbacks.push_back([self = *this, cb = std::move(callback)] { cb(self); });
    }
  }

 private:
  pool* owner_ = nullptr;
  std::shared_ptr<detail::future_state<R>> state_;
};

/// Waits for every future.
template <class R>
void wait_all(const std::vector<future<R>>& futures) {
  for (const auto& f : futures) f.wait();
}

/// Waits until at least one future is done; returns the index of one that is.
template <class R>
std::size_t wait_any(const std::vector<future<R>>& futures) {
  if (futures.empty()) throw error("wait_any: no futures to wait for");
  while (true) {
    for (std::size_t i = 0; i < futures.size(); ++i)
      if (futures[i].ready()) return i;
    detail::pool_progress(*futures.front().owner(), true);
  }
}

/// The result of pool::map_async: results in input order once done.
template <class R>
class batch_handle {
 public:
  batch_handle(pool* owner, std::shared_ptr<detail::map_state<R>> state) : owner_(owner), state_(std::move(state)) {}
  bool ready() const {
    if (!state_->finished) detail::pool_progress(*owner_, false);
    return state_->finished;
  }
  void wait() const {
    while (!state_->finished) detail::pool_progress(*owner_, true);
  }
  /// Results in input order; throws task_error if any task failed or was cancelled.
  std::vector<R>& get() {
    wait();
    if (state_->failed > 0 || state_->cancelled > 0) detail::throw_batch_failure(*state_);
    return state_->results;
  }
  const std::vector<task_failure>& failures() const {
    wait();
    return state_->failures;
  }
  std::uint64_t size() const { return state_->count; }

 private:
  pool* owner_;
  std::shared_ptr<detail::map_state<R>> state_;
};

}  // namespace rankpool
