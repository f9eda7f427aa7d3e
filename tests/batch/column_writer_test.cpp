// column_writer: per-task values buffered in blocks and written to the run file at
// flush() only, only the entries set, and complete blocks leave memory once written.
#include "rankpool/column_writer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "rankpool/run_file.hpp"
#include "support/scratch_dir.hpp"

// Bytes allocated with operator new and not yet freed, counted by replacing the global
// operators (a size header before each block): what the writer holds, independent of RSS.
namespace {
std::atomic<std::int64_t> live_bytes{0};
constexpr std::size_t header = alignof(std::max_align_t);
}  // namespace

// GCC sees free() on what operator new returned once both are inlined; here that is the
// point: these two are the pair.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t size) {
  void* base = std::malloc(size + header);
  if (!base) throw std::bad_alloc();
  *static_cast<std::size_t*>(base) = size;
  live_bytes += static_cast<std::int64_t>(size);
  return static_cast<char*>(base) + header;
}
void operator delete(void* p) noexcept {
  if (!p) return;
  void* base = static_cast<char*>(p) - header;
  live_bytes -= static_cast<std::int64_t>(*static_cast<std::size_t*>(base));
  std::free(base);
}
void operator delete(void* p, std::size_t) noexcept { operator delete(p); }
#pragma GCC diagnostic pop

namespace {

using rankpool::column_writer;
using rankpool::run_file;

constexpr std::uint64_t block = column_writer<double>::block_size;
constexpr double fill = -1.0;

class ColumnWriter : public testing::Test {
 protected:
  /// A new run file with a 1-D dataset /x of `size` entries, never-written ones `fill`.
  run_file make_file(std::uint64_t size) const {
    run_file file = run_file::create(dir_ / "run.h5");
    file.create_dataset<double>("/x", {size}, fill);
    return file;
  }

  rankpool_test::scratch_dir dir_;
};

/// Indices whose value is not the fill value.
std::vector<std::uint64_t> written(const std::vector<double>& values) {
  std::vector<std::uint64_t> indices;
  for (std::uint64_t i = 0; i < values.size(); ++i)
    if (values[i] != fill) indices.push_back(i);
  return indices;
}

TEST_F(ColumnWriter, NothingReachesTheFileBeforeFlush) {
  run_file file = make_file(2 * block);
  column_writer<double> writer(file, "/x");
  writer.set(3, 7.5);
  writer.set(block + 1, 2.5);
  EXPECT_TRUE(written(file.read_all<double>("/x")).empty()) << "set() wrote before flush()";
  writer.flush();
  const auto values = file.read_all<double>("/x");
  ASSERT_EQ(values.size(), 2 * block);
  ASSERT_EQ(written(values), (std::vector<std::uint64_t>{3, block + 1}));
  EXPECT_EQ(values[3], 7.5);
  EXPECT_EQ(values[block + 1], 2.5);
}

TEST_F(ColumnWriter, OnlySetEntriesAreWritten) {
  run_file file = make_file(block);
  column_writer<double> writer(file, "/x");
  writer.set(10, 1.0);
  writer.set(12, 3.0);
  // Written by someone else between set() and flush(): a writer that wrote whole blocks
  // (or the span 10..12) would put its own value over it.
  const double other = 42.0;
  file.write_at<double>("/x", 11, &other, 1);
  writer.flush();
  const auto values = file.read_all<double>("/x");
  ASSERT_EQ(written(values), (std::vector<std::uint64_t>{10, 11, 12}));
  EXPECT_EQ(values[10], 1.0);
  EXPECT_EQ(values[11], 42.0);
  EXPECT_EQ(values[12], 3.0);
}

TEST_F(ColumnWriter, SparseSetsAcrossBlocksReadBackFromTheFile) {
  const std::string path = dir_ / "run.h5";
  const std::vector<std::uint64_t> indices = {0, block - 1, block, 3 * block + 5, 5 * block - 1};
  {
    run_file file = make_file(5 * block);
    column_writer<double> writer(file, "/x");
    for (std::uint64_t i : indices) writer.set(i, 0.5 * static_cast<double>(i));
    writer.set(0, 9.0);  // set twice before a flush: the last value counts
    writer.flush();
    writer.set(block, 8.0);  // and again after one: the next flush writes it
    writer.flush();
  }
  run_file file = run_file::open(path, false);
  const auto values = file.read_all<double>("/x");
  ASSERT_EQ(values.size(), 5 * block);
  ASSERT_EQ(written(values), indices);
  EXPECT_EQ(values[0], 9.0);
  EXPECT_EQ(values[block - 1], 0.5 * static_cast<double>(block - 1));
  EXPECT_EQ(values[block], 8.0);
  EXPECT_EQ(values[3 * block + 5], 0.5 * static_cast<double>(3 * block + 5));
  EXPECT_EQ(values[5 * block - 1], 0.5 * static_cast<double>(5 * block - 1));
}

TEST_F(ColumnWriter, OtherElementTypesToo) {
  run_file file = run_file::create(dir_ / "run.h5");
  file.create_dataset<std::uint8_t>("/status", {2 * block + 3}, 0);
  column_writer<std::uint8_t> writer(file, "/status");
  writer.set(1, 1);
  writer.set(2 * block + 2, 2);
  writer.flush();
  const auto status = file.read_all<std::uint8_t>("/status");
  ASSERT_EQ(status.size(), 2 * block + 3);
  EXPECT_EQ(std::count(status.begin(), status.end(), 0), static_cast<std::ptrdiff_t>(2 * block + 1));
  EXPECT_EQ(status[1], 1);
  EXPECT_EQ(status[2 * block + 2], 2);
}

TEST_F(ColumnWriter, CompleteBlocksLeaveMemoryOnceWrittenPartialOnesStay) {
  constexpr std::int64_t block_bytes = block * sizeof(double);
  run_file file = make_file(4 * block);
  column_writer<double> writer(file, "/x");
  const std::int64_t start = live_bytes;
  for (std::uint64_t i = 0; i < block / 2; ++i) writer.set(i, static_cast<double>(i));
  writer.flush();
  EXPECT_GE(live_bytes - start, block_bytes) << "a half-set block is kept after flush, for the rest of it";
  for (std::uint64_t i = block / 2; i < block; ++i) writer.set(i, static_cast<double>(i));
  writer.flush();
  EXPECT_LT(live_bytes - start, block_bytes / 8) << "a complete block stayed in memory after flush";
  // Block after block, the writer holds one block at most: never the whole column.
  for (std::uint64_t b = 1; b < 4; ++b) {
    for (std::uint64_t i = b * block; i < (b + 1) * block; ++i) writer.set(i, static_cast<double>(i));
    EXPECT_GE(live_bytes - start, block_bytes) << "block " << b << " before its flush";
    EXPECT_LT(live_bytes - start, 2 * block_bytes) << "block " << b << " before its flush";
    writer.flush();
    EXPECT_LT(live_bytes - start, block_bytes / 8) << "block " << b << " after its flush";
  }
  const auto values = file.read_all<double>("/x");
  ASSERT_EQ(values.size(), 4 * block);
  for (std::uint64_t i = 0; i < values.size(); ++i) ASSERT_EQ(values[i], static_cast<double>(i)) << i;
}

}  // namespace
