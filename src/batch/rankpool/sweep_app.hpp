#pragma once
/// The declarative app: one task per parameter combination (or per index), a kernel
/// that returns a few named numbers, and one definition from which rankpool derives
/// the rest (the /results columns, sweeps, resume, merge, `rankpool apps`, the command
/// line):
///
///   struct estimate { double value; double error; };
///   estimate integrate(const rankpool::task_context& t);   // the kernel
///
///   static const bool registered = rankpool::sweep_app("powers", "Monte Carlo integral of x^p")
///       .param("p", 2.0, "the power", 0.0, 100.0)
///       .param("samples", 100000, "samples per task", 1, 1e12)
///       .result("value", "the estimate of 1 / (p + 1)")
///       .result("error", "its standard error")
///       .kernel(integrate);
///   int main(int argc, char** argv) { return rankpool::cli_main(argc, argv); }
///
/// A kernel takes a task_context (its parameters, index and random streams) and
/// returns a number, a std::tuple / std::pair / std::array of numbers, or a struct of
/// up to 8 number fields, one per declared result, in order. Every app gets two
/// parameters unless it declares them itself: `seed` (of the random streams, default 1)
/// and `tasks` (how many tasks a job without [sweep] has, default 1; with a [sweep], a
/// job has one task per combination). The class-based rankpool::app (app.hpp) remains
/// for apps that store results another way.
#include <array>
#include <bit>
#include <concepts>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include "rankpool/app.hpp"
#include "rankpool/params.hpp"
#include "rankpool/pool.hpp"
#include "rankpool/random.hpp"
#include "rankpool/run.hpp"

namespace rankpool {

/// What a kernel knows about its task: the job's parameters with the swept ones of
/// its combination, its index, and its random streams. Cheap: it copies nothing.
class task_context {
 public:
  task_context(const rankpool::params& job, std::uint64_t index, std::uint64_t tasks);

  /// The task's index, 0 .. tasks() - 1 (with a sweep: its combination).
  std::uint64_t index() const noexcept { return index_; }
  std::uint64_t tasks() const noexcept { return tasks_; }
  /// Whether the job has a [sweep].
  bool is_swept() const noexcept { return job_.sweep() != nullptr; }

  std::int64_t integer(std::string_view name) const { return std::get<std::int64_t>(value(name)); }
  double real(std::string_view name) const { return std::get<double>(value(name)); }
  const std::string& string(std::string_view name) const { return std::get<std::string>(value(name)); }
  bool boolean(std::string_view name) const { return std::get<bool>(value(name)); }
  /// The parameter `name` of this task (swept or fixed).
  const param_value& value(std::string_view name) const;

  /// Stream `stream` of this task's random numbers: a function of (the seed parameter,
  /// index(), stream) only, never of the rank, thread or chunk that runs the task.
  random_stream random(std::uint64_t stream = 0) const {
    return random_stream(static_cast<std::uint64_t>(integer("seed")), index_, stream);
  }

 private:
  const rankpool::params& job_;
  std::uint64_t index_;
  std::uint64_t tasks_;
};

namespace detail {

/// How a result field is stored: its /results column type.
enum class column_kind : std::uint8_t { real, integer, unsigned_integer, boolean };

template <class T>
constexpr column_kind column_kind_of() {
  static_assert(std::is_arithmetic_v<T>, "a kernel's results are numbers or bools");
  if constexpr (std::is_same_v<T, bool>) {
    return column_kind::boolean;
  } else if constexpr (std::is_floating_point_v<T>) {
    return column_kind::real;
  } else if constexpr (std::is_signed_v<T>) {
    return column_kind::integer;
  } else {
    return column_kind::unsigned_integer;
  }
}

/// A result field as the 64 bits that travel (double, int64 or uint64 bit patterns).
template <class T>
std::uint64_t to_slot(T value) {
  if constexpr (std::is_same_v<T, bool>) {
    return value ? 1 : 0;
  } else if constexpr (std::is_floating_point_v<T>) {
    return std::bit_cast<std::uint64_t>(static_cast<double>(value));
  } else if constexpr (std::is_signed_v<T>) {
    return std::bit_cast<std::uint64_t>(static_cast<std::int64_t>(value));
  } else {
    return static_cast<std::uint64_t>(value);
  }
}

/// Converts to anything: counts an aggregate's fields by how many it can be built from.
struct any_field {
  template <class T>
  constexpr operator T() const noexcept;
};

template <class T, class... Fields>
consteval std::size_t field_count() {
  if constexpr (requires { T{Fields{}..., any_field{}}; }) {
    return field_count<T, Fields..., any_field>();
  } else {
    return sizeof...(Fields);
  }
}

/// A kernel's return value as a std::tuple of its fields.
template <class R>
auto as_tuple(const R& r) {
  if constexpr (std::is_arithmetic_v<R>) {
    return std::tuple<R>(r);
  } else if constexpr (requires { std::tuple_size<R>::value; }) {
    return std::apply([](const auto&... field) { return std::tuple(field...); }, r);
  } else {
    static_assert(std::is_aggregate_v<R>, "a kernel returns a number, a tuple, a std::array or a struct of numbers");
    constexpr std::size_t n = field_count<R>();
    static_assert(n >= 1 && n <= 8, "a kernel's struct has 1 to 8 fields");
    if constexpr (n == 1) {
      const auto& [a] = r;
      return std::tuple(a);
    } else if constexpr (n == 2) {
      const auto& [a, b] = r;
      return std::tuple(a, b);
    } else if constexpr (n == 3) {
      const auto& [a, b, c] = r;
      return std::tuple(a, b, c);
    } else if constexpr (n == 4) {
      const auto& [a, b, c, d] = r;
      return std::tuple(a, b, c, d);
    } else if constexpr (n == 5) {
      const auto& [a, b, c, d, e] = r;
      return std::tuple(a, b, c, d, e);
    } else if constexpr (n == 6) {
      const auto& [a, b, c, d, e, f] = r;
      return std::tuple(a, b, c, d, e, f);
    } else if constexpr (n == 7) {
      const auto& [a, b, c, d, e, f, g] = r;
      return std::tuple(a, b, c, d, e, f, g);
    } else {
      const auto& [a, b, c, d, e, f, g, h] = r;
      return std::tuple(a, b, c, d, e, f, g, h);
    }
  }
}

/// One task's results on the wire: trivially copyable, so they travel as raw bytes.
template <std::size_t N>
struct result_slots {
  std::array<std::uint64_t, N> values;
};

struct sweep_result {
  std::string name;
  std::string meaning;
  column_kind kind = column_kind::real;
};

/// Everything a sweep_app definition says, shared by every instance of the app.
struct sweep_definition {
  std::string name;
  std::string summary;
  std::vector<param_spec> params;
  std::vector<sweep_result> results;
  std::vector<std::function<void(const rankpool::params&)>> checks;
  std::vector<std::string> sweepable;  ///< empty: every parameter but tasks
  std::function<double(const task_context&)> cost;
  /// Runs the kernel and writes one slot per result.
  std::function<void(const task_context&, std::uint64_t* slots)> compute;
};

/// The app built from a definition (everything but the pool's typed task).
class sweep_app_base : public app {
 public:
  sweep_app_base(std::shared_ptr<const sweep_definition> definition, const rankpool::params& p);
  std::uint64_t task_count() const override { return tasks_; }
  void create_results(run_file& file) override;
  std::optional<double> task_cost(std::uint64_t task) const override {
    if (!definition_->cost) return std::nullopt;
    return definition_->cost(context_of(task));
  }

 protected:
  task_context context_of(std::uint64_t task) const { return task_context(params_, task, tasks_); }
  /// Per result, what stores a task's slot in its /results column of this run.
  std::vector<std::function<void(std::uint64_t task, std::uint64_t slot)>> result_setters(job_context& ctx) const;

  std::shared_ptr<const sweep_definition> definition_;
  rankpool::params params_;
  std::uint64_t tasks_ = 0;
};

template <std::size_t N>
class sweep_app_instance final : public sweep_app_base {
 public:
  using sweep_app_base::sweep_app_base;

  void define_tasks(pool& p) override {
    kernel_ = p.define_task(definition_->name + ".kernel", [this](std::uint64_t task) {
      result_slots<N> out;
      definition_->compute(context_of(task), out.values.data());
      return out;
    });
  }

  void run(job_context& ctx) override {
    const auto setters = result_setters(ctx);
    ctx.run_tasks(kernel_, [&](std::uint64_t task, const result_slots<N>& r) {
      for (std::size_t f = 0; f < N; ++f) setters[f](task, r.values[f]);
    });
  }

 private:
  rankpool::task<result_slots<N>(std::uint64_t)> kernel_;
};

/// Registers `definition` (with its result kinds and compute filled in) as an app.
bool register_sweep_app(std::shared_ptr<sweep_definition> definition,
                        std::function<std::unique_ptr<app>(std::shared_ptr<const sweep_definition>, const params&)> make);

}  // namespace detail

/// The definition of a declarative app; see the file comment.
class sweep_app {
 public:
  sweep_app(std::string name, std::string summary);

  template <std::integral I>
    requires(!std::same_as<I, bool>)
  sweep_app& param(std::string name, I default_value, std::string help, std::optional<double> min = std::nullopt,
                   std::optional<double> max = std::nullopt) {
    return param(integer_param(std::move(name), static_cast<std::int64_t>(default_value), std::move(help), min, max));
  }
  sweep_app& param(std::string name, double default_value, std::string help, std::optional<double> min = std::nullopt,
                   std::optional<double> max = std::nullopt);
  sweep_app& param(std::string name, const char* default_value, std::string help, std::vector<std::string> choices = {});
  sweep_app& param(std::string name, bool default_value, std::string help);
  /// Any parameter spelled out (integer_param, real_param, ... in params.hpp).
  sweep_app& param(param_spec spec);

  /// The next result the kernel returns: its /results column name and what it means.
  sweep_app& result(std::string name, std::string meaning);
  /// A cross-parameter check, run for each task's parameters (each sweep combination,
  /// or the job's when it has none): p.reject(name, why).
  sweep_app& check(std::function<void(const params& p)> check);
  /// Only these parameters may be swept (by default all but tasks).
  sweep_app& sweepable(std::vector<std::string> names);
  /// A task's cost relative to the others (e.g. bodies^2 x steps); rankpool may start
  /// the most expensive first.
  sweep_app& cost(std::function<double(const task_context&)> cost);

  /// Registers the app with its kernel; returns true (for `static const bool registered = ...`).
  /// Throws rankpool::error when the kernel's values and the declared results disagree in number.
  template <class Kernel>
  bool kernel(Kernel fn) {
    using returned = std::decay_t<std::invoke_result_t<Kernel&, const task_context&>>;
    using fields = decltype(detail::as_tuple(std::declval<const returned&>()));
    constexpr std::size_t n = std::tuple_size_v<fields>;
    set_result_kinds([]<std::size_t... I>(std::index_sequence<I...>) {
      return std::vector<detail::column_kind>{detail::column_kind_of<std::tuple_element_t<I, fields>>()...};
    }(std::make_index_sequence<n>{}));
    // OpenMP threads call the kernel concurrently: it is called as const.
    definition_->compute = [fn = std::move(fn)](const task_context& t, std::uint64_t* slots) {
      std::apply(
          [slots](const auto&... field) {
            std::size_t f = 0;
            ((slots[f++] = detail::to_slot(field)), ...);
          },
          detail::as_tuple(fn(t)));
    };
    return detail::register_sweep_app(definition_, [](std::shared_ptr<const detail::sweep_definition> d, const params& p) {
      return std::unique_ptr<app>(std::make_unique<detail::sweep_app_instance<n>>(std::move(d), p));
    });
  }

 private:
  void set_result_kinds(std::vector<detail::column_kind> kinds);
  std::shared_ptr<detail::sweep_definition> definition_;
};

}  // namespace rankpool
