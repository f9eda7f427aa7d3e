#include "rankpool/params.hpp"

#include <cmath>
#include <charconv>

#include "rankpool/detail/toml.hpp"
#include "rankpool/error.hpp"

namespace rankpool {

std::string param_spec::type_name() const {
  switch (default_value.index()) {
    case 0: return "integer";
    case 1: return "real";
    case 2: return "string";
    default: return "boolean";
  }
}

param_spec integer_param(std::string name, std::int64_t default_value, std::string help, std::optional<double> min,
                         std::optional<double> max) {
  return {std::move(name), default_value, std::move(help), min, max, {}};
}
param_spec real_param(std::string name, double default_value, std::string help, std::optional<double> min,
                      std::optional<double> max) {
  return {std::move(name), default_value, std::move(help), min, max, {}};
}
param_spec string_param(std::string name, std::string default_value, std::string help,
                        std::vector<std::string> choices) {
  return {std::move(name), std::move(default_value), std::move(help), std::nullopt, std::nullopt, std::move(choices)};
}
param_spec bool_param(std::string name, bool default_value, std::string help) {
  return {std::move(name), default_value, std::move(help), std::nullopt, std::nullopt, {}};
}

std::string format_value(const param_value& value) {
  switch (value.index()) {
    case 0: return std::to_string(std::get<std::int64_t>(value));
    case 1: {
      // The shortest text that reads back as exactly this double.
      char text[32];
      const auto end = std::to_chars(text, text + sizeof text, std::get<double>(value)).ptr;
      return std::string(text, end);
    }
    case 2: return detail::toml::quote(std::get<std::string>(value));
    default: return std::get<bool>(value) ? "true" : "false";
  }
}

std::string toml_value(const param_value& value) {
  std::string text = format_value(value);
  // A real stays a TOML float when read back ("1" would be an integer, "-0" would lose its sign).
  if (value.index() == 1 && text.find_first_of(".eEn") == std::string::npos) text += ".0";
  return text;
}

const param_value& params::at(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) throw error("app asked for undeclared parameter '" + name + "'");
  return it->second;
}

std::int64_t params::integer(const std::string& name) const { return std::get<std::int64_t>(at(name)); }
double params::real(const std::string& name) const { return std::get<double>(at(name)); }
const std::string& params::string(const std::string& name) const { return std::get<std::string>(at(name)); }
bool params::boolean(const std::string& name) const { return std::get<bool>(at(name)); }

std::string located(const std::string& file, text_position at) {
  if (at.line == 0) return file;
  return file + ":" + std::to_string(at.line) + ":" + std::to_string(at.column);
}

std::uint64_t sweep_table::size() const {
  if (axes.empty()) return 1;
  std::uint64_t n = mode == combine::zip ? axes.front().values.size() : 1;
  if (mode == combine::product)
    for (const auto& axis : axes) n *= axis.values.size();
  return n;
}

std::size_t sweep_table::value_index(std::size_t axis, std::uint64_t index) const {
  if (mode == combine::zip) return index;
  for (std::size_t a = axes.size(); a-- > axis + 1;) index /= axes[a].values.size();
  return index % axes[axis].values.size();
}

params params::combination(std::uint64_t index) const {
  if (!sweep_) return *this;
  if (index >= sweep_->size()) throw error("sweep combination " + std::to_string(index) + " out of range");
  params one(values_, origins_);
  for (std::size_t a = 0; a < sweep_->axes.size(); ++a) {
    const sweep_axis& axis = sweep_->axes[a];
    const std::size_t k = sweep_->value_index(a, index);
    one.values_[axis.name] = axis.values[k];
    const text_position at = axis.value_at.empty() ? axis.at : axis.value_at[k];
    one.origins_[axis.name] = located(sweep_->file, at) + ": sweep." + axis.name + " (" + format_value(axis.values[k]) + ")";
  }
  return one;
}

std::string params::origin(const std::string& name) const {
  const auto it = origins_.find(name);
  return it == origins_.end() ? "params." + name : it->second;
}

void params::reject(const std::string& name, const std::string& reason) const {
  throw usage_error(origin(name) + ": " + reason);
}

}  // namespace rankpool
