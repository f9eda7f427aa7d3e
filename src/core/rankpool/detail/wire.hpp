#pragma once
/// The wire protocol between rank 0's scheduler and the executors.
///
/// Control data travels as raw bytes (MPI_BYTE), never through Boost.Serialization:
/// a chunk descriptor is a fixed header plus, only for batches with explicit inputs,
/// the inputs' offsets and bytes. Ranks are assumed to share byte order and ABI
/// (one binary, one cluster).
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>

#include "rankpool/codec.hpp"
#include "rankpool/error.hpp"

namespace rankpool::detail {

enum class tag : int {
  chunk = 11,     ///< rank 0 -> executor: run these items
  result = 12,    ///< executor -> rank 0: what the items returned
  stop = 13,      ///< rank 0 -> executor: no more work, leave the serve loop
  table = 14,     ///< rank 0 -> executor: fingerprint of the task table, checked at start
};

constexpr std::uint32_t no_reduction = 0xffffffffu;

struct chunk_header {
  std::uint64_t chunk_id;
  std::uint64_t first;       ///< index of the first item in its batch
  std::uint64_t index_base;  ///< index-range batches: the task sees index_base + item
  std::uint32_t count;
  std::uint32_t task_id;
  std::uint32_t reduction_id;  ///< no_reduction, or the reduction to fold results with
  std::uint32_t has_inputs;    ///< 1: (count+1) uint64 offsets, then the input bytes follow
};

enum result_layout : std::uint32_t {
  fixed_results = 1,     ///< count * item_bytes result bytes follow
  variable_results = 2,  ///< (count+1) uint64 offsets, then result bytes
  reduced_result = 3,    ///< one uint32 presence flag, then the partial reduction's bytes
};

struct result_header {
  std::uint64_t chunk_id;
  std::uint32_t count;
  std::uint32_t failed;        ///< items that threw; statuses and messages follow when > 0
  std::uint32_t layout;
  std::uint32_t item_bytes;    ///< for fixed_results
  std::uint32_t threads_used;
  std::uint32_t rank;
  double start_seconds;        ///< relative to the executor's epoch (aligned at start-up)
  double end_seconds;
  double busy_seconds;         ///< thread-seconds spent inside task calls
};

/// Appends plain values and byte runs to a reusable buffer.
class wire_writer {
 public:
  explicit wire_writer(byte_buffer& out) : out_(out) {}
  template <class T>
  void put(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    put_bytes(reinterpret_cast<const char*>(&value), sizeof(T));
  }
  // resize + memcpy rather than insert: GCC 12 misreports insert of a few bytes as an overflow.
  void put_bytes(const char* data, std::size_t size) {
    if (size == 0) return;
    const std::size_t at = out_.size();
    out_.resize(at + size);
    std::memcpy(out_.data() + at, data, size);
  }
  std::size_t size() const { return out_.size(); }

 private:
  byte_buffer& out_;
};

/// Reads what wire_writer wrote, checking every length against the message size.
class wire_reader {
 public:
  explicit wire_reader(byte_view in) : in_(in) {}
  template <class T>
  T get() {
    static_assert(std::is_trivially_copyable_v<T>);
    T value;
    std::memcpy(&value, take(sizeof(T)).data(), sizeof(T));
    return value;
  }
  byte_view take(std::size_t size) {
    if (size > in_.size() - pos_) throw error("rankpool wire: truncated message");
    byte_view part = in_.subspan(pos_, size);
    pos_ += size;
    return part;
  }
  byte_view rest() const { return in_.subspan(pos_); }

 private:
  byte_view in_;
  std::size_t pos_ = 0;
};

}  // namespace rankpool::detail
