#include "rankpool/job.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <toml.hpp>

#include "rankpool/error.hpp"

namespace rankpool {
namespace {

[[noreturn]] void fail(const std::string& file, const std::string& key, const std::string& reason) {
  throw usage_error(file + ": " + key + ": " + reason);
}

std::string first_line(const std::string& text) {
  auto end = text.find('\n');
  std::string line = text.substr(0, end);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

std::string at_line(const toml::value& v) {
  const auto line = v.location().line();
  return line > 0 ? " (line " + std::to_string(line) + ")" : "";
}

/// Converts a TOML value to the declared parameter type, or says why it can't.
param_value convert(const std::string& file, const std::string& key, const param_spec& spec, const toml::value& v) {
  switch (spec.default_value.index()) {
    case 0:
      if (!v.is_integer()) fail(file, key, "expected an integer" + at_line(v));
      return static_cast<std::int64_t>(v.as_integer());
    case 1:
      if (v.is_integer()) return static_cast<double>(v.as_integer());
      if (!v.is_floating()) fail(file, key, "expected a number" + at_line(v));
      return static_cast<double>(v.as_floating());
    case 2:
      if (!v.is_string()) fail(file, key, "expected a string" + at_line(v));
      return std::string(v.as_string().str);
    default:
      if (!v.is_boolean()) fail(file, key, "expected true or false" + at_line(v));
      return v.as_boolean();
  }
}

/// Parses a --set value as the declared type.
param_value convert_text(const std::string& where, const param_spec& spec, const std::string& text) {
  try {
    std::size_t used = 0;
    switch (spec.default_value.index()) {
      case 0: {
        long long value = std::stoll(text, &used);
        if (used == text.size()) return static_cast<std::int64_t>(value);
        break;
      }
      case 1: {
        double value = std::stod(text, &used);
        if (used == text.size()) return value;
        break;
      }
      case 2:
        return text;
      default:
        if (text == "true") return true;
        if (text == "false") return false;
        break;
    }
  } catch (const std::exception&) {
  }
  throw usage_error(where + ": '" + text + "' is not " + (spec.type_name() == "integer" ? "an " : "a ") +
                    spec.type_name());
}

void check_range(const std::string& file, const std::string& key, const param_spec& spec, const param_value& v) {
  if (v.index() <= 1) {
    const double x = v.index() == 0 ? static_cast<double>(std::get<std::int64_t>(v)) : std::get<double>(v);
    if (!std::isfinite(x)) fail(file, key, "must be a finite number");
    if (spec.min && x < *spec.min) fail(file, key, format_value(v) + " is below the minimum " + format_value(*spec.min));
    if (spec.max && x > *spec.max) fail(file, key, format_value(v) + " is above the maximum " + format_value(*spec.max));
  }
  if (v.index() == 2 && !spec.choices.empty()) {
    const auto& s = std::get<std::string>(v);
    bool ok = false;
    std::string allowed;
    for (const auto& c : spec.choices) {
      ok |= c == s;
      allowed += (allowed.empty() ? "" : ", ") + c;
    }
    if (!ok) fail(file, key, "'" + s + "' is not one of: " + allowed);
  }
}

const param_spec* find_param(const app_info& app, const std::string& name) {
  for (const auto& p : app.params)
    if (p.name == name) return &p;
  return nullptr;
}

std::string string_at(const std::string& file, const std::string& key, const toml::value& v) {
  if (!v.is_string()) fail(file, key, "expected a string" + at_line(v));
  return v.as_string().str;
}

/// What toml11 must never see: text that is not UTF-8 (TOML requires it, and
/// toml11 misreads some invalid sequences) and nesting deep enough to exhaust
/// the stack of its recursive parser.
void check_text_before_parsing(const std::string& file, const std::string& text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    const std::size_t length = byte < 0x80 ? 1 : (byte >> 5) == 0x6 ? 2 : (byte >> 4) == 0xe ? 3 : (byte >> 3) == 0x1e ? 4 : 0;
    bool valid = length > 0 && i + length <= text.size() && !(length == 2 && byte < 0xc2);
    for (std::size_t k = 1; valid && k < length; ++k) valid = (static_cast<unsigned char>(text[i + k]) >> 6) == 0x2;
    if (!valid) throw usage_error(file + ": not valid UTF-8 (byte " + std::to_string(i) + ")");
    i += length;
  }
  constexpr int max_depth = 64;
  int depth = 0;
  for (char c : text) {
    if (c == '[' || c == '{') {
      if (++depth > max_depth) throw usage_error(file + ": arrays or tables nested deeper than " + std::to_string(max_depth));
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;  // brackets inside strings are counted too: pessimistic, never unsafe
    }
  }
}

/// One axis of a sweep: a list of values or a {start, stop, num|step, scale} range.
std::vector<param_value> parse_axis(const std::string& file, const std::string& key, const param_spec& spec,
                                    const toml::value& v) {
  std::vector<param_value> values;
  if (v.is_array()) {
    for (const auto& element : v.as_array()) values.push_back(convert(file, key, spec, element));
  } else if (v.is_table()) {
    if (spec.default_value.index() > 1) fail(file, key, "a range needs a numeric parameter");
    const auto& range = v.as_table();
    auto number = [&](const char* name) -> std::optional<double> {
      auto it = range.find(name);
      if (it == range.end()) return std::nullopt;
      if (it->second.is_integer()) return static_cast<double>(it->second.as_integer());
      if (it->second.is_floating()) return it->second.as_floating();
      fail(file, key + "." + name, "expected a number" + at_line(it->second));
    };
    for (const auto& [name, value] : range)
      if (name != "start" && name != "stop" && name != "num" && name != "step" && name != "scale")
        fail(file, key + "." + name, "unknown key (expected start, stop, num or step, scale)" + at_line(value));
    const auto start = number("start"), stop = number("stop"), num = number("num"), step = number("step");
    if (!start || !stop) fail(file, key, "a range needs start and stop" + at_line(v));
    if (num.has_value() == step.has_value()) fail(file, key, "a range needs exactly one of num and step" + at_line(v));
    std::string scale = "linear";
    if (auto it = range.find("scale"); it != range.end()) scale = string_at(file, key + ".scale", it->second);
    if (scale != "linear" && scale != "log") fail(file, key + ".scale", "'" + scale + "' is not linear or log");
    std::vector<double> points;
    for (const auto& [name, value] : {std::pair{"start", start}, {"stop", stop}, {"num", num}, {"step", step}})
      if (value && !std::isfinite(*value)) fail(file, key + "." + name, "must be a finite number");
    if (num) {
      if (*num < 1 || *num > 1e7 || std::floor(*num) != *num) fail(file, key + ".num", "must be an integer in 1..10000000");
      if (scale == "log" && (*start <= 0 || *stop <= 0)) fail(file, key, "a log range needs start and stop > 0");
      const auto n = static_cast<std::size_t>(*num);
      for (std::size_t k = 0; k < n; ++k) {
        const double t = n == 1 ? 0.0 : static_cast<double>(k) / static_cast<double>(n - 1);
        points.push_back(scale == "log" ? *start * std::pow(*stop / *start, t) : *start + (*stop - *start) * t);
      }
    } else {
      if (scale != "linear") fail(file, key + ".scale", "step ranges are linear; use num with scale = \"log\"");
      if (!(*step > 0)) fail(file, key + ".step", "must be positive");
      const double span = (*stop - *start) / *step;
      if (!(span <= 1e7)) fail(file, key, "more than 10000000 values");
      // Counted, not accumulated: x += step stops moving when step is below x's precision.
      for (double k = 0; k <= span + 1e-9; ++k) points.push_back(*start + k * *step);
    }
    for (double x : points) {
      if (spec.default_value.index() == 0) {
        const param_value rounded = static_cast<std::int64_t>(std::llround(x));
        if (values.empty() || values.back() != rounded) values.push_back(rounded);
      } else {
        values.push_back(x);
      }
    }
  } else {
    fail(file, key, "expected a list of values or a range table" + at_line(v));
  }
  if (values.empty()) fail(file, key, "has no values");
  for (const auto& value : values) check_range(file, key, spec, value);
  return values;
}

std::shared_ptr<const sweep_table> parse_sweep(const std::string& file, const app_info& app, const toml::table& table) {
  auto sweep = std::make_shared<sweep_table>();
  std::vector<std::string> names;
  for (const auto& [key, value] : table) {
    if (key == "mode") {
      const auto mode = string_at(file, "sweep.mode", value);
      if (mode == "product") {
        sweep->mode = sweep_table::combine::product;
      } else if (mode == "zip") {
        sweep->mode = sweep_table::combine::zip;
      } else {
        fail(file, "sweep.mode", "'" + mode + "' is not product or zip");
      }
      continue;
    }
    names.push_back(key);
  }
  std::sort(names.begin(), names.end());  // axis order is documented: alphabetical, last fastest
  for (const auto& name : names) {
    const param_spec* spec = find_param(app, name);
    if (!spec) fail(file, "sweep." + name, "unknown parameter of app '" + app.name + "'" + at_line(table.at(name)));
    sweep->axes.emplace_back(name, parse_axis(file, "sweep." + name, *spec, table.at(name)));
  }
  if (sweep->axes.empty()) fail(file, "sweep", "names no parameter to sweep");
  double combinations = sweep->mode == sweep_table::combine::zip ? static_cast<double>(sweep->axes[0].second.size()) : 1;
  for (const auto& [name, axis] : sweep->axes) {
    if (sweep->mode == sweep_table::combine::zip && axis.size() != sweep->axes[0].second.size())
      fail(file, "sweep." + name, "has " + std::to_string(axis.size()) + " values but sweep." + sweep->axes[0].first +
                                      " has " + std::to_string(sweep->axes[0].second.size()) + " (mode = \"zip\")");
    if (sweep->mode == sweep_table::combine::product) combinations *= static_cast<double>(axis.size());
  }
  if (combinations > 1e9) fail(file, "sweep", "more than 1e9 combinations");
  return sweep;
}

}  // namespace

std::string read_job_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw usage_error(path + ": cannot open the job file (missing or unreadable)");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw usage_error(path + ": cannot read the job file");
  return text.str();
}

job_spec parse_job(const std::string& file, const std::string& text, const job_overrides& overrides) {
  job_spec job;
  job.file = file;
  job.text = text;
  check_text_before_parsing(file, text);
  toml::value root;
  try {
    std::istringstream in(text);
    root = toml::parse(in, file);
  } catch (const toml::exception& e) {
    throw usage_error(file + ": malformed TOML (line " + std::to_string(e.location().line()) + "): " +
                      first_line(e.what()).substr(first_line(e.what()).find_first_not_of("[error] ")));
  } catch (const std::exception& e) {
    throw usage_error(file + ": malformed TOML: " + first_line(e.what()));
  }
  if (!root.is_table()) throw usage_error(file + ": not a TOML table");
  const auto& top = root.as_table();
  static const std::set<std::string> known_top{"app", "params", "sweep", "schedule", "output"};
  for (const auto& [key, value] : top)
    if (!known_top.count(key)) fail(file, key, "unknown key (expected app, [params], [sweep], [schedule], [output])" + at_line(value));

  auto app_it = top.find("app");
  if (app_it == top.end()) fail(file, "app", "missing (name one of the apps `rankpool apps` lists)");
  const std::string app_name = string_at(file, "app", app_it->second);
  job.app = find_app(app_name);
  if (!job.app) fail(file, "app", "unknown app '" + app_name + "' (see `rankpool apps`)");

  auto table_of = [&](const std::string& name) -> const toml::table* {
    auto it = top.find(name);
    if (it == top.end()) return nullptr;
    if (!it->second.is_table()) fail(file, name, "expected a table [" + name + "]" + at_line(it->second));
    return &it->second.as_table();
  };

  std::map<std::string, param_value> values;
  for (const auto& spec : job.app->params) values[spec.name] = spec.default_value;
  if (const auto* table = table_of("params")) {
    for (const auto& [key, value] : *table) {
      const param_spec* spec = find_param(*job.app, key);
      if (!spec) fail(file, "params." + key, "unknown parameter of app '" + app_name + "'" + at_line(value));
      values[key] = convert(file, "params." + key, *spec, value);
    }
  }
  for (const auto& assignment : overrides.sets) {
    const auto eq = assignment.find('=');
    if (assignment.rfind("params.", 0) != 0 || eq == std::string::npos)
      throw usage_error("--set " + assignment + ": expected params.KEY=VALUE");
    const std::string key = assignment.substr(7, eq - 7);
    const param_spec* spec = find_param(*job.app, key);
    if (!spec) throw usage_error("--set " + assignment + ": unknown parameter '" + key + "' of app '" + app_name + "'");
    values[key] = convert_text("--set params." + key, *spec, assignment.substr(eq + 1));
  }
  for (const auto& spec : job.app->params) check_range(file, "params." + spec.name, spec, values[spec.name]);
  std::shared_ptr<const sweep_table> sweep;
  if (const auto* table = table_of("sweep")) {
    sweep = parse_sweep(file, *job.app, *table);
    const auto* fixed = table_of("params");
    for (const auto& [name, axis] : sweep->axes)
      if (fixed && fixed->count(name))
        fail(file, "sweep." + name, "is also set in [params]; a parameter is either fixed or swept");
  }
  job.params = rankpool::params(file, values, sweep);

  std::string chunk_text = "auto";
  std::string on_error_text = "abort";
  if (const auto* table = table_of("schedule")) {
    for (const auto& [key, value] : *table) {
      const std::string where = "schedule." + key;
      if (key == "chunk") {
        chunk_text = value.is_integer() ? std::to_string(value.as_integer()) : string_at(file, where, value);
      } else if (key == "on_error") {
        on_error_text = string_at(file, where, value);
      } else if (key == "retries") {
        if (!value.is_integer()) fail(file, where, "expected an integer" + at_line(value));
        if (value.as_integer() < 0 || value.as_integer() > 100) fail(file, where, "must be in 0..100");
        job.retries = static_cast<int>(value.as_integer());
      } else {
        fail(file, where, "unknown key (expected chunk, on_error, retries)" + at_line(value));
      }
    }
  }
  if (overrides.chunk) chunk_text = *overrides.chunk;
  if (overrides.on_error) on_error_text = *overrides.on_error;
  if (overrides.retries) {
    if (*overrides.retries < 0 || *overrides.retries > 100) throw usage_error("--retries: must be in 0..100");
    job.retries = *overrides.retries;
  }
  try {
    job.chunking = chunk_policy::parse(chunk_text);
  } catch (const usage_error& e) {
    throw usage_error((overrides.chunk ? std::string("--chunk") : file + ": schedule.chunk") + ": " + e.what());
  }
  if (on_error_text == "abort") {
    job.on_error = error_policy::abort;
  } else if (on_error_text == "continue") {
    job.on_error = error_policy::keep_going;
  } else {
    throw usage_error((overrides.on_error ? std::string("--on-error") : file + ": schedule.on_error") + ": '" +
                      on_error_text + "' is not 'abort' or 'continue'");
  }

  job.output = app_name + ".h5";
  if (const auto* table = table_of("output")) {
    for (const auto& [key, value] : *table) {
      if (key != "path") fail(file, "output." + key, "unknown key (expected path)" + at_line(value));
      job.output = string_at(file, "output.path", value);
      if (job.output.empty()) fail(file, "output.path", "must not be empty");
    }
  }
  if (overrides.output) {
    if (overrides.output->empty()) throw usage_error("--out: must not be empty");
    job.output = *overrides.output;
  }
  // The app's own cross-parameter checks (stability bounds, memory) run last,
  // for every combination of a sweep.
  const auto instance = job.app->make(job.params);
  if (sweep) {
    for (std::uint64_t i = 0; i < job.params.combinations(); ++i) (void)job.app->make(job.params.combination(i));
    if (instance->task_count() != job.params.combinations())
      fail(file, "sweep", "app '" + app_name + "' does not run one task per combination, so it cannot be swept");
  }
  return job;
}

std::string job_spec::resolved_toml() const {
  std::ostringstream out;
  out << identity_toml();
  out << "\n[schedule]\nchunk = \"" << chunking.to_string() << "\"\non_error = \""
      << (on_error == error_policy::abort ? "abort" : "continue") << "\"\nretries = " << retries << "\n";
  out << "\n[output]\npath = \"" << output << "\"\n";
  return out.str();
}

std::string job_spec::identity_toml() const {
  std::ostringstream out;
  out << "app = \"" << app->name << "\"\n\n[params]\n";
  auto is_swept = [this](const std::string& key) {
    if (!params.sweep()) return false;
    for (const auto& axis : params.sweep()->axes)
      if (axis.first == key) return true;
    return false;
  };
  for (const auto& [key, value] : params.values())
    if (!is_swept(key)) out << key << " = " << format_value(value) << "\n";
  if (const sweep_table* sweep = params.sweep()) {
    out << "\n[sweep]\nmode = \"" << (sweep->mode == sweep_table::combine::zip ? "zip" : "product") << "\"\n";
    for (const auto& [name, axis] : sweep->axes) {
      out << name << " = [";
      for (std::size_t i = 0; i < axis.size(); ++i) out << (i ? ", " : "") << format_value(axis[i]);
      out << "]\n";
    }
  }
  return out.str();
}

}  // namespace rankpool
