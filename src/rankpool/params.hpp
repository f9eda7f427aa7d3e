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

std::string format_value(const param_value& value);

/// The combinations of a job's [sweep]: one axis per swept parameter, combined as a
/// cartesian product (last axis fastest) or zipped (all axes the same length).
struct sweep_table {
  enum class combine { product, zip };
  combine mode = combine::product;
  std::vector<std::pair<std::string, std::vector<param_value>>> axes;

  std::uint64_t size() const;
  /// Value of axis `axis` in combination `index`.
  const param_value& value(std::size_t axis, std::uint64_t index) const;
};

/// Validated parameter values (declared defaults filled in). `where` prefixes errors: "job.toml: params.width".
class params {
 public:
  params() = default;
  params(std::string where, std::map<std::string, param_value> values,
         std::shared_ptr<const sweep_table> sweep = nullptr)
      : where_(std::move(where)), values_(std::move(values)), sweep_(std::move(sweep)) {}

  /// Parameter combinations of the job's [sweep]; 1 when it has none.
  std::uint64_t combinations() const { return sweep_ ? sweep_->size() : 1; }
  /// The parameters of combination `index`: base values with the swept ones replaced.
  params combination(std::uint64_t index) const;
  /// The sweep, or nullptr when the job has none.
  const sweep_table* sweep() const noexcept { return sweep_.get(); }

  std::int64_t integer(const std::string& name) const;
  double real(const std::string& name) const;
  const std::string& string(const std::string& name) const;
  bool boolean(const std::string& name) const;
  const std::map<std::string, param_value>& values() const noexcept { return values_; }

  /// Throws usage_error "FILE: params.NAME: REASON" — for an app's cross-parameter checks.
  [[noreturn]] void reject(const std::string& name, const std::string& reason) const;

 private:
  const param_value& at(const std::string& name) const;
  std::string where_;
  std::map<std::string, param_value> values_;
  std::shared_ptr<const sweep_table> sweep_;
};

}  // namespace rankpool
