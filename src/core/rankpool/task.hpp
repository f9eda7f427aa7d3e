#pragma once
/// Handles to registered tasks and reductions, and the index-range input.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace rankpool {

/// Inputs that are just the indices first, first+1, ..., first+count-1: nothing but
/// the range travels on the wire, so the task derives its work from the index.
struct index_range {
  std::uint64_t first = 0;
  std::uint64_t count = 0;
};

/// A function registered on every rank under a name. Cheap to copy.
template <class Signature>
class task;

template <class Result, class Arg>
class task<Result(Arg)> {
 public:
  using result_type = Result;
  using argument_type = Arg;
  task(std::uint32_t id, std::string name) : id_(id), name_(std::move(name)) {}
  std::uint32_t id() const noexcept { return id_; }
  const std::string& name() const noexcept { return name_; }

 private:
  std::uint32_t id_;
  std::string name_;
};

/// An associative, commutative fold registered on every rank: workers fold their
/// chunk's results with it, rank 0 folds the partials.
template <class T>
class reduction {
 public:
  using value_type = T;
  using function_type = std::function<T(const T&, const T&)>;
  reduction(std::uint32_t id, std::string name, std::shared_ptr<const function_type> op)
      : id_(id), name_(std::move(name)), op_(std::move(op)) {}
  std::uint32_t id() const noexcept { return id_; }
  const std::string& name() const noexcept { return name_; }
  T operator()(const T& a, const T& b) const { return (*op_)(a, b); }

 private:
  std::uint32_t id_;
  std::string name_;
  std::shared_ptr<const function_type> op_;
};

}  // namespace rankpool
