// run_file: the HDF5 output file. Plain process, no MPI: rank 0 writes it alone.
#include "rankpool/run_file.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "rankpool/error.hpp"

namespace {

namespace fs = std::filesystem;
using rankpool::hdf5_error;
using rankpool::run_file;

class RunFile : public testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "rankpool-h5-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    testing::internal::CaptureStderr();
  }
  void TearDown() override {
    // HDF5's own error printing must stay off: failures reach us only as exceptions.
    const std::string err = testing::internal::GetCapturedStderr();
    EXPECT_EQ(err.find("HDF5-DIAG"), std::string::npos) << err;
    fs::remove_all(dir_);
  }
  std::string file(const std::string& name) const { return (dir_ / name).string(); }

  fs::path dir_;
};

// Runs `call`, expects hdf5_error naming `call_name`, and returns its message.
template <class F>
std::string expect_hdf5_error(F call, const std::string& call_name) {
  try {
    call();
  } catch (const hdf5_error& e) {
    EXPECT_EQ(e.call(), call_name) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no hdf5_error from " << call_name;
  return {};
}

TEST_F(RunFile, AttributesOfEveryTypeRoundTrip) {
  const std::string path = file("attrs.h5");
  {
    run_file out = run_file::create(path);
    EXPECT_EQ(out.path(), path);
    out.set_attribute("/", "name", std::string("héllo wörld"));
    out.set_attribute("", "literal", "text");
    out.set_attribute("/", "count", std::int64_t{-42});
    out.set_attribute("/", "big", std::numeric_limits<std::uint64_t>::max());
    out.set_attribute("/", "small_int", 7);  // int goes to the int64 overload
    out.set_attribute("/", "pi", 3.25);
    out.set_attribute("/meta/inner", "tags", std::vector<std::string>{"a", "", "long tag ✓"});
    out.set_attribute("/meta", "values", std::vector<std::int64_t>{1, -2, 1LL << 40});
    out.set_attribute("/meta", "no_tags", std::vector<std::string>{});
    out.set_attribute("/meta", "no_values", std::vector<std::int64_t>{});
    out.create_dataset<double>("/data/x", {4}, 0.0);
    out.set_attribute("/data/x", "unit", std::string("eV"));
    // Overwriting replaces the value and may change the type.
    out.set_attribute("/", "count", std::int64_t{43});
    out.set_attribute("/", "pi", std::string("not a number now"));
    EXPECT_TRUE(out.exists("/meta/inner"));
  }
  run_file in = run_file::open(path, false);
  EXPECT_EQ(in.string_attribute("/", "name"), "héllo wörld");
  EXPECT_EQ(in.string_attribute("/", "literal"), "text");
  EXPECT_EQ(in.int_attribute("/", "count"), 43);
  EXPECT_EQ(in.uint_attribute("/", "big"), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(in.int_attribute("/", "small_int"), 7);
  EXPECT_DOUBLE_EQ(in.real_attribute("/", "small_int"), 7.0);  // HDF5 converts on read
  EXPECT_EQ(in.string_attribute("/", "pi"), "not a number now");
  EXPECT_EQ(in.strings_attribute("/meta/inner", "tags"), (std::vector<std::string>{"a", "", "long tag ✓"}));
  EXPECT_EQ(in.ints_attribute("/meta", "values"), (std::vector<std::int64_t>{1, -2, 1LL << 40}));
  EXPECT_TRUE(in.strings_attribute("/meta", "no_tags").empty());
  EXPECT_TRUE(in.ints_attribute("/meta", "no_values").empty());
  EXPECT_EQ(in.string_attribute("/data/x", "unit"), "eV");
  EXPECT_TRUE(in.has_attribute("/", "name"));
  EXPECT_FALSE(in.has_attribute("/", "missing"));
  EXPECT_FALSE(in.has_attribute("/no/such/group", "name"));
  const std::string what = expect_hdf5_error([&] { in.int_attribute("/", "missing"); }, "H5Aopen_by_name");
  EXPECT_NE(what.find("missing"), std::string::npos) << what;
  expect_hdf5_error([&] { in.int_attribute("/meta", "values"); }, "H5Aread");  // three values, not one
  expect_hdf5_error([&] { in.int_attribute("/", "name"); }, "H5Aread");        // no string -> int conversion
}

TEST_F(RunFile, RealAttributeKeepsDoubles) {
  run_file out = run_file::create(file("real.h5"));
  out.set_attribute("/", "pi", 3.141592653589793);
  out.set_attribute("/", "pi", 2.718281828459045);
  EXPECT_EQ(out.real_attribute("/", "pi"), 2.718281828459045);
}

TEST_F(RunFile, ExistsWalksPathsAndGroupsAreCreatedOnDemand) {
  run_file out = run_file::create(file("exists.h5"));
  EXPECT_TRUE(out.exists("/"));
  EXPECT_TRUE(out.exists(""));
  EXPECT_FALSE(out.exists("/a"));
  EXPECT_FALSE(out.exists("/a/b/c"));
  out.create_column<std::int32_t>("/a/b/c");
  EXPECT_TRUE(out.exists("/a"));
  EXPECT_TRUE(out.exists("/a/b"));
  EXPECT_TRUE(out.exists("/a/b/c"));
  EXPECT_TRUE(out.exists("a/b/c"));
  EXPECT_FALSE(out.exists("/a/x"));
  EXPECT_FALSE(out.exists("/a/b/c/d"));  // below a dataset
  const std::string what = expect_hdf5_error([&] { out.create_column<std::int32_t>("/a/b/c"); }, "H5Dcreate2");
  EXPECT_NE(what.find("/a/b/c"), std::string::npos) << what;
}

TEST_F(RunFile, NdDatasetRowsAndFillValues) {
  const std::string path = file("nd.h5");
  // 1000 x 7 x 5 doubles = 280 KB: more than one chunk, so unwritten rows span whole chunks.
  const std::vector<std::uint64_t> shape{1000, 7, 5};
  const std::size_t row = 7 * 5;
  {
    run_file out = run_file::create(path);
    out.create_dataset<double>("/results/grid", shape, -1.5);
    std::vector<double> rows(10 * row);
    std::iota(rows.begin(), rows.end(), 0.0);
    out.write_rows("/results/grid", 0, 10, rows.data());
    out.write_rows("/results/grid", 990, 10, rows.data());
    out.write_rows("/results/grid", 500, 0, rows.data());  // nothing to do
    expect_hdf5_error([&] { out.write_rows("/results/grid", 995, 10, rows.data()); }, "H5Dwrite");
  }
  {
    run_file in = run_file::open(path, false);
    EXPECT_EQ(in.dims("/results/grid"), shape);
    const std::vector<double> all = in.read_all<double>("/results/grid");
    ASSERT_EQ(all.size(), 1000 * row);
    for (std::size_t i = 0; i < 10 * row; ++i) {
      ASSERT_EQ(all[i], static_cast<double>(i));
      ASSERT_EQ(all[990 * row + i], static_cast<double>(i));
    }
    for (std::size_t i = 10 * row; i < 990 * row; ++i) ASSERT_EQ(all[i], -1.5) << i;
  }
  // Integer datasets, 2-D, and a read that converts the element type.
  run_file out = run_file::open(path, true);
  out.create_dataset<std::uint16_t>("/u16", {3, 2}, 9);
  const std::uint16_t middle[] = {1, 2};
  out.write_rows("/u16", 1, 1, middle);
  EXPECT_EQ(out.read_all<std::uint16_t>("/u16"), (std::vector<std::uint16_t>{9, 9, 1, 2, 9, 9}));
  EXPECT_EQ(out.read_all<double>("/u16"), (std::vector<double>{9, 9, 1, 2, 9, 9}));
}

TEST_F(RunFile, ZeroSizedAndScalarDatasets) {
  run_file out = run_file::create(file("empty.h5"));
  out.create_dataset<float>("/none", {0}, 1.0f);
  out.create_dataset<std::int64_t>("/none2d", {0, 3}, 0);
  out.create_dataset<std::uint8_t>("/wide", {2, 0}, 0);
  out.create_dataset<double>("/scalar", {}, 2.5);
  EXPECT_EQ(out.dims("/none"), std::vector<std::uint64_t>{0});
  EXPECT_EQ(out.dims("/none2d"), (std::vector<std::uint64_t>{0, 3}));
  EXPECT_EQ(out.dims("/wide"), (std::vector<std::uint64_t>{2, 0}));
  EXPECT_TRUE(out.dims("/scalar").empty());
  EXPECT_TRUE(out.read_all<float>("/none").empty());
  EXPECT_TRUE(out.read_all<std::int64_t>("/none2d").empty());
  EXPECT_TRUE(out.read_all<std::uint8_t>("/wide").empty());
  EXPECT_EQ(out.read_all<double>("/scalar"), std::vector<double>{2.5});
}

TEST_F(RunFile, LargeRowsAreChunkedAcrossInnerDims) {
  // One row is 2 MB, bigger than a chunk: chunking has to split dim 1 too.
  run_file out = run_file::create(file("wide.h5"));
  out.create_dataset<double>("/wide", {3, 512, 512}, 0.0);
  std::vector<double> row(512 * 512);
  std::iota(row.begin(), row.end(), 1.0);
  out.write_rows("/wide", 1, 1, row.data());
  const std::vector<double> all = out.read_all<double>("/wide");
  ASSERT_EQ(all.size(), 3 * row.size());
  EXPECT_EQ(all[0], 0.0);
  EXPECT_EQ(all[row.size()], 1.0);
  EXPECT_EQ(all[2 * row.size() - 1], static_cast<double>(row.size()));
  EXPECT_EQ(all.back(), 0.0);
}

TEST_F(RunFile, ColumnsGrowAcrossManyAppends) {
  const std::string path = file("columns.h5");
  std::vector<std::uint64_t> expected;
  {
    run_file out = run_file::create(path);
    out.create_column<std::uint64_t>("/tasks/index");
    out.create_column<float>("/tasks/seconds");
    // 7 appends of 5000: 35000 elements, more than two 16384-element chunks.
    for (std::uint64_t call = 0; call < 7; ++call) {
      std::vector<std::uint64_t> block(5000);
      std::iota(block.begin(), block.end(), call * 1'000'000);
      out.append("/tasks/index", block.data(), block.size());
      expected.insert(expected.end(), block.begin(), block.end());
    }
    out.append<std::uint64_t>("/tasks/index", nullptr, 0);
    const float seconds[] = {0.5f, 0.25f};
    out.append("/tasks/seconds", seconds, 2);
    out.append("/tasks/seconds", seconds, 1);
  }
  run_file in = run_file::open(path, true);
  EXPECT_EQ(in.dims("/tasks/index"), std::vector<std::uint64_t>{35000});
  EXPECT_EQ(in.read_all<std::uint64_t>("/tasks/index"), expected);
  EXPECT_EQ(in.read_all<float>("/tasks/seconds"), (std::vector<float>{0.5f, 0.25f, 0.5f}));
  // Columns stay appendable after reopening.
  const float more = 8.0f;
  in.append("/tasks/seconds", &more, 1);
  EXPECT_EQ(in.read_all<float>("/tasks/seconds"), (std::vector<float>{0.5f, 0.25f, 0.5f, 8.0f}));
}

TEST_F(RunFile, StringColumns) {
  const std::string path = file("strings.h5");
  std::vector<std::string> expected;
  {
    run_file out = run_file::create(path);
    out.create_string_column("/tasks/error");
    out.append_strings("/tasks/error", {"", "boom: ünïcode", std::string(10000, 'x')});
    out.append_strings("/tasks/error", {});
    std::vector<std::string> many;
    for (int i = 0; i < 20000; ++i) many.push_back("task " + std::to_string(i));
    out.append_strings("/tasks/error", many);
    expected = {"", "boom: ünïcode", std::string(10000, 'x')};
    expected.insert(expected.end(), many.begin(), many.end());
  }
  run_file in = run_file::open(path, false);
  EXPECT_EQ(in.read_strings("/tasks/error"), expected);
  expect_hdf5_error([&] { in.read_strings("/tasks/missing"); }, "H5Dopen2");
}

TEST_F(RunFile, WriteAtFillsA1dDatasetOutOfOrder) {
  run_file out = run_file::create(file("at.h5"));
  out.create_dataset<std::int32_t>("/status", {10}, -1);
  const std::int32_t tail[] = {7, 8, 9};
  const std::int32_t head[] = {0, 1};
  out.write_at("/status", 7, tail, 3);
  out.write_at("/status", 0, head, 2);
  out.write_at<std::int32_t>("/status", 10, nullptr, 0);
  EXPECT_EQ(out.read_all<std::int32_t>("/status"), (std::vector<std::int32_t>{0, 1, -1, -1, -1, -1, -1, 7, 8, 9}));
  expect_hdf5_error([&] { out.write_at("/status", 8, tail, 3); }, "H5Dwrite");
  out.create_dataset<std::int32_t>("/grid", {2, 2}, 0);
  expect_hdf5_error([&] { out.write_at("/grid", 0, head, 2); }, "H5Dwrite");
}

TEST_F(RunFile, CreateRefusesAnExistingFile) {
  const std::string path = file("twice.h5");
  run_file::create(path).close();
  const std::string what = expect_hdf5_error([&] { run_file::create(path); }, "H5Fcreate");
  EXPECT_NE(what.find(path), std::string::npos) << what;
}

TEST_F(RunFile, OpenRejectsMissingAndForeignFiles) {
  const std::string missing = file("missing.h5");
  std::string what = expect_hdf5_error([&] { run_file::open(missing, false); }, "H5Fopen");
  EXPECT_NE(what.find(missing), std::string::npos) << what;
  const std::string text = file("notes.txt");
  std::ofstream(text) << "this is not an HDF5 file\n";
  what = expect_hdf5_error([&] { run_file::open(text, true); }, "H5Fopen");
  EXPECT_NE(what.find(text), std::string::npos) << what;
}

TEST_F(RunFile, MissingDatasetsAndClosedFilesThrow) {
  run_file out = run_file::create(file("missing-ds.h5"));
  std::string what = expect_hdf5_error([&] { out.read_all<double>("/nope"); }, "H5Dopen2");
  EXPECT_NE(what.find("/nope"), std::string::npos) << what;
  expect_hdf5_error([&] { out.dims("/nope/deeper"); }, "H5Dopen2");
  expect_hdf5_error([&] { out.append<double>("/nope", nullptr, 0); }, "H5Dopen2");
  out.close();
  out.close();  // idempotent
  EXPECT_FALSE(out.is_open());
  expect_hdf5_error([&] { out.flush(); }, "run_file");
}

TEST_F(RunFile, ReadOnlyFilesRefuseWrites) {
  const std::string path = file("ro.h5");
  run_file::create(path).close();
  run_file in = run_file::open(path, false);
  expect_hdf5_error([&] { in.set_attribute("/", "x", 1.0); }, "H5Acreate2");
  EXPECT_THROW(in.create_column<double>("/c"), hdf5_error);
}

TEST_F(RunFile, MovesTransferTheOpenFile) {
  const std::string path = file("moved.h5");
  run_file a = run_file::create(path);
  run_file b = std::move(a);
  EXPECT_TRUE(b.is_open());
  b.set_attribute("/", "v", std::int64_t{5});
  run_file c = run_file::create(file("other.h5"));
  c = std::move(b);  // closes other.h5, takes moved.h5
  EXPECT_EQ(c.path(), path);
  EXPECT_EQ(c.int_attribute("/", "v"), 5);
}

TEST_F(RunFile, H5dumpReadsTheFileAfterFlushWhileStillOpen) {
  if (!fs::exists("/usr/bin/h5dump")) GTEST_SKIP() << "no /usr/bin/h5dump";
  const std::string path = file("live.h5");
  run_file out = run_file::create(path);
  out.set_attribute("/", "program", std::string("rankpool"));
  out.create_column<double>("/tasks/seconds");
  const double seconds[] = {1.0, 2.0};
  out.append("/tasks/seconds", seconds, 2);
  out.flush();
  const std::string log = file("h5dump.log");
  const int status = std::system(("/usr/bin/h5dump -H '" + path + "' > '" + log + "' 2>&1").c_str());
  std::stringstream dump;
  dump << std::ifstream(log).rdbuf();
  ASSERT_EQ(status, 0) << dump.str();
  EXPECT_NE(dump.str().find("DATASET \"seconds\""), std::string::npos) << dump.str();
  EXPECT_NE(dump.str().find("ATTRIBUTE \"program\""), std::string::npos) << dump.str();
  // Still writable after the outside reader went away.
  out.append("/tasks/seconds", seconds, 1);
  EXPECT_EQ(out.read_all<double>("/tasks/seconds"), (std::vector<double>{1.0, 2.0, 1.0}));
}

}  // namespace
