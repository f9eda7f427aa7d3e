#pragma once
/// rankpool::run_file: the one HDF5 output file of a run, written by rank 0 alone
/// through the serial (sec2) driver. Every failure throws rankpool::hdf5_error naming
/// the HDF5 call and "file:/object/path".
///
/// Paths are absolute in-file paths ("/results/energy"); "" and "/" mean the root
/// group. Missing groups along a path are created on demand. Element types T are
/// uint8/16/32/64, int32/int64, float and double. Not thread-safe, and neither is the
/// HDF5 build: use one run_file from one thread at a time.
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "rankpool/hdf5_error.hpp"

namespace rankpool {

class run_file {
 public:
  /// Creates a new file; throws hdf5_error (H5Fcreate) if `path` already exists.
  static run_file create(const std::string& path);
  /// Opens an existing HDF5 file, read-write if `writable`.
  static run_file open(const std::string& path, bool writable);

  run_file(run_file&& other) noexcept;
  run_file& operator=(run_file&& other) noexcept;
  run_file(const run_file&) = delete;
  run_file& operator=(const run_file&) = delete;
  /// Closes the file; a failure here is swallowed, so call close() to see it.
  ~run_file();

  const std::string& path() const noexcept { return path_; }
  bool is_open() const noexcept { return id_ >= 0; }
  /// Pushes everything buffered to disk so other readers see a consistent file.
  void flush();
  /// Closes the file (no-op if already closed); later calls throw hdf5_error.
  void close();

  /// True if a group or dataset exists at `path`.
  bool exists(const std::string& path);

  // Attributes on a group or dataset; a missing object path is created as a group,
  // an existing attribute is replaced. Attributes are limited to 64 KiB each.
  void set_attribute(const std::string& object_path, const std::string& name, const std::string& value);
  void set_attribute(const std::string& object_path, const std::string& name, const char* value);
  void set_attribute(const std::string& object_path, const std::string& name, std::int64_t value);
  void set_attribute(const std::string& object_path, const std::string& name, std::uint64_t value);
  void set_attribute(const std::string& object_path, const std::string& name, double value);
  void set_attribute(const std::string& object_path, const std::string& name, const std::vector<std::string>& value);
  void set_attribute(const std::string& object_path, const std::string& name, const std::vector<std::int64_t>& value);
  /// Other integer types (int, unsigned, long long, ...) go to the 64-bit overloads.
  template <std::integral I>
    requires(!std::same_as<I, bool> && !std::same_as<I, std::int64_t> && !std::same_as<I, std::uint64_t>)
  void set_attribute(const std::string& object_path, const std::string& name, I value) {
    if constexpr (std::is_signed_v<I>) set_attribute(object_path, name, static_cast<std::int64_t>(value));
    else set_attribute(object_path, name, static_cast<std::uint64_t>(value));
  }

  /// False if the attribute or the object itself is missing.
  bool has_attribute(const std::string& object_path, const std::string& name);
  std::string string_attribute(const std::string& object_path, const std::string& name);
  std::int64_t int_attribute(const std::string& object_path, const std::string& name);
  std::uint64_t uint_attribute(const std::string& object_path, const std::string& name);
  double real_attribute(const std::string& object_path, const std::string& name);
  std::vector<std::string> strings_attribute(const std::string& object_path, const std::string& name);
  std::vector<std::int64_t> ints_attribute(const std::string& object_path, const std::string& name);

  /// Fixed-shape dataset, chunked along dim 0; never-written elements read as `fill_value`.
  template <class T>
  void create_dataset(const std::string& path, std::vector<std::uint64_t> dims, T fill_value);
  /// Writes rows [first_row, first_row + rows) of every other dim: rows * row size elements.
  template <class T>
  void write_rows(const std::string& path, std::uint64_t first_row, std::uint64_t rows, const T* data);
  /// Writes elements [index, index + n) of a 1-D dataset, which must already hold them.
  template <class T>
  void write_at(const std::string& path, std::uint64_t index, const T* data, std::size_t n);
  /// The whole dataset in row-major order, converted to T.
  template <class T>
  std::vector<T> read_all(const std::string& path);
  std::vector<std::uint64_t> dims(const std::string& path);
  /// What a dataset's elements are, for readers that take any dataset (rankpool table).
  enum class element_kind { signed_integer, unsigned_integer, real, string, other };
  element_kind kind_of(const std::string& path);
  /// Copies rows [first_row, first_row + rows) of the dataset at `path` in `source`
  /// into the same rows of this file's dataset at `path`, in the source's element type
  /// (variable-length strings included). Both datasets must hold those rows.
  void copy_rows(run_file& source, const std::string& path, std::uint64_t first_row, std::uint64_t rows);
  /// The names of the datasets directly in the group at `path`, sorted; none if it is missing.
  std::vector<std::string> datasets_in(const std::string& path);

  /// Empty 1-D dataset that grows with append().
  template <class T>
  void create_column(const std::string& path);
  template <class T>
  void append(const std::string& path, const T* data, std::size_t n);
  /// Growable 1-D column of variable-length UTF-8 strings (cut at any embedded NUL).
  void create_string_column(const std::string& path);
  void append_strings(const std::string& path, const std::vector<std::string>& values);
  std::vector<std::string> read_strings(const std::string& path);

 private:
  run_file(std::string path, std::int64_t id) : path_(std::move(path)), id_(id) {}
  std::int64_t file_id() const;  ///< the open file's hid_t; throws if closed
  void write_attribute(const std::string& object_path, const std::string& name, std::int64_t type,
                       std::int64_t space, const void* data);
  std::string where(const std::string& object) const { return path_ + ":" + object; }

  std::string path_;
  std::int64_t id_ = -1;  ///< hid_t, kept as its integer type so this header needs no hdf5.h
};

}  // namespace rankpool
