#pragma once
/// Handles to registered tasks and reductions, and the index-range input.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "rankpool/error.hpp"

namespace rankpool {

/// Inputs that are just the indices first, first+1, ..., first+count-1: nothing but
/// the range travels on the wire, so the task derives its work from the index.
struct index_range {
  std::uint64_t first = 0;
  std::uint64_t count = 0;
};

/// A function registered on every rank under a name (pool::define_task). Cheap to
/// copy. A default-constructed task is empty until assigned one from define_task, so
/// an app can hold it as a plain member; handing an empty task to the pool throws.
template <class Signature>
class task;

template <class Result, class Arg>
class task<Result(Arg)> {
 public:
  using result_type = Result;
  using argument_type = Arg;
  task() = default;
  task(std::uint32_t id, std::string name) : id_(id), name_(std::move(name)) {}
  bool valid() const noexcept { return id_ != no_id; }
  std::uint32_t id() const noexcept { return id_; }
  const std::string& name() const noexcept { return name_; }

 private:
  static constexpr std::uint32_t no_id = 0xffffffffu;
  std::uint32_t id_ = no_id;
  std::string name_;
};

/// An associative, commutative fold registered on every rank (pool::define_reduction):
/// workers fold their chunk's results with it, rank 0 folds the partials. Empty when
/// default-constructed, like task.
template <class T>
class reduction {
 public:
  using value_type = T;
  using function_type = std::function<T(const T&, const T&)>;
  reduction() = default;
  reduction(std::uint32_t id, std::string name, std::shared_ptr<const function_type> op)
      : id_(id), name_(std::move(name)), op_(std::move(op)) {}
  bool valid() const noexcept { return op_ != nullptr; }
  std::uint32_t id() const noexcept { return id_; }
  const std::string& name() const noexcept { return name_; }
  T operator()(const T& a, const T& b) const {
    if (!op_) throw error("rankpool: this reduction is empty; assign it from pool::define_reduction first");
    return (*op_)(a, b);
  }

 private:
  std::uint32_t id_ = 0;
  std::string name_;
  std::shared_ptr<const function_type> op_;
};

}  // namespace rankpool
