#pragma once
/// What the scheduler hands back to the driver: one event per returned chunk, one when
/// a batch has nothing more to say, and one when a rank stops or starts answering again.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "rankpool/codec.hpp"
#include "rankpool/detail/wire.hpp"

namespace rankpool::detail {

enum item_state : std::uint8_t { item_ok = 0, item_failed = 1, item_retrying = 2 };

/// Why a chunk ran: as handed out, again after its rank was lost, or as a speculative
/// copy of a chunk running late elsewhere.
enum class chunk_run : std::uint8_t { first = 0, rerun = 1, speculative = 2 };

struct completion {
  enum class kind {
    chunk,           ///< a chunk's results (or, with no message, items given up for good)
    duplicate,       ///< a second copy of a chunk came back: its results are discarded
    batch_finished,  ///< the batch has nothing more to say
    rank_lost,       ///< a rank stopped answering or crashed: its chunks run elsewhere
    rank_rejoined,   ///< a rank that stopped answering answered again
  };
  kind what = kind::chunk;
  std::uint64_t batch_id = 0;
  std::uint64_t first = 0;
  std::uint32_t count = 0;
  std::uint32_t attempt = 1;
  chunk_run run = chunk_run::first;
  wire::result_header header{};
  std::vector<std::uint8_t> states;            ///< item_state per item; empty when every item succeeded
  std::vector<wire::failure_record> failures;  ///< final failures only
  byte_buffer message;                         ///< the result message, owning the body
  std::size_t body_offset = 0;
  std::uint64_t cancelled = 0;  ///< batch_finished: items that never ran
  int rank = -1;                ///< rank_lost, rank_rejoined
  double seconds = 0;           ///< rank_lost, rank_rejoined: when, in seconds since the pool started
  std::string reason;           ///< rank_lost: why ("no result for 6.2 s", "crashed with signal 11")

  byte_view body() const { return byte_view(message).subspan(body_offset); }
  bool item_ok_at(std::uint32_t i) const { return states.empty() || states[i] == item_ok; }
};

/// Calls sink(i, value) for every successful item of a returned chunk.
template <class R, class Sink>
void for_each_result(const completion& c, Sink&& sink) {
  if (c.message.empty()) return;  // items given up without a result message
  wire::decode_results<R>(
      c.header.layout, c.count, c.body(), [&c](std::uint32_t i) { return c.item_ok_at(i); }, std::forward<Sink>(sink));
}

}  // namespace rankpool::detail
