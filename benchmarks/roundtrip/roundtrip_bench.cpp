// One scheduler round trip against a raw MPI request/reply, as Google Benchmarks in one
// binary. Run under `mpirun -n 2` (make_results.sh does): rank 0 runs the benchmarks and
// alone prints; the other ranks answer. Each iteration ends when its last reply is back
// on rank 0, so the time is the slowest rank's.
//   BM_raw_request_reply      rank 0 sends 40 bytes to rank 1, which sends 16 back (the
//                             floor a scheduler built on this MPI could reach)
//   BM_pool_submit_get        pool.submit(noop, i).get(): one task through the scheduler,
//                             wherever it runs it (rank 0 runs tasks this short itself)
//   BM_pool_map_chunk1/N      pool.map of N no-op tasks, chunk 1, over every rank
// Alone (no mpirun) the raw benchmark is skipped and the pool runs on rank 0 only.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "rankpool/detail/mpi_check.hpp"
#include "rankpool/environment.hpp"
#include "rankpool/pool.hpp"

namespace {

using rankpool::detail::mpi_check;

/// Rank 0 -> the others on MPI_COMM_WORLD (the pool talks on its own communicator).
enum control : int { echo = 1, serve_pool = 2, stop = 3 };

struct context {
  rankpool::environment* env = nullptr;
  rankpool::pool* pool = nullptr;
  rankpool::task<std::uint64_t(std::uint64_t)> noop;
};
context the;

void tell_workers(control what) {
  for (int rank = 1; rank < the.env->size(); ++rank)
    mpi_check(MPI_Send(nullptr, 0, MPI_BYTE, rank, what, MPI_COMM_WORLD), "MPI_Send(control)");
}

void BM_raw_request_reply(benchmark::State& state) {
  if (the.env->size() < 2) {
    state.SkipWithError("needs mpirun -n 2");
    return;
  }
  char request[40] = {};
  char reply[16] = {};
  for (auto _ : state) {
    mpi_check(MPI_Send(request, sizeof request, MPI_BYTE, 1, echo, MPI_COMM_WORLD), "MPI_Send");
    mpi_check(MPI_Recv(reply, sizeof reply, MPI_BYTE, 1, echo, MPI_COMM_WORLD, MPI_STATUS_IGNORE), "MPI_Recv");
  }
  state.SetItemsProcessed(state.iterations());
}

/// Runs `body` as the pool's driver while the other ranks serve.
template <class Body>
void with_pool(Body&& body) {
  tell_workers(serve_pool);
  the.pool->run(body);
}

void BM_pool_submit_get(benchmark::State& state) {
  with_pool([&] {
    std::uint64_t i = 0;
    for (auto _ : state) benchmark::DoNotOptimize(the.pool->submit(the.noop, i++).get());
  });
  state.SetItemsProcessed(state.iterations());
}

void BM_pool_map_chunk1(benchmark::State& state) {
  const auto n = static_cast<std::uint64_t>(state.range(0));
  with_pool([&] {
    for (auto _ : state) {
      auto results = the.pool->map(the.noop, rankpool::index_range{0, n});
      if (results.back() != n - 1) state.SkipWithError("wrong result");
      benchmark::DoNotOptimize(results.data());
    }
  });
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}

// Wall-clock time: rank 0's CPU time leaves out what it waited for.
BENCHMARK(BM_raw_request_reply)->UseRealTime();
BENCHMARK(BM_pool_submit_get)->UseRealTime();
BENCHMARK(BM_pool_map_chunk1)->Arg(1000)->Arg(100000)->UseRealTime();

/// Ranks other than 0: answer rank 0 until it says stop.
void answer() {
  char request[40];
  char reply[16] = {};
  for (;;) {
    MPI_Status status;
    mpi_check(MPI_Recv(request, sizeof request, MPI_BYTE, 0, MPI_ANY_TAG, MPI_COMM_WORLD, &status), "MPI_Recv");
    if (status.MPI_TAG == echo) {
      mpi_check(MPI_Send(reply, sizeof reply, MPI_BYTE, 0, echo, MPI_COMM_WORLD), "MPI_Send");
    } else if (status.MPI_TAG == serve_pool) {
      the.pool->run([] {});
    } else {
      return;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  rankpool::environment env(argc, argv);
  rankpool::pool_options options;
  options.chunking = rankpool::chunk_policy::fixed(1);
  options.threads = 1;
  rankpool::pool pool(env, options);
  the.env = &env;
  the.pool = &pool;
  the.noop = pool.define_task("noop", [](std::uint64_t i) { return i; });
  benchmark::Initialize(&argc, argv);
  if (env.is_root()) {
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    tell_workers(stop);
  } else {
    answer();
  }
  return 0;
}
