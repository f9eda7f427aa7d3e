#pragma once
/// Thin RAII and error plumbing over the HDF5 C API: every call rankpool makes goes
/// through check() or own(), so a failure always surfaces as rankpool::hdf5_error.
#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace rankpool::detail::h5 {

/// Owns one HDF5 identifier and closes it with the H5?close matching its type.
class handle {
 public:
  handle() = default;
  explicit handle(hid_t id) noexcept : id_(id) {}
  handle(handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)) {}
  handle& operator=(handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
    }
    return *this;
  }
  handle(const handle&) = delete;
  handle& operator=(const handle&) = delete;
  ~handle() { reset(); }

  // Implicit so that handles drop straight into H5 calls, which is all they are for.
  operator hid_t() const noexcept { return id_; }
  bool valid() const noexcept { return id_ >= 0; }
  /// Closes now; a failure is ignored (this is the destructor's path: nothing to report to).
  void reset() noexcept;
  /// Closes now and throws hdf5_error on failure (H5Fclose is where buffered data lands).
  void close(const std::string& where);

 private:
  hid_t id_ = H5I_INVALID_HID;
};

/// Throws hdf5_error(call, where + the innermost HDF5 error message).
[[noreturn]] void fail(const char* call, const std::string& where);

/// Passes a non-negative hid_t / herr_t / htri_t / hssize_t through; a negative one fails.
template <class R>
R check(R result, const char* call, const std::string& where) {
  static_assert(std::is_signed_v<R>, "HDF5 reports failure with negative values only in signed types");
  if (result < 0) fail(call, where);
  return result;
}

/// check() for calls that return a new identifier, which the handle then owns.
inline handle own(hid_t id, const char* call, const std::string& where) { return handle(check(id, call, where)); }

/// Turns off HDF5's printing of its error stack (HDF5-DIAG on stderr) for the calling
/// thread: errors reach the caller as exceptions instead. Cheap after the first call.
void quiet() noexcept;

/// A new variable-length UTF-8 string type.
handle string_type();

/// The native HDF5 type of T (a library constant: never closed).
template <class T>
hid_t h5_type() {
  if constexpr (std::is_same_v<T, std::uint8_t>) return H5T_NATIVE_UINT8;
  else if constexpr (std::is_same_v<T, std::uint16_t>) return H5T_NATIVE_UINT16;
  else if constexpr (std::is_same_v<T, std::uint32_t>) return H5T_NATIVE_UINT32;
  else if constexpr (std::is_same_v<T, std::uint64_t>) return H5T_NATIVE_UINT64;
  else if constexpr (std::is_same_v<T, std::int32_t>) return H5T_NATIVE_INT32;
  else if constexpr (std::is_same_v<T, std::int64_t>) return H5T_NATIVE_INT64;
  else if constexpr (std::is_same_v<T, float>) return H5T_NATIVE_FLOAT;
  else if constexpr (std::is_same_v<T, double>) return H5T_NATIVE_DOUBLE;
  else static_assert(!sizeof(T), "no HDF5 mapping for this element type");
}

/// An in-file path as HDF5 wants it: "" is the root group.
inline const char* c_path(const std::string& path) { return path.empty() ? "/" : path.c_str(); }

handle scalar_space(const std::string& where);
handle simple_space(const std::vector<hsize_t>& dims, const std::string& where, const hsize_t* max_dims = nullptr);
std::vector<hsize_t> extent(hid_t space, const std::string& where);
std::size_t element_count(hid_t space, const std::string& where);

/// Link creation properties that create missing parent groups, with UTF-8 names.
handle link_creation(const std::string& where);
/// True if every link along `path` exists (H5Lexists alone fails on a missing parent).
bool link_exists(hid_t file, const std::string& path, const std::string& where);
/// Opens the group or dataset at `path`; if `create`, a missing one is made a group.
handle open_object(hid_t file, const std::string& path, bool create, const std::string& where);

handle open_dataset(hid_t file, const std::string& path, const std::string& where);
/// Writes n elements of a 1-D dataset from `index` on; `grow` extends it by n first and
/// writes at its old end instead (appends). Out-of-range writes throw.
void write_1d(hid_t file, const std::string& path, hid_t type, std::uint64_t index, const void* data, std::size_t n,
              bool grow, const std::string& where);
/// Writes the hyperslab start + count of `file_space` from a packed buffer.
void write_block(hid_t dataset, hid_t file_space, hid_t type, const std::vector<hsize_t>& start,
                 const std::vector<hsize_t>& count, const void* data, const std::string& where);
/// Frees the variable-length parts of `buffer` (read as `type` over `space`).
herr_t reclaim(hid_t type, hid_t space, void* buffer);
/// Creates attribute `name` on `object` and writes it, deleting any old one first.
void replace_attribute(hid_t object, const std::string& name, hid_t type, hid_t space, const void* data,
                       const std::string& where);
/// Reads n strings (variable-length or fixed-size in the file) of type `file_type`;
/// `read(memory_type, buffer)` does the H5Aread / H5Dread.
std::vector<std::string> read_strings(hid_t file_type, std::size_t n, const std::string& where,
                                      const std::function<void(hid_t, void*)>& read);

}  // namespace rankpool::detail::h5
