// libFuzzer target for the job-file parser: arbitrary bytes as the text of a job
// file, optionally followed by command-line overrides, go to rankpool::parse_job.
//
// Input layout: JOB TEXT [ '\0' OVERRIDE ]...  Each OVERRIDE is one flag as the
// CLI would pass it: "--set params.K=V", "--chunk X", "--out X", "--on-error X",
// "--retries N"; anything else is ignored. A usage_error is the expected answer
// to bad input; any other exception, a crash, a sanitizer report, a leak or a hang
// is a bug, and so is a broken promise of the documentation: every usage_error is one
// line that starts by naming the job file ("fuzz.toml" or "fuzz.toml:LINE:COL") or the
// flag at fault, and an accepted job's resolved_toml() (what the run file records and
// reports read back) parses again to the same job.
//
// The apps linked in (synthetic, mandelbrot) register themselves at start-up; the
// "fuzzapp" below adds every parameter type, bounds, choices and a cross-parameter
// check so that every branch of the validation is reachable. parse_job needs no MPI.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <typeinfo>

#include "rankpool/app.hpp"
#include "rankpool/error.hpp"
#include "rankpool/job.hpp"
#include "support/stub_app.hpp"

namespace {

class fuzz_app final : public rankpool_test::stub_app {
 public:
  explicit fuzz_app(const rankpool::params& p) : stub_app(static_cast<std::uint64_t>(p.integer("tasks"))) {
    if (p.real("low") > p.real("high")) p.reject("high", "must be at least low");
    (void)p.string("name");
    (void)p.string("mode");
    (void)p.boolean("flag");
  }
};

rankpool::app_info fuzz_app_info() {
  using namespace rankpool;
  return {"fuzzapp",
          "parameters of every type for the job parser fuzzer",
          {integer_param("tasks", 1, "tasks", 0, 1e6), real_param("low", 0.0, "lower bound", -1e3, 1e3),
           real_param("high", 1.0, "upper bound"), string_param("name", "x", "any string"),
           string_param("mode", "a", "a choice", {"a", "b", "c"}), bool_param("flag", false, "a flag"),
           integer_param("count", 3, "unbounded integer")},
          [](const params& p) { return std::make_unique<fuzz_app>(p); }};
}

RANKPOOL_REGISTER_APP(fuzz_app_info());

[[noreturn]] void bug(const char* what, const std::string& detail) {
  std::fprintf(stderr, "job_parser_fuzz: BUG: %s: %s\n", what, detail.c_str());
  std::fflush(stderr);
  std::abort();
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

rankpool::job_overrides parse_overrides(std::string_view rest) {
  rankpool::job_overrides o;
  while (!rest.empty()) {
    const auto end = rest.find('\0');
    const std::string_view field = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
    auto value = [&](std::string_view flag) { return std::string(field.substr(flag.size())); };
    if (starts_with(field, "--set ")) {
      o.sets.push_back(value("--set "));
    } else if (starts_with(field, "--chunk ")) {
      o.chunk = value("--chunk ");
    } else if (starts_with(field, "--out ")) {
      o.output = value("--out ");
    } else if (starts_with(field, "--on-error ")) {
      o.on_error = value("--on-error ");
    } else if (starts_with(field, "--retries ")) {
      o.retries = static_cast<int>(std::strtol(value("--retries ").c_str(), nullptr, 10));
    }
  }
  return o;
}

void check_round_trip(const rankpool::job_spec& job) {
  const std::string resolved = job.resolved_toml();
  rankpool::job_spec again;
  try {
    again = rankpool::parse_job("resolved.toml", resolved);
  } catch (const rankpool::usage_error& e) {
    bug("resolved_toml() of an accepted job does not parse again", std::string(e.what()) + "\n--- resolved:\n" + resolved);
  }
  if (again.resolved_toml() != resolved)
    bug("resolved_toml() is not a fixed point",
        "\n--- first:\n" + resolved + "\n--- parsed again:\n" + again.resolved_toml());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto nul = input.find('\0');
  const std::string text(input.substr(0, nul));
  const auto overrides =
      nul == std::string_view::npos ? rankpool::job_overrides{} : parse_overrides(input.substr(nul + 1));
  rankpool::job_spec job;
  try {
    job = rankpool::parse_job("fuzz.toml", text, overrides);
  } catch (const rankpool::usage_error& e) {
    const std::string message = e.what();
    if (message.empty()) bug("usage_error without a message", text);
    if (message.find('\n') != std::string::npos) bug("usage_error is not one line", message);
    if (!starts_with(message, "fuzz.toml") && !starts_with(message, "--"))
      bug("usage_error names neither the job file nor a flag", message);
    return 0;  // bad input, reported as such: the expected outcome
  } catch (const std::exception& e) {
    bug("parse_job threw something other than usage_error", std::string(typeid(e).name()) + ": " + e.what());
  } catch (...) {
    bug("parse_job threw a non-std exception", "");
  }
  if (!job.app) bug("accepted job without an app", text);
  if (job.output.empty()) bug("accepted job without an output path", text);
  check_round_trip(job);
  return 0;
}
