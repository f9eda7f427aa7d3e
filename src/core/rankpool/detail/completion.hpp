#pragma once
/// What the scheduler hands back to the driver: one event per returned chunk, and one
/// when a batch has nothing more to say.
#include <cstdint>
#include <utility>
#include <vector>

#include "rankpool/codec.hpp"
#include "rankpool/detail/wire.hpp"

namespace rankpool::detail {

enum item_state : std::uint8_t { item_ok = 0, item_failed = 1, item_retrying = 2 };

struct completion {
  enum class kind { chunk, batch_finished };
  kind what = kind::chunk;
  std::uint64_t batch_id = 0;
  std::uint64_t first = 0;
  std::uint32_t count = 0;
  std::uint32_t attempt = 1;
  wire::result_header header{};
  std::vector<std::uint8_t> states;            ///< item_state per item; empty when every item succeeded
  std::vector<wire::failure_record> failures;  ///< final failures only
  byte_buffer message;                         ///< the result message, owning the body
  std::size_t body_offset = 0;
  std::uint64_t cancelled = 0;  ///< batch_finished: items that never ran

  byte_view body() const { return byte_view(message).subspan(body_offset); }
  bool item_ok_at(std::uint32_t i) const { return states.empty() || states[i] == item_ok; }
};

/// Calls sink(i, value) for every successful item of a returned chunk.
template <class R, class Sink>
void for_each_result(const completion& c, Sink&& sink) {
  wire::decode_results<R>(
      c.header.layout, c.count, c.body(), [&c](std::uint32_t i) { return c.item_ok_at(i); }, std::forward<Sink>(sink));
}

}  // namespace rankpool::detail
