// rankpool's pool on its own (no HDF5, no CLI program): throughput on no-op tasks,
// and load-balancing efficiency on tasks that busy-spin for lognormal durations (the
// synthetic app's, apps/synthetic/workload.hpp).
//
//   mpirun -n 2 rankpool_noop_bench --tasks 1000000 --chunk 1 --threads 1
//   mpirun -n 2 rankpool_noop_bench --tasks 3000 --spin-us 1000 --sigma 1 --seed 1 --chunk auto
//
// Every result is streamed to rank 0 with for_each_completed and counted there.
// Rank 0 prints one JSON line. efficiency = pool.busy_seconds() / (threads of all
// ranks x wall time of the for_each_completed call).
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <type_traits>

#include "rankpool/pool.hpp"
#include "synthetic/workload.hpp"

namespace {

struct options {
  std::uint64_t tasks = 1'000'000;
  std::string chunk = "auto";
  int threads = 1;
  int prefetch = rankpool::pool_options{}.prefetch;  // the library default
  double spin_us = 0;  ///< 0: no-op tasks
  double sigma = 1.0;
  std::uint64_t seed = 1;
};

/// The lognormal spin tasks (mean `spin_us`, shape `sigma`): the synthetic app's
/// generator, so the peers (benchmarks/peers/workload.py) run the same durations.
synthetic::workload spin_workload(const options& o) {
  synthetic::workload w;
  w.mean_us = o.spin_us;
  w.distribution = "lognormal";
  w.sigma = o.sigma;
  w.seed = o.seed;
  return w;
}

[[noreturn]] void usage(const std::string& message) {
  std::fprintf(stderr,
               "rankpool_noop_bench: %s\n"
               "usage: rankpool_noop_bench [--tasks N] [--chunk 1|auto|guided|N] [--threads T] [--prefetch P]\n"
               "                           [--spin-us MEAN --sigma S --seed K]\n",
               message.c_str());
  std::exit(2);
}

template <class T>
T parse_number(const std::string& flag, const char* text) {
  char* end = nullptr;
  T value{};
  if constexpr (std::is_floating_point_v<T>) {
    value = static_cast<T>(std::strtod(text, &end));
  } else {
    if (text[0] == '-') usage(flag + " needs a non-negative integer");
    value = static_cast<T>(std::strtoull(text, &end, 10));
  }
  if (end == text || *end != '\0') usage(flag + ": '" + text + "' is not a number");
  return value;
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) usage("'" + flag + "' needs a value (or is unknown)");
    const char* value = argv[++i];
    if (flag == "--tasks") {
      o.tasks = parse_number<std::uint64_t>(flag, value);
    } else if (flag == "--chunk") {
      o.chunk = value;
    } else if (flag == "--threads") {
      o.threads = static_cast<int>(parse_number<std::uint32_t>(flag, value));
    } else if (flag == "--prefetch") {
      o.prefetch = static_cast<int>(parse_number<std::uint32_t>(flag, value));
    } else if (flag == "--spin-us") {
      o.spin_us = parse_number<double>(flag, value);
    } else if (flag == "--sigma") {
      o.sigma = parse_number<double>(flag, value);
    } else if (flag == "--seed") {
      o.seed = parse_number<std::uint64_t>(flag, value);
    } else {
      usage("unknown flag '" + flag + "'");
    }
  }
  if (o.spin_us < 0 || o.sigma < 0) usage("--spin-us and --sigma must not be negative");
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  rankpool::environment env(argc, argv);
  const options o = parse(argc, argv);
  const bool spin = o.spin_us > 0;

  int status = 0;
  try {
    rankpool::pool_options popts;
    popts.chunking = rankpool::chunk_policy::parse(o.chunk);
    popts.threads = o.threads;
    popts.prefetch = o.prefetch;
    rankpool::pool pool(env, popts);

    // Same tasks, same order, on every rank.
    auto noop = pool.define_task("noop", [](std::uint64_t i) { return static_cast<std::uint32_t>(i); });
    const synthetic::workload work = spin_workload(o);
    auto spinner = pool.define_task("spin", [work](std::uint64_t i) {
      work.perform(i);
      return static_cast<std::uint32_t>(i);
    });

    std::uint64_t received = 0;
    std::uint64_t checksum = 0;
    std::uint64_t failures = 0;
    rankpool::batch_summary summary;
    double seconds = 0;
    pool.run([&] {
      auto on_result = [&](std::uint64_t, std::uint32_t value) {
        ++received;
        checksum += value;
      };
      auto on_failure = [&](const rankpool::task_failure& f) {
        if (++failures <= 3) std::fprintf(stderr, "rankpool_noop_bench: task %llu failed: %s\n",
                                          static_cast<unsigned long long>(f.index), f.describe().c_str());
      };
      const rankpool::index_range range{0, o.tasks};
      const auto start = std::chrono::steady_clock::now();
      summary = spin ? pool.for_each_completed(spinner, range, on_result, on_failure)
                     : pool.for_each_completed(noop, range, on_result, on_failure);
      seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    });

    if (pool.is_root()) {
      std::uint64_t expected = 0;
      double planned_busy = 0;
      for (std::uint64_t i = 0; i < o.tasks; ++i) {
        expected += static_cast<std::uint32_t>(i);
        if (spin) planned_busy += work.duration_us(i) * 1e-6;
      }
      if (received != o.tasks || checksum != expected || summary.succeeded != o.tasks) {
        std::fprintf(stderr,
                     "rankpool_noop_bench: consumed %llu results (checksum %llu, succeeded %llu, failed %llu, "
                     "cancelled %llu), expected %llu (checksum %llu)\n",
                     static_cast<unsigned long long>(received), static_cast<unsigned long long>(checksum),
                     static_cast<unsigned long long>(summary.succeeded), static_cast<unsigned long long>(summary.failed),
                     static_cast<unsigned long long>(summary.cancelled), static_cast<unsigned long long>(o.tasks),
                     static_cast<unsigned long long>(expected));
        status = 1;
      }
      int total_threads = 0;
      for (int t : pool.threads_by_rank()) total_threads += t;
      const double busy = pool.busy_seconds();
      const double efficiency = seconds > 0 ? busy / (total_threads * seconds) : 0.0;
      std::printf(
          "{\"benchmark\":\"%s\",\"ranks\":%d,\"threads\":%d,\"chunk\":\"%s\",\"prefetch\":%d,\"tasks\":%llu,"
          "\"seconds\":%.6f,\"tasks_per_s\":%.1f,\"efficiency\":%.4f,\"busy_seconds\":%.6f",
          spin ? "rankpool_spin" : "rankpool_noop", pool.ranks(), pool.threads(), popts.chunking.to_string().c_str(),
          popts.prefetch, static_cast<unsigned long long>(o.tasks), seconds,
          seconds > 0 ? static_cast<double>(o.tasks) / seconds : 0.0, efficiency, busy);
      if (spin)
        std::printf(",\"spin_mean_us\":%g,\"sigma\":%g,\"seed\":%llu,\"planned_busy_seconds\":%.6f,"
                    "\"ideal_seconds\":%.6f",
                    o.spin_us, o.sigma, static_cast<unsigned long long>(o.seed), planned_busy,
                    planned_busy / total_threads);
      std::printf("}\n");
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rankpool_noop_bench: rank %d: %s\n", env.rank(), e.what());
    env.abort(1);
  }
  return status;
}
