#pragma once
/// App parameters: what an app declares, and the validated values a job supplies.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace rankpool {

using param_value = std::variant<std::int64_t, double, std::string, bool>;

/// One declared parameter with its type (taken from the default), bounds and help.
struct param_spec {
  std::string name;
  param_value default_value;
  std::string help;
  std::optional<double> min;              ///< numbers: smallest allowed value
  std::optional<double> max;              ///< numbers: largest allowed value
  std::vector<std::string> choices;       ///< strings: allowed values (empty = any)

  std::string type_name() const;
};

/// Shorthands so an app's parameter list reads like a table.
param_spec integer_param(std::string name, std::int64_t default_value, std::string help,
                         std::optional<double> min = std::nullopt, std::optional<double> max = std::nullopt);
param_spec real_param(std::string name, double default_value, std::string help,
                      std::optional<double> min = std::nullopt, std::optional<double> max = std::nullopt);
param_spec string_param(std::string name, std::string default_value, std::string help,
                        std::vector<std::string> choices = {});
param_spec bool_param(std::string name, bool default_value, std::string help);

/// The value for a message or a listing (strings quoted and escaped, reals shortest).
std::string format_value(const param_value& value);
/// The value as TOML that reads back to exactly it (reals always as floats).
std::string toml_value(const param_value& value);

/// A place in a job file: 1-based line and column; line 0 when not from the file.
struct text_position {
  std::uint32_t line = 0;
  std::uint32_t column = 0;
};

/// "FILE:LINE:COL" (the GCC convention editors and terminals turn into links), or
/// just FILE when `at` is not in it.
std::string located(const std::string& file, text_position at);

/// One swept parameter: its values, and where the job file writes them.
struct sweep_axis {
  std::string name;
  std::vector<param_value> values;
  text_position at;                     ///< the axis' list or range table
  std::vector<text_position> value_at;  ///< each listed value; empty for a range
};

/// The combinations of a job's [sweep]: one axis per swept parameter, combined as a
/// cartesian product (last axis fastest) or zipped (all axes the same length).
struct sweep_table {
  enum class combine { product, zip };
  combine mode = combine::product;
  std::string file;  ///< the job file, for messages
  std::vector<sweep_axis> axes;

  std::uint64_t size() const;
  /// Position in axis `axis`'s values of combination `index`.
  std::size_t value_index(std::size_t axis, std::uint64_t index) const;
  /// Value of axis `axis` in combination `index`.
  const param_value& value(std::size_t axis, std::uint64_t index) const { return axes[axis].values[value_index(axis, index)]; }
};

/// Validated parameter values (declared defaults filled in), each with where it came
/// from, so an app's own checks point at the value they reject.
class params {
 public:
  params() = default;
  /// `origins`: per name, the message prefix naming the value's source:
  /// "job.toml:5:7: params.L", "--set params.L=3" or "job.toml: params.L (default)".
  params(std::map<std::string, param_value> values, std::map<std::string, std::string> origins,
         std::shared_ptr<const sweep_table> sweep = nullptr)
      : values_(std::move(values)), origins_(std::move(origins)), sweep_(std::move(sweep)) {}

  /// Parameter combinations of the job's [sweep]; 1 when it has none.
  std::uint64_t combinations() const { return sweep_ ? sweep_->size() : 1; }
  /// The parameters of combination `index`: base values with the swept ones replaced
  /// (their origin the sweep entry).
  params combination(std::uint64_t index) const;
  /// The sweep, or nullptr when the job has none.
  const sweep_table* sweep() const noexcept { return sweep_.get(); }

  std::int64_t integer(const std::string& name) const;
  double real(const std::string& name) const;
  const std::string& string(const std::string& name) const;
  bool boolean(const std::string& name) const;
  const std::map<std::string, param_value>& values() const noexcept { return values_; }
  /// The value of `name` (a swept one: its base value; see combination()).
  const param_value& value(const std::string& name) const { return at(name); }
  /// Where the value of `name` came from (see the constructor).
  std::string origin(const std::string& name) const;

  /// Throws usage_error "ORIGIN: REASON" (e.g. "job.toml:5:7: params.dt: must be
  /// positive"), for an app's cross-parameter checks.
  [[noreturn]] void reject(const std::string& name, const std::string& reason) const;

 private:
  const param_value& at(const std::string& name) const;
  std::map<std::string, param_value> values_;
  std::map<std::string, std::string> origins_;
  std::shared_ptr<const sweep_table> sweep_;
};

}  // namespace rankpool
