// The heat stencil's sustained memory bandwidth against its baseline, a STREAM triad
// (a = b + s c), on one core and on all. Both count bytes the STREAM way (reads plus
// writes, no write-allocate): 16 per stencil point (u in, u_next out; the neighbours
// come from cache), 24 per triad element. Grids and arrays are far larger than cache.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <cstdint>
#include <vector>

#include "heat/kernel.hpp"

namespace {

int threads_of(const benchmark::State& state) { return state.range(1) == 0 ? omp_get_num_procs() : 1; }

/// A zeroed buffer touched first by the threads that will use it (page placement).
std::vector<double> first_touched(std::size_t size, int threads) {
  std::vector<double> v(size);
#pragma omp parallel for schedule(static) num_threads(threads)
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(size); ++i) v[static_cast<std::size_t>(i)] = 1.0;
  return v;
}

void BM_heat_stencil(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  const int threads = threads_of(state);
  omp_set_num_threads(threads);
  const std::size_t nodes = std::size_t{n} + 1;
  auto a = first_touched(nodes * nodes, threads), b = first_touched(nodes * nodes, threads);
  constexpr std::uint64_t steps = 4;
  for (auto _ : state) {
    benchmark::DoNotOptimize(heat::advance(a.data(), b.data(), n, steps, 0.2));
    benchmark::ClobberMemory();
  }
  const double points = static_cast<double>(steps) * (n - 1.0) * (n - 1.0);
  state.counters["bytes_per_second"] = benchmark::Counter(16 * points, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["points_per_second"] = benchmark::Counter(points, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["threads"] = threads;
}

void BM_stream_triad(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const int threads = threads_of(state);
  auto a = first_touched(size, threads), b = first_touched(size, threads), c = first_touched(size, threads);
  const double s = 3.0;
  for (auto _ : state) {
#pragma omp parallel for schedule(static) num_threads(threads)
    for (std::int64_t i = 0; i < static_cast<std::int64_t>(size); ++i) {
      const auto k = static_cast<std::size_t>(i);
      a[k] = b[k] + s * c[k];
    }
    benchmark::DoNotOptimize(a.data());
    benchmark::ClobberMemory();
  }
  state.counters["bytes_per_second"] =
      benchmark::Counter(24.0 * static_cast<double>(size), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["threads"] = threads;
}

}  // namespace

// Args: {size, 1 = one thread | 0 = all}. 4095: two 134 MB grids; 2^24: three 134 MB arrays.
// One thread is timed by its CPU time (what a core sustains), all threads by the clock.
BENCHMARK(BM_heat_stencil)->Args({4095, 1})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_heat_stencil)->Args({4095, 0})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_stream_triad)->Args({1 << 24, 1})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_stream_triad)->Args({1 << 24, 0})->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
