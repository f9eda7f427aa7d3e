#include "rankpool/run_table.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "rankpool/error.hpp"
#include "rankpool/task_status.hpp"

namespace rankpool {
namespace {

std::string shortest(double x) {
  char text[32];
  return std::string(text, std::to_chars(text, text + sizeof text, x).ptr);
}

/// One per-task dataset as a column, in its own element kind.
table_column read_column(run_file& file, const std::string& path, std::string name) {
  table_column c;
  c.name = std::move(name);
  switch (file.kind_of(path)) {
    case run_file::element_kind::signed_integer:
      c.type = table_column::kind::integer;
      c.integers = file.read_all<std::int64_t>(path);
      break;
    case run_file::element_kind::unsigned_integer:
      c.type = table_column::kind::unsigned_integer;
      c.unsigned_integers = file.read_all<std::uint64_t>(path);
      break;
    case run_file::element_kind::string:
      c.type = table_column::kind::text;
      c.texts = file.read_strings(path);
      break;
    default:
      c.type = table_column::kind::real;
      c.reals = file.read_all<double>(path);
      break;
  }
  return c;
}

std::string six_digits(double x) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", x);
  return text;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace

bool table_column::is_missing(std::uint64_t task) const {
  switch (type) {
    case kind::real: return std::isnan(reals[task]);
    case kind::integer:
      return integers[task] == std::numeric_limits<std::int64_t>::min() || (name == "rank" && integers[task] < 0);
    case kind::unsigned_integer: return unsigned_integers[task] == std::numeric_limits<std::uint64_t>::max();
    case kind::text: return false;
  }
  return false;
}

std::string table_column::cell(std::uint64_t task) const {
  if (is_missing(task)) return "";
  switch (type) {
    case kind::real: return shortest(reals[task]);
    case kind::integer: return std::to_string(integers[task]);
    case kind::unsigned_integer: return std::to_string(unsigned_integers[task]);
    case kind::text: return texts[task];
  }
  return "";
}

run_table run_table::read(run_file& file, rows which) {
  if (!file.exists("/tasks/status")) throw usage_error(file.path() + ": not a rankpool run file (no /tasks/status)");
  run_table t;
  const auto status = file.read_all<std::uint8_t>("/tasks/status");
  const std::uint64_t tasks = status.size();
  table_column index{"task", table_column::kind::unsigned_integer};
  for (std::uint64_t i = 0; i < tasks; ++i) index.unsigned_integers.push_back(i);
  t.columns_.push_back(std::move(index));

  std::vector<std::string> swept;
  if (file.has_attribute("/sweep", "parameters")) swept = file.strings_attribute("/sweep", "parameters");
  for (const auto& name : swept) t.columns_.push_back(read_column(file, "/sweep/" + name, name));
  for (const auto& name : file.datasets_in("/results")) {
    const std::string path = "/results/" + name;
    if (file.dims(path) != std::vector<std::uint64_t>{tasks}) continue;  // not one value per task (an image, a tally)
    const bool clash = std::find(swept.begin(), swept.end(), name) != swept.end();
    t.columns_.push_back(read_column(file, path, clash ? "results/" + name : name));
  }
  table_column state{"status", table_column::kind::text};
  for (std::uint8_t s : status) state.texts.push_back(s == status_done ? "done" : s == status_failed ? "failed" : "pending");
  t.columns_.push_back(std::move(state));
  t.columns_.push_back(read_column(file, "/tasks/attempts", "attempts"));
  if (file.exists("/timing/rank")) {
    t.columns_.push_back(read_column(file, "/timing/rank", "rank"));
    t.columns_.push_back(read_column(file, "/timing/seconds", "seconds"));
  }
  if (which == rows::failed) {
    table_column error{"error", table_column::kind::text};
    error.texts.assign(tasks, "");
    if (file.exists("/tasks/failed_index")) {
      const auto failed = file.read_all<std::uint64_t>("/tasks/failed_index");
      const auto messages = file.read_strings("/tasks/failed_message");
      for (std::size_t k = 0; k < failed.size() && k < messages.size(); ++k)
        if (failed[k] < tasks) error.texts[failed[k]] = messages[k];  // a later record wins: the last attempt's
    }
    t.columns_.push_back(std::move(error));
  }
  for (std::uint64_t i = 0; i < tasks; ++i) {
    if (which == rows::failed && status[i] != status_failed) continue;
    if (which == rows::pending && status[i] != status_pending) continue;
    t.tasks_.push_back(i);
  }
  return t;
}

std::string run_table::to_csv() const {
  std::string out;
  auto row = [&](auto text_of) {
    for (std::size_t c = 0; c < columns_.size(); ++c) {
      if (c > 0) out.push_back(',');
      out.append(csv_field(text_of(c)));
    }
    out.push_back('\n');
  };
  row([&](std::size_t c) { return columns_[c].name; });
  for (std::uint64_t task : tasks_) row([&](std::size_t c) { return columns_[c].cell(task); });
  return out;
}

std::string run_table::to_json() const {
  nlohmann::ordered_json records = nlohmann::ordered_json::array();
  for (std::uint64_t task : tasks_) {
    nlohmann::ordered_json row = nlohmann::ordered_json::object();
    for (const table_column& c : columns_) {
      if (c.is_missing(task)) {
        row[c.name] = nullptr;
        continue;
      }
      switch (c.type) {
        case table_column::kind::real: row[c.name] = c.reals[task]; break;
        case table_column::kind::integer: row[c.name] = c.integers[task]; break;
        case table_column::kind::unsigned_integer: row[c.name] = c.unsigned_integers[task]; break;
        case table_column::kind::text: row[c.name] = c.texts[task]; break;
      }
    }
    records.push_back(std::move(row));
  }
  // Invalid UTF-8 in a message (a task's own text) is replaced rather than refused.
  return records.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

std::string run_table::to_text() const {
  constexpr std::size_t widest = 60;  // long texts (error messages) are cut here
  std::vector<std::vector<std::string>> cells(columns_.size());
  std::vector<std::size_t> width(columns_.size());
  for (std::size_t c = 0; c < columns_.size(); ++c) {
    width[c] = columns_[c].name.size();
    for (std::uint64_t task : tasks_) {
      // Six significant digits read better on a terminal; CSV and JSON keep every digit.
      std::string text = columns_[c].type == table_column::kind::real && !columns_[c].is_missing(task)
                             ? six_digits(columns_[c].reals[task])
                             : columns_[c].cell(task);
      if (text.empty()) text.push_back('-');
      for (char& ch : text)
        if (static_cast<unsigned char>(ch) < 0x20) ch = ' ';
      if (text.size() > widest) {
        text.resize(widest - 3);
        text.append(3, '.');
      }
      width[c] = std::max(width[c], text.size());
      cells[c].push_back(std::move(text));
    }
  }
  auto line = [&](auto text_of) {
    std::string out;
    for (std::size_t c = 0; c < columns_.size(); ++c) {
      const std::string text = text_of(c);
      const bool left = columns_[c].type == table_column::kind::text;
      const std::string pad(width[c] - text.size(), ' ');
      if (c > 0) out.append("  ");
      out.append(left ? text : pad);
      out.append(left ? pad : text);
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line([&](std::size_t c) { return columns_[c].name; });
  for (std::size_t row = 0; row < tasks_.size(); ++row) out += line([&](std::size_t c) { return cells[c][row]; });
  return out;
}

}  // namespace rankpool
