#include "rankpool/run_file.hpp"

#include <algorithm>

#include "rankpool/detail/h5.hpp"
#include "rankpool/hdf5_error.hpp"

namespace rankpool {
namespace {

using detail::h5::c_path;
using detail::h5::check;
using detail::h5::element_count;
using detail::h5::extent;
using detail::h5::h5_type;
using detail::h5::handle;
using detail::h5::open_dataset;
using detail::h5::own;
using detail::h5::scalar_space;
using detail::h5::simple_space;
static_assert(std::is_same_v<hid_t, std::int64_t>, "run_file stores the file's hid_t as std::int64_t");

constexpr hsize_t column_chunk = 16384;  // elements per chunk of an appendable column
// Small enough that several chunks fit HDF5's default 1 MiB chunk cache, big enough
// that a chunk read or write is not dominated by per-chunk overhead.
constexpr hsize_t target_chunk_bytes = 256 * 1024;

handle serial_access(const std::string& where) {
  // Rank 0 is the only writer, so the plain POSIX driver, never MPI-IO.
  handle fapl = own(H5Pcreate(H5P_FILE_ACCESS), "H5Pcreate", where);
  check(H5Pset_fapl_sec2(fapl), "H5Pset_fapl_sec2", where);
#if H5_VERSION_GE(1, 12, 1) || (H5_VERSION_GE(1, 10, 7) && !H5_VERSION_GE(1, 12, 0))
  // HDF5 holds an exclusive flock while a file is open for writing, which would make
  // h5dump / h5py fail on the output of a running job. Readers that open a flushed
  // file see a consistent one; guarding against a second writer is the caller's job.
  check(H5Pset_file_locking(fapl, false, true), "H5Pset_file_locking", where);
#endif
  return fapl;
}

// Whole trailing dims and as many rows as fit the target; a row bigger than the target
// is split along the next dim in turn, so chunks stay bounded for any shape.
std::vector<hsize_t> chunk_dims(const std::vector<hsize_t>& dims, std::size_t element_bytes) {
  std::vector<hsize_t> chunk = dims, below(dims.size(), element_bytes);  // below[d]: bytes under one index of d
  for (std::size_t d = dims.size() - 1; d > 0; --d) below[d - 1] = below[d] * dims[d];
  for (std::size_t d = 0; d < dims.size(); ++d) {
    if (below[d] * dims[d] <= target_chunk_bytes) break;
    chunk[d] = std::max<hsize_t>(1, target_chunk_bytes / below[d]);
    if (below[d] <= target_chunk_bytes) break;
  }
  return chunk;
}

void make_dataset(hid_t file, const std::string& path, hid_t type, hid_t space, hid_t dcpl, const std::string& where) {
  handle lcpl = detail::h5::link_creation(where);
  own(H5Dcreate2(file, c_path(path), type, space, lcpl, dcpl, H5P_DEFAULT), "H5Dcreate2", where);
}

void make_column(hid_t file, const std::string& path, hid_t type, const std::string& where) {
  const hsize_t unlimited = H5S_UNLIMITED;
  handle space = simple_space({0}, where, &unlimited);
  handle dcpl = own(H5Pcreate(H5P_DATASET_CREATE), "H5Pcreate", where);
  check(H5Pset_chunk(dcpl, 1, &column_chunk), "H5Pset_chunk", where);
  make_dataset(file, path, type, space, dcpl, where);
}

std::string attribute_where(const std::string& file_path, const std::string& object, const std::string& name) {
  return file_path + ":" + c_path(object) + " attribute '" + name + "'";
}

handle open_attribute(hid_t file, const std::string& object_path, const std::string& name, const std::string& where) {
  return own(H5Aopen_by_name(file, c_path(object_path), name.c_str(), H5P_DEFAULT, H5P_DEFAULT),
             "H5Aopen_by_name", where);
}

template <class T>
std::vector<T> read_numbers(hid_t file, const std::string& object_path, const std::string& name,
                            const std::string& where) {
  handle attribute = open_attribute(file, object_path, name, where);
  handle space = own(H5Aget_space(attribute), "H5Aget_space", where);
  std::vector<T> values(element_count(space, where));
  if (!values.empty()) check(H5Aread(attribute, h5_type<T>(), values.data()), "H5Aread", where);
  return values;
}

template <class T>
T only(std::vector<T> values, const std::string& where) {
  if (values.size() != 1)
    throw hdf5_error("H5Aread", where + ": holds " + std::to_string(values.size()) + " values, not one");
  return values.front();
}

}  // namespace

run_file run_file::create(const std::string& path) {
  detail::h5::quiet();
  handle fapl = serial_access(path);
  // EXCL: replacing an earlier run's output is the caller's decision, never ours.
  const hid_t id = check(H5Fcreate(path.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, fapl), "H5Fcreate", path);
  return run_file(path, id);
}

run_file run_file::open(const std::string& path, bool writable) {
  detail::h5::quiet();
  handle fapl = serial_access(path);
  const hid_t id = check(H5Fopen(path.c_str(), writable ? H5F_ACC_RDWR : H5F_ACC_RDONLY, fapl), "H5Fopen", path);
  return run_file(path, id);
}

run_file::run_file(run_file&& other) noexcept : path_(std::move(other.path_)), id_(std::exchange(other.id_, -1)) {}

run_file& run_file::operator=(run_file&& other) noexcept {
  if (this != &other) {
    handle(std::exchange(id_, std::exchange(other.id_, -1))).reset();
    path_ = std::move(other.path_);
  }
  return *this;
}

run_file::~run_file() { handle(id_).reset(); }

std::int64_t run_file::file_id() const {
  if (id_ < 0) throw hdf5_error("run_file", path_ + ": the file is closed");
  detail::h5::quiet();  // this thread may not be the one that opened the file
  return id_;
}

void run_file::flush() { check(H5Fflush(file_id(), H5F_SCOPE_LOCAL), "H5Fflush", path_); }

void run_file::close() {
  if (id_ >= 0) handle(std::exchange(id_, -1)).close(path_);
}

bool run_file::exists(const std::string& path) { return detail::h5::link_exists(file_id(), path, where(path)); }

void run_file::write_attribute(const std::string& object_path, const std::string& name, std::int64_t type,
                               std::int64_t space, const void* data) {
  const std::string at = attribute_where(path_, object_path, name);
  handle object = detail::h5::open_object(file_id(), object_path, true, at);
  detail::h5::replace_attribute(object, name, type, space, data, at);
}

void run_file::set_attribute(const std::string& object_path, const std::string& name, const std::string& value) {
  const char* text = value.c_str();
  write_attribute(object_path, name, detail::h5::string_type(), scalar_space(path_), &text);
}

void run_file::set_attribute(const std::string& object_path, const std::string& name, const char* value) {
  set_attribute(object_path, name, std::string(value));
}

void run_file::set_attribute(const std::string& object_path, const std::string& name, std::int64_t value) {
  write_attribute(object_path, name, H5T_NATIVE_INT64, scalar_space(path_), &value);
}

void run_file::set_attribute(const std::string& object_path, const std::string& name, std::uint64_t value) {
  write_attribute(object_path, name, H5T_NATIVE_UINT64, scalar_space(path_), &value);
}

void run_file::set_attribute(const std::string& object_path, const std::string& name, double value) {
  write_attribute(object_path, name, H5T_NATIVE_DOUBLE, scalar_space(path_), &value);
}

void run_file::set_attribute(const std::string& object_path, const std::string& name,
                             const std::vector<std::string>& value) {
  std::vector<const char*> text(std::max<std::size_t>(value.size(), 1), "");  // never a null buffer
  std::transform(value.begin(), value.end(), text.begin(), [](const std::string& item) { return item.c_str(); });
  write_attribute(object_path, name, detail::h5::string_type(), simple_space({value.size()}, path_), text.data());
}

void run_file::set_attribute(const std::string& object_path, const std::string& name,
                             const std::vector<std::int64_t>& value) {
  const std::int64_t none = 0;  // H5Awrite refuses a null buffer even for no elements
  write_attribute(object_path, name, H5T_NATIVE_INT64, simple_space({value.size()}, path_),
                  value.empty() ? &none : value.data());
}

bool run_file::has_attribute(const std::string& object_path, const std::string& name) {
  const std::string at = attribute_where(path_, object_path, name);
  if (!detail::h5::link_exists(file_id(), object_path, at)) return false;
  return check(H5Aexists_by_name(file_id(), c_path(object_path), name.c_str(), H5P_DEFAULT),
               "H5Aexists_by_name", at) > 0;
}

std::vector<std::string> run_file::strings_attribute(const std::string& object_path, const std::string& name) {
  const std::string at = attribute_where(path_, object_path, name);
  handle attribute = open_attribute(file_id(), object_path, name, at);
  handle type = own(H5Aget_type(attribute), "H5Aget_type", at);
  handle space = own(H5Aget_space(attribute), "H5Aget_space", at);
  return detail::h5::read_strings(type, element_count(space, at), at, [&](hid_t memory_type, void* buffer) {
    check(H5Aread(attribute, memory_type, buffer), "H5Aread", at);
  });
}

std::string run_file::string_attribute(const std::string& object_path, const std::string& name) {
  return only(strings_attribute(object_path, name), attribute_where(path_, object_path, name));
}

std::int64_t run_file::int_attribute(const std::string& object_path, const std::string& name) {
  return only(ints_attribute(object_path, name), attribute_where(path_, object_path, name));
}

std::uint64_t run_file::uint_attribute(const std::string& object_path, const std::string& name) {
  const std::string at = attribute_where(path_, object_path, name);
  return only(read_numbers<std::uint64_t>(file_id(), object_path, name, at), at);
}

double run_file::real_attribute(const std::string& object_path, const std::string& name) {
  const std::string at = attribute_where(path_, object_path, name);
  return only(read_numbers<double>(file_id(), object_path, name, at), at);
}

std::vector<std::int64_t> run_file::ints_attribute(const std::string& object_path, const std::string& name) {
  return read_numbers<std::int64_t>(file_id(), object_path, name, attribute_where(path_, object_path, name));
}

template <class T>
void run_file::create_dataset(const std::string& path, std::vector<std::uint64_t> dims, T fill_value) {
  const std::string at = where(path);
  const std::vector<hsize_t> shape(dims.begin(), dims.end());
  handle space = shape.empty() ? scalar_space(at) : simple_space(shape, at);
  handle dcpl = own(H5Pcreate(H5P_DATASET_CREATE), "H5Pcreate", at);
  // A fixed dim of 0 admits no chunk (chunk dims must be >= 1 and <= the dims), and an
  // empty dataset needs none: only non-empty ones get chunked.
  if (!shape.empty() && std::find(shape.begin(), shape.end(), 0) == shape.end()) {
    const std::vector<hsize_t> chunk = chunk_dims(shape, sizeof(T));
    check(H5Pset_chunk(dcpl, static_cast<int>(chunk.size()), chunk.data()), "H5Pset_chunk", at);
  }
  check(H5Pset_fill_value(dcpl, h5_type<T>(), &fill_value), "H5Pset_fill_value", at);
  make_dataset(file_id(), path, h5_type<T>(), space, dcpl, at);
}

template <class T>
void run_file::write_rows(const std::string& path, std::uint64_t first_row, std::uint64_t rows, const T* data) {
  const std::string at = where(path);
  handle dataset = open_dataset(file_id(), path, at);
  handle space = own(H5Dget_space(dataset), "H5Dget_space", at);
  std::vector<hsize_t> count = extent(space, at);
  if (count.empty() || first_row > count[0] || rows > count[0] - first_row)
    throw hdf5_error("H5Dwrite", at + ": rows [" + std::to_string(first_row) + ", " +
                                     std::to_string(first_row + rows) + ") outside its " +
                                     (count.empty() ? "scalar" : std::to_string(count[0]) + " rows"));
  if (rows == 0) return;
  std::vector<hsize_t> start(count.size(), 0);
  start[0] = first_row;
  count[0] = rows;
  detail::h5::write_block(dataset, space, h5_type<T>(), start, count, data, at);
}

template <class T>
void run_file::write_at(const std::string& path, std::uint64_t index, const T* data, std::size_t n) {
  detail::h5::write_1d(file_id(), path, h5_type<T>(), index, data, n, false, where(path));
}

template <class T>
std::vector<T> run_file::read_all(const std::string& path) {
  const std::string at = where(path);
  handle dataset = open_dataset(file_id(), path, at);
  handle space = own(H5Dget_space(dataset), "H5Dget_space", at);
  std::vector<T> values(element_count(space, at));
  if (!values.empty())
    check(H5Dread(dataset, h5_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), "H5Dread", at);
  return values;
}

std::vector<std::uint64_t> run_file::dims(const std::string& path) {
  const std::string at = where(path);
  handle dataset = open_dataset(file_id(), path, at);
  handle space = own(H5Dget_space(dataset), "H5Dget_space", at);
  const std::vector<hsize_t> shape = extent(space, at);
  return {shape.begin(), shape.end()};
}

void run_file::copy_rows(run_file& source, const std::string& path, std::uint64_t first_row, std::uint64_t rows) {
  const std::string from = source.where(path);
  const std::string to = where(path);
  handle source_dataset = open_dataset(source.file_id(), path, from);
  handle source_space = own(H5Dget_space(source_dataset), "H5Dget_space", from);
  handle target_dataset = open_dataset(file_id(), path, to);
  handle target_space = own(H5Dget_space(target_dataset), "H5Dget_space", to);
  std::vector<hsize_t> count = extent(source_space, from);
  const std::vector<hsize_t> target_dims = extent(target_space, to);
  if (count.empty() || target_dims.size() != count.size() ||
      !std::equal(count.begin() + 1, count.end(), target_dims.begin() + 1))
    throw hdf5_error("H5Dread", from + ": its shape does not match " + to);
  if (first_row > std::min(count[0], target_dims[0]) || rows > std::min(count[0], target_dims[0]) - first_row)
    throw hdf5_error("H5Dread", from + ": rows [" + std::to_string(first_row) + ", " +
                                    std::to_string(first_row + rows) + ") outside it or " + to);
  if (rows == 0) return;
  handle file_type = own(H5Dget_type(source_dataset), "H5Dget_type", from);
  handle memory_type = own(H5Tget_native_type(file_type, H5T_DIR_ASCEND), "H5Tget_native_type", from);
  const std::size_t element_bytes = H5Tget_size(memory_type);
  if (element_bytes == 0) detail::h5::fail("H5Tget_size", from);
  std::vector<hsize_t> start(count.size(), 0);
  start[0] = first_row;
  count[0] = rows;
  handle memory = simple_space(count, from);
  std::size_t elements = 1;
  for (hsize_t c : count) elements *= c;
  std::vector<unsigned char> buffer(elements * element_bytes);
  check(H5Sselect_hyperslab(source_space, H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr),
        "H5Sselect_hyperslab", from);
  check(H5Dread(source_dataset, memory_type, memory, source_space, H5P_DEFAULT, buffer.data()), "H5Dread", from);
  // Variable-length elements (strings) were malloc'ed by HDF5: give them back whatever happens.
  const bool variable = check(H5Tdetect_class(memory_type, H5T_VLEN), "H5Tdetect_class", from) > 0 ||
                        (H5Tget_class(memory_type) == H5T_STRING &&
                         check(H5Tis_variable_str(memory_type), "H5Tis_variable_str", from) > 0);
  struct reclaimer {
    bool active;
    hid_t type, space;
    void* data;
    ~reclaimer() {
      if (active) detail::h5::reclaim(type, space, data);
    }
  } guard{variable, memory_type, memory, buffer.data()};
  detail::h5::write_block(target_dataset, target_space, memory_type, start, count, buffer.data(), to);
}

std::vector<std::string> run_file::datasets_in(const std::string& path) {
  const std::string at = where(path);
  std::vector<std::string> names;
  if (!exists(path)) return names;
  handle group = own(H5Gopen2(file_id(), detail::h5::c_path(path), H5P_DEFAULT), "H5Gopen2", at);
  auto collect = [](hid_t, const char* name, const H5L_info_t*, void* out) -> herr_t {
    static_cast<std::vector<std::string>*>(out)->emplace_back(name);
    return 0;
  };
  hsize_t position = 0;
  check(H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, &position, collect, &names), "H5Literate", at);
  std::erase_if(names, [&](const std::string& name) {
    const std::string child = (path.empty() || path == "/" ? "" : path) + "/" + name;
    handle object = own(H5Oopen(file_id(), child.c_str(), H5P_DEFAULT), "H5Oopen", where(child));
    return H5Iget_type(object) != H5I_DATASET;
  });
  return names;
}

template <class T>
void run_file::create_column(const std::string& path) {
  make_column(file_id(), path, h5_type<T>(), where(path));
}

template <class T>
void run_file::append(const std::string& path, const T* data, std::size_t n) {
  detail::h5::write_1d(file_id(), path, h5_type<T>(), 0, data, n, true, where(path));
}

void run_file::create_string_column(const std::string& path) {
  make_column(file_id(), path, detail::h5::string_type(), where(path));
}

void run_file::append_strings(const std::string& path, const std::vector<std::string>& values) {
  std::vector<const char*> text(values.size());
  std::transform(values.begin(), values.end(), text.begin(), [](const std::string& item) { return item.c_str(); });
  detail::h5::write_1d(file_id(), path, detail::h5::string_type(), 0, text.data(), text.size(), true, where(path));
}

run_file::element_kind run_file::kind_of(const std::string& path) {
  const std::string at = where(path);
  handle dataset = open_dataset(file_id(), path, at);
  handle type = own(H5Dget_type(dataset), "H5Dget_type", at);
  switch (H5Tget_class(type)) {
    case H5T_INTEGER:
      return H5Tget_sign(type) == H5T_SGN_NONE ? element_kind::unsigned_integer : element_kind::signed_integer;
    case H5T_FLOAT:
      return element_kind::real;
    case H5T_STRING:
      return element_kind::string;
    default:
      return element_kind::other;
  }
}

std::vector<std::string> run_file::read_strings(const std::string& path) {
  const std::string at = where(path);
  handle dataset = open_dataset(file_id(), path, at);
  handle type = own(H5Dget_type(dataset), "H5Dget_type", at);
  handle space = own(H5Dget_space(dataset), "H5Dget_space", at);
  return detail::h5::read_strings(type, element_count(space, at), at, [&](hid_t memory_type, void* buffer) {
    check(H5Dread(dataset, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer), "H5Dread", at);
  });
}

#define RANKPOOL_RUN_FILE_INSTANTIATE(T)                                                             \
  template void run_file::create_dataset<T>(const std::string&, std::vector<std::uint64_t>, T);      \
  template void run_file::write_rows<T>(const std::string&, std::uint64_t, std::uint64_t, const T*); \
  template void run_file::write_at<T>(const std::string&, std::uint64_t, const T*, std::size_t);     \
  template std::vector<T> run_file::read_all<T>(const std::string&);                                 \
  template void run_file::create_column<T>(const std::string&);                                      \
  template void run_file::append<T>(const std::string&, const T*, std::size_t);
RANKPOOL_RUN_FILE_INSTANTIATE(std::uint8_t)
RANKPOOL_RUN_FILE_INSTANTIATE(std::uint16_t)
RANKPOOL_RUN_FILE_INSTANTIATE(std::uint32_t)
RANKPOOL_RUN_FILE_INSTANTIATE(std::uint64_t)
RANKPOOL_RUN_FILE_INSTANTIATE(std::int32_t)
RANKPOOL_RUN_FILE_INSTANTIATE(std::int64_t)
RANKPOOL_RUN_FILE_INSTANTIATE(float)
RANKPOOL_RUN_FILE_INSTANTIATE(double)
#undef RANKPOOL_RUN_FILE_INSTANTIATE

}  // namespace rankpool
