#include "python_task.hpp"

#include <cstring>
#include <string>

namespace py = pybind11;

namespace rankpool::python {
namespace {

void append_buffer(const py::handle& part, byte_buffer& out) {
  if (PyBytes_Check(part.ptr())) {  // a value without out-of-band buffers: one bytes object
    const char* data = PyBytes_AS_STRING(part.ptr());
    out.insert(out.end(), data, data + PyBytes_GET_SIZE(part.ptr()));
    return;
  }
  const py::buffer_info info = py::reinterpret_borrow<py::buffer>(part).request();
  const auto bytes = static_cast<std::size_t>(info.size * info.itemsize);
  const std::size_t at = out.size();
  out.resize(at + bytes);
  if (bytes > 0) std::memcpy(out.data() + at, info.ptr, bytes);
}

}  // namespace

void python_task::operator()(chunk_items& items) const {
  py::gil_scoped_acquire gil;
  // Chunks run on threads Python did not start: without this, every chunk would create
  // and destroy the thread's Python state (tens of microseconds). Kept until the thread ends.
  static thread_local const bool keeps_thread_state = (gil.inc_ref(), true);
  (void)keeps_thread_state;
  for (std::uint32_t i = 0; i < items.size(); ++i) {
    items.start(i);
    const byte_view input = items.input(i);
    PyObject* bytes = PyByteArray_FromStringAndSize(input.data(), static_cast<Py_ssize_t>(input.size()));
    if (bytes == nullptr) throw py::error_already_set();
    py::tuple outcome = run_item_(py::reinterpret_steal<py::object>(bytes));
    if (outcome[0].cast<bool>()) {
      byte_buffer& out = items.result(i);
      const py::handle value = outcome[1];
      if (PyBytes_Check(value.ptr())) {
        append_buffer(value, out);
      } else {
        for (const py::handle part : value) append_buffer(part, out);
      }
    } else {
      items.fail(i, outcome[1].cast<std::string>(), outcome[2].cast<std::string>());
    }
  }
}

}  // namespace rankpool::python
