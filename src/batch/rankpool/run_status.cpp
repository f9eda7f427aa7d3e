#include "rankpool/run_status.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "rankpool/error.hpp"

namespace rankpool {

std::string status_record_path(const std::string& run_file_path) { return run_file_path + ".status.json"; }

std::string run_status::to_json() const {
  nlohmann::json per_rank = nlohmann::json::array();
  for (const rank_activity& r : ranks)
    per_rank.push_back({{"rank", r.rank},
                        {"host", r.host},
                        {"chunks", r.chunks},
                        {"tasks", r.tasks},
                        {"busy_seconds", r.busy_seconds},
                        {"last_result_seconds", r.last_result_seconds}});
  nlohmann::json points = nlohmann::json::array();
  for (const auto& [seconds, count] : history) points.push_back({seconds, count});
  return nlohmann::json{{"app", app},
                        {"output", output},
                        {"state", state},
                        {"tasks", tasks},
                        {"done", done},
                        {"failed", failed},
                        {"start_time_utc", start_time_utc},
                        {"started_unix", started_unix},
                        {"updated_unix", updated_unix},
                        {"flush_interval_seconds", flush_interval_seconds},
                        {"pid", pid},
                        {"host", host},
                        {"history", points},
                        {"ranks", per_rank},
                        {"exit_code", exit_code},
                        {"lost_ranks", lost_ranks}}
      .dump();
}

run_status run_status::from_json(const std::string& text, const std::string& where) {
  try {
    const auto j = nlohmann::json::parse(text);
    run_status s;
    s.app = j.at("app").get<std::string>();
    s.output = j.at("output").get<std::string>();
    s.state = j.at("state").get<std::string>();
    s.tasks = j.at("tasks").get<std::uint64_t>();
    s.done = j.at("done").get<std::uint64_t>();
    s.failed = j.at("failed").get<std::uint64_t>();
    s.start_time_utc = j.at("start_time_utc").get<std::string>();
    s.started_unix = j.at("started_unix").get<double>();
    s.updated_unix = j.at("updated_unix").get<double>();
    s.flush_interval_seconds = j.at("flush_interval_seconds").get<double>();
    s.pid = j.at("pid").get<std::int64_t>();
    s.host = j.at("host").get<std::string>();
    s.exit_code = j.value("exit_code", -1);
    s.lost_ranks = j.value("lost_ranks", std::uint64_t{0});
    for (const auto& point : j.at("history")) s.history.emplace_back(point.at(0).get<double>(), point.at(1).get<std::uint64_t>());
    for (const auto& r : j.at("ranks"))
      s.ranks.push_back({r.at("rank").get<int>(), r.at("host").get<std::string>(), r.at("chunks").get<std::uint64_t>(),
                         r.at("tasks").get<std::uint64_t>(), r.at("busy_seconds").get<double>(),
                         r.at("last_result_seconds").get<double>()});
    return s;
  } catch (const nlohmann::json::exception& e) {
    throw usage_error(where + ": not a rankpool status record (" + e.what() + ")");
  }
}

void run_status::write_atomically(const std::string& path) const {
  const std::string temporary = path + ".tmp";
  const std::string text = to_json();
  std::FILE* out = std::fopen(temporary.c_str(), "w");
  if (!out) throw error(temporary + ": cannot write the status record");
  const bool written = std::fwrite(text.data(), 1, text.size(), out) == text.size();
  if (std::fclose(out) != 0 || !written || std::rename(temporary.c_str(), path.c_str()) != 0)
    throw error(path + ": cannot write the status record");
}

}  // namespace rankpool
