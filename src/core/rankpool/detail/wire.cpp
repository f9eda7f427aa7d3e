#include "rankpool/detail/wire.hpp"

namespace rankpool::detail::wire {
namespace {

[[noreturn]] void malformed(const std::string& what) { throw error("rankpool wire: " + what); }

/// Appends plain values and byte runs.
class writer {
 public:
  explicit writer(byte_buffer& out) : out_(out) {}
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
  void put_text(const std::string& text) {
    put(static_cast<std::uint32_t>(text.size()));
    put_bytes(text.data(), text.size());
  }

 private:
  byte_buffer& out_;
};

/// Reads what writer wrote, checking every length against the message size.
class reader {
 public:
  explicit reader(byte_view in) : in_(in) {}
  template <class T>
  T get() {
    static_assert(std::is_trivially_copyable_v<T>);
    T value;
    std::memcpy(&value, take(sizeof(T)).data(), sizeof(T));
    return value;
  }
  byte_view take(std::size_t size) {
    if (size > in_.size() - pos_) malformed("truncated message");
    byte_view part = in_.subspan(pos_, size);
    pos_ += size;
    return part;
  }
  std::string take_text() {
    const byte_view text = take(get<std::uint32_t>());
    return std::string(text.data(), text.size());
  }
  std::size_t position() const noexcept { return pos_; }
  byte_view rest() const noexcept { return in_.subspan(pos_); }

 private:
  byte_view in_;
  std::size_t pos_ = 0;
};

/// Checks (count+1) offsets at the front of `message`'s rest: non-decreasing, the last
/// within the bytes after them. Returns the offsets' view; the bytes are reader.rest().
byte_view take_offsets(reader& in, std::uint32_t count, const char* what) {
  const byte_view offsets = in.take((std::size_t{count} + 1) * sizeof(std::uint64_t));
  const std::size_t bytes = in.rest().size();
  std::uint64_t previous = 0;
  for (std::uint32_t i = 0; i <= count; ++i) {
    std::uint64_t offset;
    std::memcpy(&offset, offsets.data() + std::size_t{i} * sizeof offset, sizeof offset);
    if (offset < previous || offset > bytes) malformed(std::string(what) + " offsets are out of order or truncated");
    previous = offset;
  }
  return offsets;
}

}  // namespace

const char* tag_name(tag t) noexcept {
  switch (t) {
    case tag::chunk: return "chunk";
    case tag::result: return "result";
    case tag::stop: return "stop";
    case tag::crash: return "crash";
    case tag::alive: return "alive";
  }
  return "unknown";
}

void encode_chunk(const chunk_header& header, byte_buffer& out) {
  out.clear();
  writer(out).put(header);
}

chunk_view decode_chunk(byte_view message) {
  reader in(message);
  chunk_view chunk;
  chunk.header = in.get<chunk_header>();
  if (chunk.has_inputs()) {
    chunk.offsets = take_offsets(in, chunk.header.count, "chunk input");
    chunk.inputs = in.rest();
  } else if (!in.rest().empty()) {
    malformed("an index-range chunk carries " + std::to_string(in.rest().size()) + " stray bytes");
  }
  return chunk;
}

void encode_result(const result_header& header, std::span<const std::uint8_t> failed_flags,
                   const std::vector<failure_record>& failures, byte_view body, byte_buffer& out) {
  out.clear();
  writer w(out);
  w.put(header);
  if (header.failed > 0) {
    w.put_bytes(reinterpret_cast<const char*>(failed_flags.data()), failed_flags.size());
    for (const auto& f : failures) {
      w.put(f.item);
      w.put_text(f.type);
      w.put_text(f.message);
    }
  }
  w.put_bytes(body.data(), body.size());
}

result_view decode_result(byte_view message) {
  reader in(message);
  result_view result;
  result.header = in.get<result_header>();
  const std::uint32_t count = result.header.count;
  if (result.header.failed > count)
    malformed(std::to_string(result.header.failed) + " failures among " + std::to_string(count) + " items");
  if (result.header.failed > 0) {
    result.failed_flags = in.take(count);
    result.failures.reserve(result.header.failed);
    for (std::uint32_t f = 0; f < result.header.failed; ++f) {
      failure_record record;
      record.item = in.get<std::uint32_t>();
      if (record.item >= count || result.failed_flags[record.item] == 0)
        malformed("a failure record names item " + std::to_string(record.item) + ", not a failed one");
      record.type = in.take_text();
      record.message = in.take_text();
      result.failures.push_back(std::move(record));
    }
  }
  result.body_offset = in.position();
  result.body = in.rest();
  return result;
}

crash_notice decode_crash(byte_view message) {
  if (message.size() != sizeof(crash_notice))
    malformed("a crash notice has " + std::to_string(message.size()) + " bytes, not " +
              std::to_string(sizeof(crash_notice)));
  crash_notice notice;
  std::memcpy(&notice, message.data(), sizeof notice);
  return notice;
}

void encode_stop(byte_buffer& out, bool ranks_lost) { out.assign(1, ranks_lost ? 1 : 0); }

bool decode_stop(byte_view message) {
  if (message.size() != 1 || (message[0] != 0 && message[0] != 1))
    malformed("a stop message is one byte, 0 or 1; this one has " + std::to_string(message.size()) + " bytes");
  return message[0] == 1;
}

void encode_variable_results(const std::vector<byte_buffer>& items, byte_buffer& body) {
  body.clear();
  writer w(body);
  std::uint64_t offset = 0;
  w.put(offset);
  for (const auto& item : items) w.put(offset += item.size());
  for (const auto& item : items) w.put_bytes(item.data(), item.size());
}

byte_view checked_variable_bytes(byte_view body, std::uint32_t count) {
  reader in(body);
  take_offsets(in, count, "result");
  return in.rest();
}

void throw_unexpected_layout(std::uint32_t layout, const char* wanted) {
  malformed("result layout " + std::to_string(layout) + " where " + wanted + " was expected");
}

}  // namespace rankpool::detail::wire
