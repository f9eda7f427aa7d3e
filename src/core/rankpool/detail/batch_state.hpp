#pragma once
/// Driver-side bookkeeping of one batch (a map, a submit, a map_reduce).
#include <functional>
#include <string>
#include <vector>

#include "rankpool/detail/scheduler.hpp"

namespace rankpool {

/// A task that failed its last attempt: where, why, and how often it was tried.
struct task_failure {
  std::uint64_t index = 0;
  std::string message;
  std::uint32_t attempts = 1;
};

namespace detail {

struct batch_state {
  std::uint64_t count = 0;
  std::uint64_t succeeded = 0;
  std::uint64_t failed = 0;
  std::uint64_t cancelled = 0;
  bool finished = false;
  std::vector<task_failure> failures;
  /// Typed handling of a chunk's results (decode, store, call back).
  std::function<void(const completion&)> on_chunk;
  /// Called once, after the last chunk.
  std::function<void()> on_finished;
};

/// Calls sink(i, value) for every successful item of a chunk, decoding per the wire layout.
template <class R, class Sink>
void for_each_result(const completion& c, Sink&& sink) {
  const byte_view body = c.body();
  switch (c.header.layout) {
    case fixed_results:
      if constexpr (codec<R>::fixed_size) {
        if (body.size() != std::size_t{c.count} * sizeof(R)) throw error("rankpool wire: result size mismatch");
        for (std::uint32_t i = 0; i < c.count; ++i)
          if (c.item_ok_at(i)) sink(i, codec<R>::decode(body.subspan(std::size_t{i} * sizeof(R), sizeof(R))));
        return;
      }
      break;
    case variable_results: {
      wire_reader reader(body);
      std::vector<std::uint64_t> offsets(std::size_t{c.count} + 1);
      for (auto& o : offsets) o = reader.get<std::uint64_t>();
      const byte_view bytes = reader.rest();
      if (offsets.back() > bytes.size()) throw error("rankpool wire: results are truncated");
      for (std::uint32_t i = 0; i < c.count; ++i)
        if (c.item_ok_at(i)) sink(i, codec<R>::decode(bytes.subspan(offsets[i], offsets[i + 1] - offsets[i])));
      return;
    }
    default:
      break;
  }
  throw error("rankpool wire: unexpected result layout " + std::to_string(c.header.layout));
}

}  // namespace detail
}  // namespace rankpool
