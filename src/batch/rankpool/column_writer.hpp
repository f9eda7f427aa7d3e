#pragma once
/// Buffered writes of per-task values into a 1-D dataset of the run file.
///
/// Results arrive in completion order, roughly ascending, one or a few at a time.
/// Writing each one is an HDF5 call (microseconds); buffering them in blocks and
/// writing only the entries actually set, at flush(), makes it a memcpy. Nothing
/// reaches the file before flush(), so the run can order its writes (results
/// before the statuses that vouch for them). Rank 0 holds only the blocks touched
/// since the last flush, never one entry per task.
#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "rankpool/run_file.hpp"

namespace rankpool {

/// What job_context flushes without knowing the element type.
class column_flusher {
 public:
  virtual ~column_flusher() = default;
  virtual void flush() = 0;
};

template <class T>
class column_writer final : public column_flusher {
 public:
  static constexpr std::uint64_t block_size = 1u << 16;

  column_writer(run_file& file, std::string path) : file_(&file), path_(std::move(path)) {}

  void set(std::uint64_t index, const T& value) {
    block& b = blocks_[index / block_size];
    if (b.values.empty()) {
      b.values.resize(block_size);
      b.dirty.assign(block_size, false);
    }
    const auto slot = static_cast<std::size_t>(index % block_size);
    if (!b.dirty[slot]) ++b.pending;
    b.values[slot] = value;
    b.dirty[slot] = true;
  }

  /// Writes every buffered entry; complete blocks leave memory.
  void flush() override {
    for (auto it = blocks_.begin(); it != blocks_.end();) {
      write_dirty(it->first, it->second);
      it = it->second.written == block_size ? blocks_.erase(it) : std::next(it);
    }
  }

 private:
  struct block {
    std::vector<T> values;
    std::vector<bool> dirty;
    std::uint64_t pending = 0;  ///< set, not yet written
    std::uint64_t written = 0;  ///< set and written
  };

  void write_dirty(std::uint64_t number, block& b) {
    if (b.pending == 0) return;
    std::size_t i = 0;
    while (i < block_size) {
      if (!b.dirty[i]) {
        ++i;
        continue;
      }
      std::size_t end = i;
      while (end < block_size && b.dirty[end]) b.dirty[end++] = false;
      file_->write_at<T>(path_, number * block_size + i, b.values.data() + i, end - i);
      i = end;
    }
    b.written += b.pending;
    b.pending = 0;
  }

  run_file* file_;
  std::string path_;
  std::map<std::uint64_t, block> blocks_;
};

}  // namespace rankpool
