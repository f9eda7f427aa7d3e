// Scalar vs vectorised Mandelbrot kernel on the same rows; items_per_second counts
// Mandelbrot iterations (the sum of the escape counts), so the two compare directly.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <cstdint>
#include <numeric>
#include <vector>

#include "mandelbrot/kernel.hpp"

namespace {

// Rows crossing both the set's interior and its boundary, where lanes diverge most.
constexpr std::uint32_t row_begin = 400, row_end = 432;

template <class Kernel>
void run(benchmark::State& state, Kernel kernel) {
  const mandelbrot::region r;
  std::vector<std::uint32_t> counts(std::size_t{row_end - row_begin} * r.width);
  for (auto _ : state) {
    kernel(r, row_begin, row_end, counts.data());
    benchmark::DoNotOptimize(counts.data());
    benchmark::ClobberMemory();
  }
  const auto iterations = std::accumulate(counts.begin(), counts.end(), std::int64_t{0});
  state.SetItemsProcessed(state.iterations() * iterations);
  state.counters["pixels_per_second"] =
      benchmark::Counter(static_cast<double>(counts.size()), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_scalar(benchmark::State& state) { run(state, mandelbrot::escape_counts_scalar); }

void BM_simd(benchmark::State& state) {
  omp_set_num_threads(1);
  run(state, mandelbrot::escape_counts);
}

void BM_simd_all_threads(benchmark::State& state) {
  omp_set_num_threads(omp_get_num_procs());
  run(state, mandelbrot::escape_counts);
  state.counters["threads"] = omp_get_num_procs();
}

}  // namespace

BENCHMARK(BM_scalar)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_simd)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_simd_all_threads)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
