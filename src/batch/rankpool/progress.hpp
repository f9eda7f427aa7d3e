#pragma once
/// Rank 0's progress display: a live bar on a terminal, a plain line every few
/// seconds in a log (SLURM output), or nothing.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace rankpool {

class progress_reporter {
 public:
  enum class mode { none, bar, log };
  /// "auto" picks bar when stderr is a terminal, else log; usage_error for other words.
  static mode parse_mode(const std::string& text);

  progress_reporter(mode m, std::uint64_t total, std::FILE* out = stderr);
  /// Cheap to call per chunk: prints only when the display is due.
  void update(std::uint64_t done, std::uint64_t failed);
  /// Prints the final state (and ends the bar's line).
  void finish(std::uint64_t done, std::uint64_t failed);

 private:
  void print(std::uint64_t done, std::uint64_t failed, bool final);

  mode mode_;
  std::uint64_t total_;
  std::FILE* out_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_print_;
};

}  // namespace rankpool
