#include "rankpool/detail/running_record.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "rankpool/error.hpp"

namespace rankpool::detail {

running_record::running_record(const std::string& run_file_path) : path_(path_for(run_file_path)) {
  bytes_ = slot_count * sizeof(slot);
  const int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) throw error(path_ + ": cannot create the record of running tasks: " + std::strerror(errno));
  if (::ftruncate(fd, static_cast<off_t>(bytes_)) != 0) {
    ::close(fd);
    throw error(path_ + ": cannot size the record of running tasks: " + std::strerror(errno));
  }
  void* mapped = ::mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ::close(fd);
  if (mapped == MAP_FAILED) throw error(path_ + ": cannot map the record of running tasks: " + std::strerror(errno));
  slots_ = static_cast<slot*>(mapped);  // zeroed by ftruncate: every slot free
}

running_record::~running_record() {
  if (slots_) ::munmap(slots_, bytes_);
  ::unlink(path_.c_str());
}

void running_record::start(std::uint64_t key, const std::vector<task_span>& spans) noexcept {
  std::lock_guard lock(mutex_);
  task_span cover{~std::uint64_t{0}, 0};
  for (const task_span& s : spans) cover = {std::min(cover.first, s.first), std::max(cover.end, s.end)};
  std::vector<task_span> recorded = spans.size() <= spans_per_chunk ? spans : std::vector<task_span>{cover};
  std::size_t free = 0;
  for (const task_span& s : recorded) {
    while (free < slot_count && slots_[free].key_plus_one != 0) ++free;
    if (free == slot_count) {
      // Full (it never is: rank 0 holds a few chunks): recording less would lose
      // suspects, so the first slot grows to cover this chunk too.
      slots_[0].first = std::min(slots_[0].first, cover.first);
      slots_[0].end = std::max(slots_[0].end, cover.end);
      return;
    }
    // The span first, its key last: a slot with a key is complete.
    slots_[free].first = s.first;
    slots_[free].end = s.end;
    __atomic_store_n(&slots_[free].key_plus_one, key + 1, __ATOMIC_RELEASE);
  }
}

void running_record::end(std::uint64_t key) noexcept {
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < slot_count; ++i)
    if (slots_[i].key_plus_one == key + 1) __atomic_store_n(&slots_[i].key_plus_one, std::uint64_t{0}, __ATOMIC_RELEASE);
}

std::vector<task_span> running_record::left_by_dead_run(const std::string& run_file_path) {
  std::ifstream in(path_for(run_file_path), std::ios::binary);
  std::vector<task_span> spans;
  slot s;
  while (in.read(reinterpret_cast<char*>(&s), sizeof s))
    if (s.key_plus_one != 0 && s.first < s.end) spans.push_back({s.first, s.end});
  return spans;
}

}  // namespace rankpool::detail
