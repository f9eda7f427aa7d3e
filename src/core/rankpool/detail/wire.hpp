#pragma once
/// The wire protocol between rank 0's scheduler and the executors: its tags, its
/// message layouts, and the encoding and decoding of each. Nothing else reads or
/// writes a message's bytes.
///
/// Control data travels as raw bytes (MPI_BYTE), never through Boost.Serialization;
/// ranks share byte order and ABI (one binary, one cluster). Values inside a message
/// are encoded by codec<T>.
///
///   chunk   header, then only for explicit inputs (count+1) uint64 offsets and the inputs
///   result  header; if failed > 0, count flag bytes and `failed` failure records
///           (item, type length, type, message length, message); then the body in its layout
///   stop    one byte: 1 if rank 0 lost a rank during the run (MPI_Finalize may then hang)
///   crash   crash_notice: a worker's last words, sent from its fatal-signal handler
///   alive   empty: rank 0 is still there
///
/// Decoding checks every length against the message and throws rankpool::error on a
/// truncated or malformed one. The hot paths allocate nothing: an index-range chunk is
/// its header alone, fixed-size results are copied straight into the body, and
/// decoding hands out views into the received message.
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "rankpool/codec.hpp"
#include "rankpool/error.hpp"

namespace rankpool::detail::wire {

enum class tag : int {
  chunk = 11,   ///< rank 0 -> executor: run these items
  result = 12,  ///< executor -> rank 0: what the items returned
  stop = 13,    ///< rank 0 -> executor: no more work, leave the serve loop
  crash = 14,   ///< executor -> rank 0: a task is killing this process (see crash_notice)
  /// Empty, both ways: rank 0 -> worker, rank 0 is alive (sent when it has sent nothing
  /// else for a while); worker -> rank 0, this rank is computing (a long task is no silence).
  alive = 15,
};

/// How often rank 0 tells an idle worker it is alive (and a computing worker tells rank
/// 0), and how long a worker waits without a word from rank 0 before it takes rank 0 for
/// dead and ends itself (under mpirun --enable-recovery nothing else would end it).
constexpr double alive_interval_seconds = 1;
constexpr double rank0_silence_limit_seconds = 15;

/// "chunk", "result" or "stop": for error messages naming an MPI call.
const char* tag_name(tag t) noexcept;

constexpr std::uint32_t no_reduction = 0xffffffffu;

struct chunk_header {
  std::uint64_t chunk_id;
  std::uint64_t first;       ///< index of the first item in its batch
  std::uint64_t index_base;  ///< index-range batches: the task sees index_base + first + item
  std::uint32_t count;
  std::uint32_t task_id;
  std::uint32_t reduction_id;  ///< no_reduction, or the reduction to fold results with
  std::uint32_t has_inputs;    ///< 1: (count+1) uint64 offsets, then the input bytes follow
};

enum result_layout : std::uint32_t {
  fixed_results = 1,     ///< count * item_bytes result bytes
  variable_results = 2,  ///< (count+1) uint64 offsets, then result bytes
  reduced_result = 3,    ///< one uint32 presence flag, then the partial reduction's bytes
};

struct result_header {
  std::uint64_t chunk_id;
  std::uint32_t count;
  std::uint32_t failed;  ///< items that threw; flags and failure records follow when > 0
  std::uint32_t layout;
  std::uint32_t item_bytes;  ///< for fixed_results
  std::uint32_t threads_used;
  std::uint32_t rank;
  double start_seconds;  ///< relative to the executor's epoch (aligned at start-up)
  double end_seconds;
  double busy_seconds;  ///< thread-seconds spent inside task calls
};

/// A task's exception as it travels: which item of the chunk, the exception's
/// (demangled) type and its what(). Rank 0 adds rank, host and attempts.
struct failure_record {
  std::uint32_t item = 0;
  std::string type;
  std::string message;
};

// ---- chunk ----

/// A chunk message as the executor reads it: views into the message.
struct chunk_view {
  chunk_header header{};
  byte_view offsets;  ///< (count+1) uint64 when has_inputs, validated by decode_chunk
  byte_view inputs;

  bool has_inputs() const noexcept { return header.has_inputs != 0; }
  byte_view input(std::uint32_t i) const noexcept {
    std::uint64_t at[2];
    std::memcpy(at, offsets.data() + std::size_t{i} * sizeof(std::uint64_t), sizeof at);
    return inputs.subspan(at[0], at[1] - at[0]);
  }
};

/// Writes a chunk's header into `out` (cleared first). An index-range chunk is complete
/// after it; an explicit-input chunk continues with encode_chunk_inputs.
void encode_chunk(const chunk_header& header, byte_buffer& out);

/// Appends the inputs [first, first+count) of an explicit-input chunk: their offsets, then their bytes.
template <class A>
void encode_chunk_inputs(const std::vector<A>& inputs, std::uint64_t first, std::uint32_t count, byte_buffer& out) {
  const std::size_t offsets_at = out.size();
  out.resize(offsets_at + (std::size_t{count} + 1) * sizeof(std::uint64_t));
  const std::size_t data_at = out.size();
  std::uint64_t offset = 0;
  std::memcpy(out.data() + offsets_at, &offset, sizeof offset);
  for (std::uint32_t i = 0; i < count; ++i) {
    codec<A>::encode(inputs[first + i], out);
    offset = out.size() - data_at;
    std::memcpy(out.data() + offsets_at + (std::size_t{i} + 1) * sizeof offset, &offset, sizeof offset);
  }
}

/// Reads a chunk message; throws rankpool::error if it is truncated or its offsets are not
/// a non-decreasing run within the message.
chunk_view decode_chunk(byte_view message);

// ---- result ----

/// Writes a result message into `out` (cleared first). `failed_flags` (one byte per item)
/// and `failures` are sent only when header.failed > 0; `body` is already in header.layout.
void encode_result(const result_header& header, std::span<const std::uint8_t> failed_flags,
                   const std::vector<failure_record>& failures, byte_view body, byte_buffer& out);

/// A result message as rank 0 reads it: the body and flags are views into the message.
struct result_view {
  result_header header{};
  byte_view failed_flags;  ///< header.count bytes (non-zero: the item failed) when header.failed > 0
  std::vector<failure_record> failures;
  std::size_t body_offset = 0;  ///< where the body starts in the message
  byte_view body;
};

/// Reads a result message; throws rankpool::error if it is truncated or inconsistent.
result_view decode_result(byte_view message);

// ---- stop ----

/// What a worker's fatal-signal handler tells rank 0 before the process dies: which
/// chunk and item it was running and the signal. Fixed size, so the handler writes it
/// without allocating.
struct crash_notice {
  std::uint64_t chunk_id;
  std::uint32_t item;    ///< the item within the chunk; no_item if the crash came between items
  std::int32_t signal;
};
constexpr std::uint32_t no_item = 0xffffffffu;
/// Throws rankpool::error unless `message` is exactly one crash_notice.
crash_notice decode_crash(byte_view message);

/// The stop message: one byte, whether rank 0 lost a rank during the run.
void encode_stop(byte_buffer& out, bool ranks_lost);
/// Whether rank 0 lost a rank; throws rankpool::error unless the message is one 0/1 byte.
bool decode_stop(byte_view message);

// ---- result bodies ----

/// The fixed_results body: the runner's threads write each value in place, no per-item buffer.
template <class R>
class fixed_results_writer {
 public:
  static_assert(codec<R>::fixed_size);
  static constexpr std::uint32_t layout = fixed_results;
  static constexpr std::uint32_t item_bytes = sizeof(R);

  fixed_results_writer(std::uint32_t count, byte_buffer& body) {
    body.clear();
    body.resize(std::size_t{count} * sizeof(R));
    base_ = body.data();
  }
  void set(std::uint32_t i, const R& value) const { codec<R>::encode_at(value, base_ + std::size_t{i} * sizeof(R)); }

 private:
  char* base_ = nullptr;
};

/// The variable_results body from each item's encoding (a failed item's is empty).
void encode_variable_results(const std::vector<byte_buffer>& items, byte_buffer& body);

/// The reduced_result body: a presence flag, then the chunk's partial fold if any item succeeded.
template <class R>
void encode_reduced_result(const std::optional<R>& partial, byte_buffer& body) {
  body.clear();
  const std::uint32_t present = partial.has_value() ? 1 : 0;
  codec<std::uint32_t>::encode(present, body);
  if (partial) codec<R>::encode(*partial, body);
}

/// Checks a variable_results body and returns the bytes its offsets point into.
byte_view checked_variable_bytes(byte_view body, std::uint32_t count);
/// Offset i of a variable_results body checked by checked_variable_bytes.
inline std::uint64_t variable_offset(byte_view body, std::uint32_t i) noexcept {
  std::uint64_t offset;
  std::memcpy(&offset, body.data() + std::size_t{i} * sizeof offset, sizeof offset);
  return offset;
}
[[noreturn]] void throw_unexpected_layout(std::uint32_t layout, const char* wanted);

/// Calls sink(i, value) for every item i < count of a fixed or variable body with is_ok(i).
template <class R, class IsOk, class Sink>
void decode_results(std::uint32_t layout, std::uint32_t count, byte_view body, IsOk&& is_ok, Sink&& sink) {
  if (layout == fixed_results) {
    if constexpr (codec<R>::fixed_size) {
      if (body.size() != std::size_t{count} * sizeof(R)) throw error("rankpool wire: result size mismatch");
      for (std::uint32_t i = 0; i < count; ++i)
        if (is_ok(i)) sink(i, codec<R>::decode(body.subspan(std::size_t{i} * sizeof(R), sizeof(R))));
      return;
    }
  } else if (layout == variable_results) {
    const byte_view bytes = checked_variable_bytes(body, count);
    for (std::uint32_t i = 0; i < count; ++i) {
      const std::uint64_t from = variable_offset(body, i);
      if (is_ok(i)) sink(i, codec<R>::decode(bytes.subspan(from, variable_offset(body, i + 1) - from)));
    }
    return;
  }
  throw_unexpected_layout(layout, "fixed or variable results");
}

/// The partial fold of a reduced_result body; empty when no item of the chunk succeeded.
template <class R>
std::optional<R> decode_reduced_result(std::uint32_t layout, byte_view body) {
  if (layout != reduced_result) throw_unexpected_layout(layout, "a partial reduction");
  if (body.size() < sizeof(std::uint32_t)) throw error("rankpool wire: truncated message");
  const auto present = codec<std::uint32_t>::decode(body.first(sizeof(std::uint32_t)));
  if (present == 0) return std::nullopt;
  return codec<R>::decode(body.subspan(sizeof(std::uint32_t)));
}

}  // namespace rankpool::detail::wire
