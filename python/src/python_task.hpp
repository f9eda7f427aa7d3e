#pragma once
/// The one task every rank defines for Python: a chunk of pickled calls, run by a Python
/// function while this thread holds the GIL once for the whole chunk (no hand-over per item).
#include <pybind11/pybind11.h>

#include "rankpool/chunk_task.hpp"

namespace rankpool::python {

/// Calls `run_item(bytearray) -> (True, bytes | [buffers...]) | (False, type, message)` for each
/// item (rankpool/_wire.py). The item's bytes are copied once into a bytearray the call
/// owns, so unpickled numpy arrays are writable and outlive the chunk message; the result
/// buffers are copied once into the result message.
class python_task {
 public:
  explicit python_task(pybind11::object run_item) : run_item_(std::move(run_item)) {}
  void operator()(chunk_items& items) const;

 private:
  pybind11::object run_item_;
};

}  // namespace rankpool::python
