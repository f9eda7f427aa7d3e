#include <time.h>

#include <deque>
#include <list>

#include "rankpool/detail/chunk_runner.hpp"
#include "rankpool/detail/mpi_check.hpp"
#include "rankpool/detail/scheduler.hpp"

namespace rankpool::detail {
namespace {

/// Polls with backoff so an idle worker on an oversubscribed node yields its core:
/// spin a little after short chunks (the next one is microseconds away), not at all
/// after long ones, then sleep 1 us doubling up to 1 ms.
class backoff {
 public:
  void reset(double last_chunk_seconds) {
    rounds_ = 0;
    spin_rounds_ = last_chunk_seconds < 100e-6 ? 64 : 0;
  }
  void pause() {
    if (++rounds_ <= spin_rounds_) return;
    const long micros = 1L << std::min(10, (rounds_ - spin_rounds_) / 8);
    timespec pause_for{0, micros * 1000};
    nanosleep(&pause_for, nullptr);
  }

 private:
  int rounds_ = 0;
  int spin_rounds_ = 64;
};

}  // namespace

void serve(const environment& env, const task_table& table, const executor_identity& self) {
  std::deque<byte_buffer> chunks;
  std::list<std::pair<MPI_Request, byte_buffer>> sends;
  std::vector<byte_buffer> spare;
  chunk_output scratch;
  bool stopping = false;
  backoff idle;
  limit_kernel_threads(self);

  auto complete_sends = [&] {
    for (auto it = sends.begin(); it != sends.end();) {
      int done = 0;
      mpi_check(MPI_Test(&it->first, &done, MPI_STATUS_IGNORE), "MPI_Test(result send)");
      if (!done) {
        ++it;
        continue;
      }
      spare.push_back(std::move(it->second));
      it = sends.erase(it);
    }
  };

  while (true) {
    // Take everything rank 0 has sent: prefetched chunks wait here while we compute.
    while (true) {
      int flag = 0;
      MPI_Status status;
      mpi_check(MPI_Iprobe(0, MPI_ANY_TAG, env.comm(), &flag, &status), "MPI_Iprobe(chunk)");
      if (!flag) break;
      int bytes = 0;
      mpi_check(MPI_Get_count(&status, MPI_BYTE, &bytes), "MPI_Get_count(chunk)");
      byte_buffer message;
      if (!spare.empty()) {
        message = std::move(spare.back());
        spare.pop_back();
      }
      message.resize(static_cast<std::size_t>(bytes));
      mpi_check(MPI_Recv(message.data(), bytes, MPI_BYTE, 0, status.MPI_TAG, env.comm(), MPI_STATUS_IGNORE),
                "MPI_Recv(chunk)");
      if (status.MPI_TAG == static_cast<int>(tag::stop)) {
        stopping = true;
      } else if (status.MPI_TAG == static_cast<int>(tag::chunk)) {
        chunks.push_back(std::move(message));
      } else {
        throw error("rankpool: unexpected message tag " + std::to_string(status.MPI_TAG) + " from rank 0");
      }
    }
    if (!chunks.empty()) {
      byte_buffer reply;
      if (!spare.empty()) {
        reply = std::move(spare.back());
        spare.pop_back();
      }
      const auto started = std::chrono::steady_clock::now();
      execute_chunk(table, chunks.front(), reply, self, scratch);
      const double chunk_seconds = seconds_since(started);
      spare.push_back(std::move(chunks.front()));
      chunks.pop_front();
      auto& send = sends.emplace_back(MPI_REQUEST_NULL, std::move(reply));
      mpi_check(MPI_Isend(send.second.data(), static_cast<int>(send.second.size()), MPI_BYTE, 0,
                          static_cast<int>(tag::result), env.comm(), &send.first),
                "MPI_Isend(result)");
      complete_sends();
      idle.reset(chunk_seconds);
      continue;
    }
    complete_sends();
    if (stopping && sends.empty()) return;
    idle.pause();
  }
}

}  // namespace rankpool::detail
