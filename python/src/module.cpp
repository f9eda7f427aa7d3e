/// rankpool._core: the engine as the pure-Python package (python/rankpool/) sees it.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>

#include "engine.hpp"
#include "rankpool/error.hpp"
#include "rankpool/version.hpp"

namespace py = pybind11;
using rankpool::python::engine;

namespace {

/// An item's bytes from what Python built (_wire.dump_call): one bytes object, or the
/// buffers it is made of (header, pickle, out-of-band buffers), joined here in one copy.
std::string join_parts(const py::handle& parts) {
  if (PyBytes_Check(parts.ptr()))
    return {PyBytes_AS_STRING(parts.ptr()), static_cast<std::size_t>(PyBytes_GET_SIZE(parts.ptr()))};
  std::vector<py::buffer_info> infos;
  std::size_t total = 0;
  for (const py::handle part : parts) {
    infos.push_back(py::reinterpret_borrow<py::buffer>(part).request());
    total += static_cast<std::size_t>(infos.back().size * infos.back().itemsize);
  }
  std::string out(total, '\0');
  std::size_t at = 0;
  for (const auto& info : infos) {
    const auto bytes = static_cast<std::size_t>(info.size * info.itemsize);
    if (bytes > 0) std::memcpy(out.data() + at, info.ptr, bytes);
    at += bytes;
  }
  return out;
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "rankpool's C++ engine (MPI + task pool) for the rankpool package";
  py::register_exception<rankpool::error>(m, "EngineError", PyExc_RuntimeError);
  m.attr("version") = rankpool::version;

  py::class_<engine>(m, "Engine")
      .def(py::init<py::object>(), py::arg("run_item"))
      .def_property_readonly("rank", &engine::rank)
      .def_property_readonly("size", &engine::size)
      .def_property_readonly("hosts", &engine::hosts)
      .def("serve", &engine::serve)
      .def("drive", &engine::drive, py::arg("deliver"), py::arg("on_rank_events"))
      .def(
          "submit",
          [](engine& self, std::uint64_t key, const py::list& items, std::uint32_t chunk, int retries, bool abort,
             bool timeline) {
            rankpool::python::submission s;
            s.key = key;
            s.timeline = timeline;
            s.items.reserve(items.size());
            for (const py::handle parts : items) s.items.push_back(join_parts(parts));
            s.options.chunking =
                chunk == 0 ? rankpool::chunk_policy::automatic() : rankpool::chunk_policy::fixed(chunk);
            s.options.retries = retries;
            s.options.on_error = abort ? rankpool::error_policy::abort : rankpool::error_policy::keep_going;
            py::gil_scoped_release released;
            self.submit(std::move(s));
          },
          py::arg("key"), py::arg("items"), py::arg("chunk"), py::arg("retries"), py::arg("abort"),
          py::arg("timeline") = false)
      .def("close", &engine::close)
      .def("finalize", &engine::finalize);
}
