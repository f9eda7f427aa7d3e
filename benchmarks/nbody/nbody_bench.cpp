// The n-body force loop (SoA, vectorised, kernel.hpp) against a plain scalar loop
// over the same arrays (scalar_forces.cpp, compiled without vectorisation), per core,
// plus the kernel on all cores. interactions_per_second counts N^2 pairs per pass.
#include <benchmark/benchmark.h>
#include <omp.h>

#include "nbody/kernel.hpp"

void scalar_accelerations(const nbody::bodies& b, double eps2, double* ax, double* ay, double* az);

namespace {

template <class Forces>
void run(benchmark::State& state, int threads, Forces forces) {
  omp_set_num_threads(threads);
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto b = nbody::random_cluster(n, 0.05, 1, 0);
  std::vector<double> ax(n), ay(n), az(n);
  for (auto _ : state) {
    forces(b, 0.05 * 0.05, ax.data(), ay.data(), az.data());
    benchmark::DoNotOptimize(ax.data());
    benchmark::ClobberMemory();
  }
  state.counters["interactions_per_second"] =
      benchmark::Counter(static_cast<double>(n) * static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["threads"] = threads;
}

void BM_forces_scalar(benchmark::State& state) { run(state, 1, scalar_accelerations); }
void BM_forces_simd(benchmark::State& state) { run(state, 1, nbody::accelerations); }
void BM_forces_simd_all_threads(benchmark::State& state) { run(state, omp_get_num_procs(), nbody::accelerations); }

}  // namespace

BENCHMARK(BM_forces_scalar)->Arg(1024)->Arg(4096)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_forces_simd)->Arg(1024)->Arg(4096)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_forces_simd_all_threads)->Arg(4096)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
