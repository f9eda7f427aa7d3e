#include "rankpool/detail/worker_loop.hpp"

#include <time.h>

#include <deque>

#include "rankpool/detail/backoff.hpp"
#include "rankpool/detail/chunk_runner.hpp"
#include "rankpool/detail/send_queue.hpp"

namespace rankpool::detail {

void serve(const environment& env, const task_table& table, const executor_identity& self) {
  std::deque<byte_buffer> chunks;
  send_queue sends(env.comm());
  chunk_output scratch;
  bool stopping = false;
  backoff idle;
  double last_chunk_seconds = 0;
  limit_kernel_threads(self);

  while (true) {
    // Take everything rank 0 has sent: prefetched chunks wait here while we compute.
    while (true) {
      byte_buffer message = sends.take_buffer();
      MPI_Status status;
      if (!try_receive(env.comm(), 0, MPI_ANY_TAG, message, status)) {
        sends.give_back(std::move(message));
        break;
      }
      if (status.MPI_TAG == static_cast<int>(wire::tag::stop)) {
        wire::decode_stop(message);
        stopping = true;
      } else if (status.MPI_TAG == static_cast<int>(wire::tag::chunk)) {
        chunks.push_back(std::move(message));
      } else {
        throw error("rankpool: unexpected message tag " + std::to_string(status.MPI_TAG) + " from rank 0");
      }
    }
    if (!chunks.empty()) {
      byte_buffer reply = sends.take_buffer();
      const auto started = std::chrono::steady_clock::now();
      execute_chunk(table, chunks.front(), reply, self, scratch);
      last_chunk_seconds = seconds_since(started);
      sends.give_back(std::move(chunks.front()));
      chunks.pop_front();
      sends.send(0, wire::tag::result, std::move(reply));
      sends.complete();
      idle.reset();
      continue;
    }
    sends.complete();
    if (stopping && sends.empty()) return;
    const auto wait = idle.next_wait(last_chunk_seconds);
    if (wait.count() > 0) {
      const timespec pause_for{0, static_cast<long>(std::chrono::nanoseconds(wait).count())};
      nanosleep(&pause_for, nullptr);
    }
  }
}

}  // namespace rankpool::detail
