#include "rankpool/job.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "rankpool/detail/toml.hpp"
#include "rankpool/error.hpp"

namespace rankpool {
namespace {

namespace toml = detail::toml;

text_position at_of(toml::position p) { return {p.line, p.column}; }

/// The message prefix of a value or key in the file: "job.toml:5:7: params.L".
std::string where(const std::string& file, toml::position at, const std::string& key) {
  return located(file, at_of(at)) + ": " + key;
}

[[noreturn]] void fail(const std::string& prefix, const std::string& reason) { throw usage_error(prefix + ": " + reason); }

[[noreturn]] void fail(const std::string& file, toml::position at, const std::string& key, const std::string& reason) {
  fail(where(file, at, key), reason);
}

std::string key_path(const std::string& table, const std::string& key) { return table + "." + toml::format_key(key); }

/// User text for a message: as typed when it is plain, else quoted with escapes
/// (a flag's value may hold a newline; the message must stay one line).
std::string shown(const std::string& text) {
  for (char c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '"') return toml::quote(text);
  return text;
}

std::string found(const toml::value& v) { return std::string(", found ") + v.type_name(); }

/// Converts a TOML value to the declared parameter type, or says why it can't.
param_value convert(const std::string& file, const std::string& key, const param_spec& spec, const toml::value& v) {
  switch (spec.default_value.index()) {
    case 0:
      if (!v.is_integer()) fail(file, v.where(), key, "expected an integer" + found(v));
      return v.as_integer();
    case 1:
      if (v.is_integer()) return static_cast<double>(v.as_integer());
      if (!v.is_floating()) fail(file, v.where(), key, "expected a number" + found(v));
      return v.as_floating();
    case 2:
      if (!v.is_string()) fail(file, v.where(), key, "expected a string" + found(v));
      return v.as_string();
    default:
      if (!v.is_boolean()) fail(file, v.where(), key, "expected true or false" + found(v));
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
  fail(where, toml::quote(text) + " is not " + (spec.type_name() == "integer" ? "an " : "a ") + spec.type_name());
}

/// Bounds and choices; `where` names the value ("job.toml:5:7: params.L", "--set params.L=3").
void check_range(const std::string& where, const param_spec& spec, const param_value& v) {
  if (v.index() <= 1) {
    const double x = v.index() == 0 ? static_cast<double>(std::get<std::int64_t>(v)) : std::get<double>(v);
    if (!std::isfinite(x)) fail(where, "must be a finite number");
    if (spec.min && x < *spec.min) fail(where, format_value(v) + " is below the minimum " + format_value(*spec.min));
    if (spec.max && x > *spec.max) fail(where, format_value(v) + " is above the maximum " + format_value(*spec.max));
  }
  if (v.index() == 2 && !spec.choices.empty()) {
    const auto& s = std::get<std::string>(v);
    bool ok = false;
    std::string allowed;
    for (const auto& c : spec.choices) {
      ok |= c == s;
      allowed += (allowed.empty() ? "" : ", ") + c;
    }
    if (!ok) fail(where, toml::quote(s) + " is not one of: " + allowed);
  }
}

const param_spec* find_param(const app_info& app, const std::string& name) {
  for (const auto& p : app.params)
    if (p.name == name) return &p;
  return nullptr;
}

std::string string_at(const std::string& file, const std::string& key, const toml::value& v) {
  if (!v.is_string()) fail(file, v.where(), key, "expected a string" + found(v));
  return v.as_string();
}

/// One axis of a sweep: a list of values or a {start, stop, num|step, scale} range.
sweep_axis parse_axis(const std::string& file, const std::string& name, const std::string& key,
                      const param_spec& spec, const toml::value& v) {
  sweep_axis axis;
  axis.name = name;
  axis.at = at_of(v.where());
  if (v.is_array()) {
    for (const auto& element : v.elements()) {
      axis.values.push_back(convert(file, key, spec, element));
      axis.value_at.push_back(at_of(element.where()));
    }
  } else if (v.is_table()) {
    if (spec.default_value.index() > 1) fail(file, v.where(), key, "a range needs a numeric parameter");
    auto number = [&](const char* field) -> std::optional<double> {
      const toml::member* m = v.find(field);
      if (!m) return std::nullopt;
      if (m->value.is_integer()) return static_cast<double>(m->value.as_integer());
      if (m->value.is_floating()) return m->value.as_floating();
      fail(file, m->value.where(), key + "." + field, "expected a number" + found(m->value));
    };
    for (const auto& m : v.members())
      if (m.key != "start" && m.key != "stop" && m.key != "num" && m.key != "step" && m.key != "scale")
        fail(file, m.key_where, key_path(key, m.key), "unknown key (expected start, stop, num or step, scale)");
    const auto start = number("start"), stop = number("stop"), num = number("num"), step = number("step");
    const std::string here = where(file, v.where(), key);
    if (!start || !stop) fail(here, "a range needs start and stop");
    if (num.has_value() == step.has_value()) fail(here, "a range needs exactly one of num and step");
    std::string scale = "linear";
    if (const toml::member* m = v.find("scale")) scale = string_at(file, key + ".scale", m->value);
    auto field_where = [&](const char* field) { return where(file, v.find(field)->value.where(), key + "." + field); };
    if (scale != "linear" && scale != "log") fail(field_where("scale"), toml::quote(scale) + " is not linear or log");
    for (const auto& [field, value] : {std::pair{"start", start}, {"stop", stop}, {"num", num}, {"step", step}})
      if (value && !std::isfinite(*value)) fail(field_where(field), "must be a finite number");
    std::vector<double> points;
    if (num) {
      if (*num < 1 || *num > 1e7 || std::floor(*num) != *num) fail(field_where("num"), "must be an integer in 1..10000000");
      if (scale == "log" && (*start <= 0 || *stop <= 0)) fail(here, "a log range needs start and stop > 0");
      const auto n = static_cast<std::size_t>(*num);
      for (std::size_t k = 0; k < n; ++k) {
        const double t = n == 1 ? 0.0 : static_cast<double>(k) / static_cast<double>(n - 1);
        points.push_back(scale == "log" ? *start * std::pow(*stop / *start, t) : *start + (*stop - *start) * t);
      }
    } else {
      if (scale != "linear") fail(field_where("scale"), "step ranges are linear; use num with scale = \"log\"");
      if (!(*step > 0)) fail(field_where("step"), "must be positive");
      const double span = (*stop - *start) / *step;
      if (!(span <= 1e7)) fail(here, "more than 10000000 values");
      // Counted, not accumulated: x += step stops moving when step is below x's precision.
      for (double k = 0; k <= span + 1e-9; ++k) points.push_back(*start + k * *step);
    }
    for (double x : points) {
      if (spec.default_value.index() == 0) {
        const param_value rounded = static_cast<std::int64_t>(std::llround(x));
        if (axis.values.empty() || axis.values.back() != rounded) axis.values.push_back(rounded);
      } else {
        axis.values.push_back(x);
      }
    }
  } else {
    fail(file, v.where(), key, "expected a list of values or a range table" + found(v));
  }
  if (axis.values.empty()) fail(file, v.where(), key, "has no values");
  for (std::size_t k = 0; k < axis.values.size(); ++k)
    check_range(where(file, axis.value_at.empty() ? v.where() : v.elements()[k].where(), key), spec, axis.values[k]);
  return axis;
}

std::shared_ptr<const sweep_table> parse_sweep(const std::string& file, const app_info& app, const toml::value& table) {
  auto sweep = std::make_shared<sweep_table>();
  sweep->file = file;
  std::vector<const toml::member*> swept;
  for (const auto& m : table.members()) {
    if (m.key == "mode") {
      const auto mode = string_at(file, "sweep.mode", m.value);
      if (mode == "product") {
        sweep->mode = sweep_table::combine::product;
      } else if (mode == "zip") {
        sweep->mode = sweep_table::combine::zip;
      } else {
        fail(file, m.value.where(), "sweep.mode", toml::quote(mode) + " is not product or zip");
      }
      continue;
    }
    swept.push_back(&m);
  }
  // Axis order is documented: alphabetical, the last one fastest.
  std::sort(swept.begin(), swept.end(), [](const toml::member* a, const toml::member* b) { return a->key < b->key; });
  for (const toml::member* m : swept) {
    const std::string key = key_path("sweep", m->key);
    const param_spec* spec = find_param(app, m->key);
    if (!spec) fail(file, m->key_where, key, "unknown parameter of app '" + app.name + "'");
    sweep->axes.push_back(parse_axis(file, m->key, key, *spec, m->value));
  }
  if (sweep->axes.empty()) fail(file, table.where(), "sweep", "names no parameter to sweep");
  const auto& first = sweep->axes[0];
  double combinations = sweep->mode == sweep_table::combine::zip ? static_cast<double>(first.values.size()) : 1;
  for (const auto& axis : sweep->axes) {
    if (sweep->mode == sweep_table::combine::zip && axis.values.size() != first.values.size())
      fail(located(file, axis.at) + ": sweep." + axis.name,
           "has " + std::to_string(axis.values.size()) + " values but sweep." + first.name + " has " +
               std::to_string(first.values.size()) + " (mode = \"zip\")");
    if (sweep->mode == sweep_table::combine::product) combinations *= static_cast<double>(axis.values.size());
  }
  if (combinations > 1e9) fail(file, table.where(), "sweep", "more than 1e9 combinations");
  return sweep;
}

}  // namespace

std::string read_job_file(const std::string& path) {
  // A job file is a page of settings; anything this large is a mistake (a results
  // file passed by accident), and every rank would hold a copy.
  constexpr std::streamoff max_bytes = 16 << 20;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw usage_error(path + ": cannot open the job file (missing or unreadable)");
  std::ostringstream text;
  char block[65536];
  std::streamoff total = 0;
  while (in.read(block, sizeof block) || in.gcount() > 0) {
    total += in.gcount();
    if (total > max_bytes) throw usage_error(path + ": larger than 16 MiB; a job file is a page of settings");
    text.write(block, in.gcount());
  }
  if (in.bad()) throw usage_error(path + ": cannot read the job file");
  return text.str();
}

job_spec parse_job(const std::string& file, const std::string& text, const job_overrides& overrides) {
  job_spec job;
  job.file = file;
  job.text = text;
  toml::value root;
  try {
    root = toml::parse(text);
  } catch (const toml::syntax_error& e) {
    throw usage_error(located(file, at_of(e.where())) + ": invalid TOML: " + e.what());
  }
  static const std::set<std::string> known_top{"app", "params", "sweep", "schedule", "output"};
  for (const auto& m : root.members())
    if (!known_top.count(m.key))
      fail(file, m.key_where, toml::format_key(m.key), "unknown key (expected app, [params], [sweep], [schedule], [output])");

  const toml::member* app_member = root.find("app");
  if (!app_member) fail(file + ": app", "missing (name one of the apps `rankpool apps` lists)");
  const std::string app_name = string_at(file, "app", app_member->value);
  job.app = find_app(app_name);
  if (!job.app)
    fail(file, app_member->value.where(), "app", "unknown app " + toml::quote(app_name) + ": " + unknown_app_reason(app_name));

  auto table_of = [&](const std::string& name) -> const toml::value* {
    const toml::member* m = root.find(name);
    if (!m) return nullptr;
    if (!m->value.is_table()) fail(file, m->value.where(), name, "expected a table [" + name + "]" + found(m->value));
    return &m->value;
  };

  std::map<std::string, param_value> values;
  std::map<std::string, std::string> origins;
  for (const auto& spec : job.app->params) {
    values[spec.name] = spec.default_value;
    origins[spec.name] = file + ": params." + spec.name + " (default " + format_value(spec.default_value) + ")";
  }
  const toml::value* fixed = table_of("params");
  if (fixed) {
    for (const auto& m : fixed->members()) {
      const std::string key = key_path("params", m.key);
      const param_spec* spec = find_param(*job.app, m.key);
      if (!spec) fail(file, m.key_where, key, "unknown parameter of app '" + app_name + "'");
      values[m.key] = convert(file, key, *spec, m.value);
      origins[m.key] = where(file, m.value.where(), key);
    }
  }
  for (const auto& assignment : overrides.sets) {
    const std::string flag = "--set " + shown(assignment);
    if (!toml::is_utf8(assignment)) fail(flag, "not valid UTF-8");
    const auto eq = assignment.find('=');
    if (assignment.rfind("params.", 0) != 0 || eq == std::string::npos) fail(flag, "expected params.KEY=VALUE");
    const std::string key = assignment.substr(7, eq - 7);
    const param_spec* spec = find_param(*job.app, key);
    if (!spec) fail(flag, "unknown parameter " + toml::format_key(key) + " of app '" + app_name + "'");
    values[key] = convert_text(flag, *spec, assignment.substr(eq + 1));
    origins[key] = flag;
  }
  for (const auto& spec : job.app->params) check_range(origins[spec.name], spec, values[spec.name]);
  std::shared_ptr<const sweep_table> sweep;
  if (const toml::value* table = table_of("sweep")) {
    sweep = parse_sweep(file, *job.app, *table);
    for (const auto& axis : sweep->axes) {
      if (fixed && fixed->find(axis.name))
        fail(located(file, axis.at) + ": sweep." + axis.name,
             "is also set in [params]; a parameter is either fixed or swept");
      origins[axis.name] = located(file, axis.at) + ": sweep." + axis.name;
    }
  }
  job.params = rankpool::params(values, origins, sweep);

  std::string chunk_text = "auto";
  std::string chunk_where = file + ": schedule.chunk";
  std::string on_error_text = "abort";
  std::string on_error_where = file + ": schedule.on_error";
  if (const toml::value* table = table_of("schedule")) {
    for (const auto& m : table->members()) {
      const std::string key = key_path("schedule", m.key);
      if (m.key == "chunk") {
        chunk_text = m.value.is_integer() ? std::to_string(m.value.as_integer()) : string_at(file, key, m.value);
        chunk_where = where(file, m.value.where(), key);
      } else if (m.key == "on_error") {
        on_error_text = string_at(file, key, m.value);
        on_error_where = where(file, m.value.where(), key);
      } else if (m.key == "retries") {
        if (!m.value.is_integer()) fail(file, m.value.where(), key, "expected an integer" + found(m.value));
        if (m.value.as_integer() < 0 || m.value.as_integer() > 100) fail(file, m.value.where(), key, "must be in 0..100");
        job.retries = static_cast<int>(m.value.as_integer());
      } else {
        fail(file, m.key_where, key, "unknown key (expected chunk, on_error, retries)");
      }
    }
  }
  if (overrides.chunk) {
    chunk_text = *overrides.chunk;
    chunk_where = "--chunk";
  }
  if (overrides.on_error) {
    on_error_text = *overrides.on_error;
    on_error_where = "--on-error";
  }
  if (overrides.retries) {
    if (*overrides.retries < 0 || *overrides.retries > 100) fail("--retries", "must be in 0..100");
    job.retries = *overrides.retries;
  }
  try {
    job.chunking = chunk_policy::parse(chunk_text);
  } catch (const usage_error& e) {
    fail(chunk_where, toml::quote(chunk_text) + " " + e.what());
  }
  if (on_error_text == "abort") {
    job.on_error = error_policy::abort;
  } else if (on_error_text == "continue") {
    job.on_error = error_policy::keep_going;
  } else {
    fail(on_error_where, toml::quote(on_error_text) + " is not \"abort\" or \"continue\"");
  }

  job.output = app_name + ".h5";
  if (const toml::value* table = table_of("output")) {
    for (const auto& m : table->members()) {
      const std::string key = key_path("output", m.key);
      if (m.key != "path") fail(file, m.key_where, key, "unknown key (expected path)");
      job.output = string_at(file, key, m.value);
      if (job.output.empty()) fail(file, m.value.where(), key, "must not be empty");
    }
  }
  if (overrides.output) {
    if (overrides.output->empty()) fail("--out", "must not be empty");
    if (!toml::is_utf8(*overrides.output)) fail("--out", "not valid UTF-8 (the run file records it as TOML text)");
    job.output = *overrides.output;
  }
  // The app's own cross-parameter checks (stability bounds, memory) run last,
  // for every combination of a sweep.
  const auto instance = job.app->make(job.params);
  if (sweep) {
    for (std::uint64_t i = 0; i < job.params.combinations(); ++i) (void)job.app->make(job.params.combination(i));
    if (instance->task_count() != job.params.combinations())
      fail(file + ": sweep", "app '" + app_name + "' does not run one task per combination, so it cannot be swept");
  }
  return job;
}

std::string job_spec::resolved_toml() const {
  std::ostringstream out;
  out << identity_toml();
  out << "\n[schedule]\nchunk = \"" << chunking.to_string() << "\"\non_error = \""
      << (on_error == error_policy::abort ? "abort" : "continue") << "\"\nretries = " << retries << "\n";
  out << "\n[output]\npath = " << detail::toml::quote(output) << "\n";
  return out.str();
}

std::string job_spec::identity_toml() const {
  std::ostringstream out;
  out << "app = \"" << app->name << "\"\n\n[params]\n";
  auto is_swept = [this](const std::string& key) {
    if (!params.sweep()) return false;
    for (const auto& axis : params.sweep()->axes)
      if (axis.name == key) return true;
    return false;
  };
  for (const auto& [key, value] : params.values())
    if (!is_swept(key)) out << key << " = " << toml_value(value) << "\n";
  if (const sweep_table* sweep = params.sweep()) {
    out << "\n[sweep]\nmode = \"" << (sweep->mode == sweep_table::combine::zip ? "zip" : "product") << "\"\n";
    for (const auto& axis : sweep->axes) {
      out << axis.name << " = [";
      for (std::size_t i = 0; i < axis.values.size(); ++i) out << (i ? ", " : "") << toml_value(axis.values[i]);
      out << "]\n";
    }
  }
  return out.str();
}

}  // namespace rankpool
