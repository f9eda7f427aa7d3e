#include "rankpool/detail/h5.hpp"

#include <cstring>

#include "rankpool/hdf5_error.hpp"

namespace rankpool::detail::h5 {
namespace {

herr_t keep_innermost(unsigned n, const H5E_error2_t* entry, void* out) {
  // Walking upward starts at the entry pushed first: the routine that actually failed,
  // which says why (errno, "file exists", ...); the outer ones only say "unable to ...".
  if (n == 0 && entry->desc != nullptr) *static_cast<std::string*>(out) = entry->desc;
  return 0;
}

struct closer {
  herr_t (*close)(hid_t);
  const char* call;
};

closer closer_for(hid_t id) noexcept {
  switch (H5Iget_type(id)) {
    case H5I_FILE: return {H5Fclose, "H5Fclose"};
    case H5I_GROUP: return {H5Gclose, "H5Gclose"};
    case H5I_DATASET: return {H5Dclose, "H5Dclose"};
    case H5I_ATTR: return {H5Aclose, "H5Aclose"};
    case H5I_DATATYPE: return {H5Tclose, "H5Tclose"};
    case H5I_DATASPACE: return {H5Sclose, "H5Sclose"};
    case H5I_GENPROP_LST: return {H5Pclose, "H5Pclose"};
    default: return {[](hid_t other) -> herr_t { return H5Idec_ref(other) < 0 ? -1 : 0; }, "H5Idec_ref"};
  }
}

}  // namespace

herr_t reclaim(hid_t type, hid_t space, void* buffer) {
#if H5_VERSION_GE(1, 12, 0)
  return H5Treclaim(type, space, H5P_DEFAULT, buffer);
#else
  return H5Dvlen_reclaim(type, space, H5P_DEFAULT, buffer);
#endif
}

void fail(const char* call, const std::string& where) {
  // Must run before any other HDF5 call: each API entry clears the stack.
  std::string message;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, keep_innermost, &message);
  throw hdf5_error(call, message.empty() ? where : where + " (" + message + ")");
}

void handle::reset() noexcept {
  if (id_ >= 0) closer_for(id_).close(id_);
  id_ = H5I_INVALID_HID;
}

void handle::close(const std::string& where) {
  if (id_ < 0) return;
  const hid_t id = std::exchange(id_, H5I_INVALID_HID);
  const closer how = closer_for(id);
  check(how.close(id), how.call, where);
}

void quiet() noexcept {
  // Per thread because a thread-safe HDF5 build keeps one error stack per thread.
  thread_local bool done = false;
  if (done) return;
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  done = true;
}

handle string_type() {
  handle type = own(H5Tcopy(H5T_C_S1), "H5Tcopy", "variable-length string type");
  check(H5Tset_size(type, H5T_VARIABLE), "H5Tset_size", "variable-length string type");
  check(H5Tset_cset(type, H5T_CSET_UTF8), "H5Tset_cset", "variable-length string type");
  return type;
}

handle scalar_space(const std::string& where) { return own(H5Screate(H5S_SCALAR), "H5Screate", where); }

handle link_creation(const std::string& where) {
  handle lcpl = own(H5Pcreate(H5P_LINK_CREATE), "H5Pcreate", where);
  check(H5Pset_create_intermediate_group(lcpl, 1), "H5Pset_create_intermediate_group", where);
  check(H5Pset_char_encoding(lcpl, H5T_CSET_UTF8), "H5Pset_char_encoding", where);
  return lcpl;
}

handle simple_space(const std::vector<hsize_t>& dims, const std::string& where, const hsize_t* max_dims) {
  return own(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), max_dims), "H5Screate_simple", where);
}

std::vector<hsize_t> extent(hid_t space, const std::string& where) {
  const int rank = check(H5Sget_simple_extent_ndims(space), "H5Sget_simple_extent_ndims", where);
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  check(H5Sget_simple_extent_dims(space, dims.data(), nullptr), "H5Sget_simple_extent_dims", where);
  return dims;
}

std::size_t element_count(hid_t space, const std::string& where) {
  return static_cast<std::size_t>(check(H5Sget_simple_extent_npoints(space), "H5Sget_simple_extent_npoints", where));
}

bool link_exists(hid_t file, const std::string& path, const std::string& where) {
  // One link at a time, because H5Lexists fails instead of answering false for "/a/b"
  // when "/a" is missing or is a dataset.
  std::string prefix;
  for (std::size_t begin = 0; begin < path.size();) {
    std::size_t end = path.find('/', begin);
    if (end == std::string::npos) end = path.size();
    if (end > begin) {
      if (!prefix.empty()) {
        handle parent = own(H5Oopen(file, prefix.c_str(), H5P_DEFAULT), "H5Oopen", where);
        if (H5Iget_type(parent) != H5I_GROUP) return false;
      }
      prefix.append(1, '/').append(path, begin, end - begin);
      if (check(H5Lexists(file, prefix.c_str(), H5P_DEFAULT), "H5Lexists", where) == 0) return false;
    }
    begin = end + 1;
  }
  return true;
}

handle open_object(hid_t file, const std::string& path, bool create, const std::string& where) {
  if (create && !link_exists(file, path, where)) {
    handle lcpl = link_creation(where);
    return own(H5Gcreate2(file, c_path(path), lcpl, H5P_DEFAULT, H5P_DEFAULT), "H5Gcreate2", where);
  }
  return own(H5Oopen(file, c_path(path), H5P_DEFAULT), "H5Oopen", where);
}

void write_block(hid_t dataset, hid_t file_space, hid_t type, const std::vector<hsize_t>& start,
                 const std::vector<hsize_t>& count, const void* data, const std::string& where) {
  check(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr),
        "H5Sselect_hyperslab", where);
  handle memory = simple_space(count, where);
  check(H5Dwrite(dataset, type, memory, file_space, H5P_DEFAULT, data), "H5Dwrite", where);
}

handle open_dataset(hid_t file, const std::string& path, const std::string& where) {
  return own(H5Dopen2(file, c_path(path), H5P_DEFAULT), "H5Dopen2", where);
}

void write_1d(hid_t file, const std::string& path, hid_t type, std::uint64_t index, const void* data, std::size_t n,
              bool grow, const std::string& where) {
  handle dataset = open_dataset(file, path, where);
  handle space = own(H5Dget_space(dataset), "H5Dget_space", where);
  const std::vector<hsize_t> dims = extent(space, where);
  if (dims.size() != 1) throw hdf5_error("H5Dwrite", where + ": not a 1-D dataset");
  if (grow) {
    index = dims[0];
    const hsize_t size = dims[0] + n;
    check(H5Dset_extent(dataset, &size), "H5Dset_extent", where);
    space = own(H5Dget_space(dataset), "H5Dget_space", where);
  } else if (index > dims[0] || n > dims[0] - index) {
    throw hdf5_error("H5Dwrite", where + ": elements [" + std::to_string(index) + ", " + std::to_string(index + n) +
                                     ") outside its " + std::to_string(dims[0]));
  }
  if (n > 0) write_block(dataset, space, type, {index}, {n}, data, where);
}

std::vector<std::string> read_strings(hid_t file_type, std::size_t n, const std::string& where,
                                      const std::function<void(hid_t, void*)>& read) {
  std::vector<std::string> values;
  if (n == 0) return values;
  values.reserve(n);
  if (check(H5Tis_variable_str(file_type), "H5Tis_variable_str", where) > 0) {
    handle type = string_type();
    handle space = simple_space({n}, where);
    std::vector<char*> text(n, nullptr);
    read(static_cast<hid_t>(type), text.data());
    // HDF5 malloc'ed every string: give them back even if copying them throws.
    struct reclaimer {
      hid_t type, space;
      std::vector<char*>& text;
      ~reclaimer() { reclaim(type, space, text.data()); }
    } guard{type, space, text};
    for (const char* value : text) values.emplace_back(value != nullptr ? value : "");
    return values;
  }
  const std::size_t size = H5Tget_size(file_type);
  if (size == 0) fail("H5Tget_size", where);
  handle type = own(H5Tcopy(H5T_C_S1), "H5Tcopy", where);
  check(H5Tset_size(type, size + 1), "H5Tset_size", where);  // + 1: room for the terminator
  std::vector<char> text(n * (size + 1));
  read(static_cast<hid_t>(type), text.data());
  for (std::size_t i = 0; i < n; ++i) values.emplace_back(&text[i * (size + 1)], strnlen(&text[i * (size + 1)], size));
  return values;
}

void replace_attribute(hid_t object, const std::string& name, hid_t type, hid_t space, const void* data,
                       const std::string& where) {
  // Attributes cannot be resized or retyped in place: replace the old one.
  if (check(H5Aexists(object, name.c_str()), "H5Aexists", where) > 0)
    check(H5Adelete(object, name.c_str()), "H5Adelete", where);
  handle attribute =
      own(H5Acreate2(object, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), "H5Acreate2", where);
  check(H5Awrite(attribute, type, data), "H5Awrite", where);
}

}  // namespace rankpool::detail::h5
