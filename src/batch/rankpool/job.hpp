#pragma once
/// Job files: which app, its parameters, how to schedule, where the output goes.
///
///   app = "mandelbrot"
///   [params]     width = 2048            # validated against the app's declaration
///   [schedule]   chunk = "auto"          # "auto" | "guided" | integer
///                on_error = "abort"      # "abort" | "continue"
///                retries = 0
///   [output]     path = "mandelbrot.h5"
#include <optional>
#include <string>
#include <vector>

#include "rankpool/app.hpp"
#include "rankpool/chunking.hpp"
#include "rankpool/params.hpp"
#include "rankpool/error_policy.hpp"

namespace rankpool {

/// Command-line values that override the job file.
struct job_overrides {
  std::optional<std::string> chunk;
  std::optional<std::string> output;
  std::optional<int> retries;
  std::optional<std::string> on_error;
  std::vector<std::string> sets;  ///< "params.KEY=VALUE"
};

struct job_spec {
  std::string file;       ///< where it came from, for messages
  std::string text;       ///< the job file exactly as given
  const app_info* app = nullptr;
  rankpool::params params;
  chunk_policy chunking = chunk_policy::automatic();
  error_policy on_error = error_policy::abort;
  int retries = 0;
  std::string output;

  /// The job with every default and override resolved, as TOML: what the run file records.
  std::string resolved_toml() const;
  /// The part of resolved_toml() that defines the results (app, params, sweep):
  /// what --resume compares with the file.
  std::string identity_toml() const;
};

/// Parses and validates a job; every problem is a usage_error "FILE: KEY: REASON" on one line.
job_spec parse_job(const std::string& file, const std::string& text, const job_overrides& overrides = {});

/// Reads a job file's text; usage_error when it is missing or unreadable.
std::string read_job_file(const std::string& path);

}  // namespace rankpool
