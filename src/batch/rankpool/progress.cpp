#include "rankpool/progress.hpp"

#include <unistd.h>

#include <cmath>

#include "rankpool/error.hpp"

namespace rankpool {

progress_reporter::mode progress_reporter::parse_mode(const std::string& text) {
  if (text == "none") return mode::none;
  if (text == "bar") return mode::bar;
  if (text == "log") return mode::log;
  if (text == "auto") return isatty(STDERR_FILENO) ? mode::bar : mode::log;
  throw usage_error("--progress: '" + text + "' is not auto, bar, log or none");
}

progress_reporter::progress_reporter(mode m, std::uint64_t total, std::FILE* out)
    : mode_(m), total_(total), out_(out), start_(std::chrono::steady_clock::now()), last_print_(start_) {}

void progress_reporter::update(std::uint64_t done, std::uint64_t failed) {
  if (mode_ == mode::none) return;
  const auto now = std::chrono::steady_clock::now();
  const auto every = mode_ == mode::bar ? std::chrono::milliseconds(200) : std::chrono::milliseconds(5000);
  if (now - last_print_ < every) return;
  last_print_ = now;
  print(done, failed, false);
}

void progress_reporter::finish(std::uint64_t done, std::uint64_t failed) {
  if (mode_ == mode::none) return;
  print(done, failed, true);
}

void progress_reporter::print(std::uint64_t done, std::uint64_t failed, bool final) {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
  const double fraction = total_ ? static_cast<double>(done) / static_cast<double>(total_) : 1.0;
  const double eta = rate > 0 ? static_cast<double>(total_ - std::min(done, total_)) / rate : 0;
  if (mode_ == mode::bar) {
    constexpr int width = 30;
    const int filled = static_cast<int>(std::lround(fraction * width));
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(width, '.');
    std::fprintf(out_, "\r[%s] %llu/%llu %5.1f%% %.3g tasks/s ETA %.0fs failed %llu%s", bar.c_str(),
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total_), 100 * fraction, rate,
                 eta, static_cast<unsigned long long>(failed), final ? "\n" : "");
  } else {
    std::fprintf(out_, "rankpool: %llu/%llu tasks (%.1f%%), %.3g tasks/s, ETA %.0fs, failed %llu%s\n",
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total_), 100 * fraction, rate,
                 eta, static_cast<unsigned long long>(failed), final ? ", done" : "");
  }
  std::fflush(out_);
}

}  // namespace rankpool
