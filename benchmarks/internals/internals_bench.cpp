// The runtime's own costs, each beside a baseline that does the same work without
// rankpool's machinery (one process, no MPI messages):
//   BM_chunk_round_trip/N  a chunk of N no-op tasks through the wire protocol: rank 0
//                          encodes the chunk, the executor decodes it, runs the tasks and
//                          encodes the results, rank 0 decodes them into a vector
//   BM_plain_loop/N        baseline: the same N calls writing the same vector
//   BM_chunk_inputs/N      a chunk of N explicit inputs (doubles) encoded with their offsets
//                          and decoded one by one, as a map over a vector ships them
//   BM_plain_copy/N        baseline: memcpy of the same N doubles
//   BM_results_append/N    N per-task results through column_writer (buffered, written
//                          at flush) into the run file, then the flush
//   BM_hdf5_write/N        baseline: one run_file::write_at of the N values
// One scheduler round trip over MPI against raw MPI request/reply: benchmarks/roundtrip.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "rankpool/column_writer.hpp"
#include "rankpool/detail/chunk_runner.hpp"
#include "rankpool/detail/completion.hpp"
#include "rankpool/detail/executor.hpp"
#include "rankpool/detail/wire.hpp"
#include "rankpool/run_file.hpp"

namespace {

using namespace rankpool;

std::uint32_t noop(std::uint64_t i) { return static_cast<std::uint32_t>(i); }

void BM_chunk_round_trip(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  detail::task_table table;
  const auto id = table.add_task(
      detail::task_entry{"noop", detail::typed_chunk_runner<std::uint32_t, std::uint64_t, decltype(&noop)>(&noop)});
  detail::executor_identity self;
  self.context.threads = 1;
  self.epoch = std::chrono::steady_clock::now();
  byte_buffer message, reply;
  detail::chunk_output scratch;
  std::vector<std::uint32_t> results(n);
  for (auto _ : state) {
    detail::wire::encode_chunk(detail::wire::chunk_header{1, 0, 0, n, id, detail::wire::no_reduction, 0}, message);
    scratch = detail::chunk_output{};
    detail::execute_chunk(table, message, reply, self, scratch);
    // What rank 0's scheduler and driver do with the reply.
    const detail::wire::result_view result = detail::wire::decode_result(reply);
    detail::completion c;
    c.header = result.header;
    c.count = result.header.count;
    c.body_offset = result.body_offset;
    c.message = std::move(reply);
    detail::for_each_result<std::uint32_t>(c, [&](std::uint32_t i, std::uint32_t v) { results[i] = v; });
    reply = std::move(c.message);
    benchmark::DoNotOptimize(results.data());
  }
  if (results[n - 1] != n - 1) state.SkipWithError("wrong result");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * n);
}

void BM_plain_loop(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  std::vector<std::uint32_t> results(n);
  for (auto _ : state) {
    for (std::uint32_t i = 0; i < n; ++i) results[i] = noop(i);
    benchmark::DoNotOptimize(results.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * n);
}

void BM_chunk_inputs(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  std::vector<double> inputs(n), decoded(n);
  for (std::uint32_t i = 0; i < n; ++i) inputs[i] = 0.5 * i;
  byte_buffer out;
  for (auto _ : state) {
    // What pool::map writes for a vector of inputs: the header, count+1 offsets, the encoded values.
    detail::wire::encode_chunk(detail::wire::chunk_header{1, 0, 0, n, 0, detail::wire::no_reduction, 1}, out);
    detail::wire::encode_chunk_inputs(inputs, 0, n, out);
    // What the executor reads back.
    const detail::wire::chunk_view chunk = detail::wire::decode_chunk(out);
    for (std::uint32_t i = 0; i < n; ++i) decoded[i] = codec<double>::decode(chunk.input(i));
    benchmark::DoNotOptimize(decoded.data());
  }
  if (decoded[n - 1] != inputs[n - 1]) state.SkipWithError("wrong input");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * n);
}

void BM_plain_copy(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  std::vector<double> inputs(n, 1.5), copied(n);
  for (auto _ : state) {
    std::memcpy(copied.data(), inputs.data(), n * sizeof(double));
    benchmark::DoNotOptimize(copied.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * n);
}

/// A run file with one per-task column of n doubles, removed at the end.
struct scratch_file {
  std::string path;
  run_file file;
  explicit scratch_file(std::uint64_t n)
      : path((std::filesystem::temp_directory_path() / ("internals_bench_" + std::to_string(getpid()) + ".h5"))
                 .string()),
        file(make(path)) {
    file.create_dataset<double>("/results/value", {n}, 0.0);
  }
  ~scratch_file() {
    file.close();
    std::filesystem::remove(path);
  }
  static run_file make(const std::string& path) {
    std::filesystem::remove(path);
    return run_file::create(path);
  }
};

void BM_results_append(benchmark::State& state) {
  const auto n = static_cast<std::uint64_t>(state.range(0));
  scratch_file scratch(n);
  column_writer<double> column(scratch.file, "/results/value");
  for (auto _ : state) {
    for (std::uint64_t i = 0; i < n; ++i) column.set(i, 0.25 * static_cast<double>(i));
    column.flush();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}

void BM_hdf5_write(benchmark::State& state) {
  const auto n = static_cast<std::uint64_t>(state.range(0));
  scratch_file scratch(n);
  std::vector<double> values(n);
  for (std::uint64_t i = 0; i < n; ++i) values[i] = 0.25 * static_cast<double>(i);
  for (auto _ : state) scratch.file.write_at<double>("/results/value", 0, values.data(), n);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}

BENCHMARK(BM_chunk_round_trip)->Arg(1)->Arg(64)->Arg(4096);
BENCHMARK(BM_plain_loop)->Arg(1)->Arg(64)->Arg(4096);
BENCHMARK(BM_chunk_inputs)->Arg(64)->Arg(4096);
BENCHMARK(BM_plain_copy)->Arg(64)->Arg(4096);
BENCHMARK(BM_results_append)->Arg(1024)->Arg(65536);
BENCHMARK(BM_hdf5_write)->Arg(1024)->Arg(65536);

}  // namespace

BENCHMARK_MAIN();
