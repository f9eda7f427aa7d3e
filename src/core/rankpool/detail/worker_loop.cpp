#include "rankpool/detail/worker_loop.hpp"

#include <time.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <thread>

#include "rankpool/detail/backoff.hpp"
#include "rankpool/detail/chunk_runner.hpp"
#include "rankpool/detail/crash_reporter.hpp"
#include "rankpool/detail/send_queue.hpp"
#include "rankpool/error.hpp"

namespace rankpool::detail {
namespace {

/// After stop, how long results still on their way to rank 0 may take: rank 0 may have
/// finished without them (it stopped waiting for this rank), and a send it never
/// receives would never complete.
constexpr std::chrono::seconds last_sends_timeout{2};

void pause(std::chrono::microseconds wait) {
  if (wait.count() == 0) return;
  const timespec pause_for{0, static_cast<long>(std::chrono::nanoseconds(wait).count())};
  nanosleep(&pause_for, nullptr);
}

/// A worker only ever sends to rank 0: a failed send means the job's driver is gone.
void check_sends(send_queue& sends) {
  for (const send_queue::failure& f : sends.take_failures()) throw mpi_error(f.call + " to rank 0", f.code);
}

/// While this rank computes, tells rank 0 every alive interval that it is alive, so rank
/// 0 can tell a long task from a dead or frozen rank (docs/ARCHITECTURE.md, "Lost and
/// late ranks"). Its MPI calls and the serve loop's are serialized by `mpi`
/// (MPI_THREAD_SERIALIZED).
class heartbeat {
 public:
  heartbeat(MPI_Comm comm, std::mutex& mpi) : comm_(comm), mpi_(mpi), thread_([this] { beat(); }) {}
  ~heartbeat() {
    {
      std::lock_guard lock(wake_mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
    // A beat rank 0 never received (it is gone) would never complete: an empty message
    // has no buffer to protect, so the request may be let go.
    if (request_ != MPI_REQUEST_NULL) MPI_Request_free(&request_);
  }
  heartbeat(const heartbeat&) = delete;
  heartbeat& operator=(const heartbeat&) = delete;

  void computing(bool on) noexcept { computing_.store(on, std::memory_order_relaxed); }

 private:
  void beat() {
    const auto interval = std::chrono::duration<double>(wire::alive_interval_seconds);
    std::unique_lock lock(wake_mutex_);
    while (!wake_.wait_for(lock, interval, [this] { return stopping_; })) {
      if (!computing_.load(std::memory_order_relaxed)) continue;  // an idle rank answers at once
      std::lock_guard mpi(mpi_);
      // Errors are not thrown here (this thread has no one to throw to): the serve loop
      // sees a failing rank 0 in its own sends, and rank 0 sees the silence.
      int done = 1;
      if (request_ != MPI_REQUEST_NULL) MPI_Test(&request_, &done, MPI_STATUS_IGNORE);
      if (done) MPI_Isend(nullptr, 0, MPI_BYTE, 0, static_cast<int>(wire::tag::alive), comm_, &request_);
    }
  }

  MPI_Comm comm_;
  std::mutex& mpi_;
  MPI_Request request_ = MPI_REQUEST_NULL;
  std::atomic<bool> computing_{false};
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;  // last: it starts once the rest is ready
};

}  // namespace

bool serve(const environment& env, const task_table& table, const executor_identity& self) {
  std::deque<byte_buffer> chunks;
  send_queue sends(env.comm());
  chunk_output scratch;
  bool stopping = false;
  bool ranks_lost = false;
  backoff idle;
  double last_chunk_seconds = 0;
  auto heard_from_rank0 = std::chrono::steady_clock::now();
  limit_kernel_threads(self);
  install_crash_reporter(env.comm());
  std::mutex mpi;
  heartbeat alive(env.comm(), mpi);

  while (!stopping) {
    std::unique_lock mpi_lock(mpi);
    // Take everything rank 0 has sent: prefetched chunks wait here while we compute.
    while (true) {
      byte_buffer message = sends.take_buffer();
      MPI_Status status;
      if (!try_receive(env.comm(), 0, MPI_ANY_TAG, message, status)) {
        sends.give_back(std::move(message));
        break;
      }
      heard_from_rank0 = std::chrono::steady_clock::now();
      if (status.MPI_TAG == static_cast<int>(wire::tag::alive)) {
        sends.give_back(std::move(message));
      } else if (status.MPI_TAG == static_cast<int>(wire::tag::stop)) {
        ranks_lost = wire::decode_stop(message);
        stopping = true;
      } else if (status.MPI_TAG == static_cast<int>(wire::tag::chunk)) {
        chunks.push_back(std::move(message));
      } else {
        throw error("rankpool: unexpected message tag " + std::to_string(status.MPI_TAG) + " from rank 0");
      }
    }
    // Rank 0 stops a worker only once every batch is settled: chunks still queued here
    // (a rank that froze, then came back) were run elsewhere.
    if (stopping) break;
    if (!chunks.empty()) {
      byte_buffer reply = sends.take_buffer();
      mpi_lock.unlock();
      alive.computing(true);
      const auto started = std::chrono::steady_clock::now();
      execute_chunk(table, chunks.front(), reply, self, scratch);
      last_chunk_seconds = seconds_since(started);
      alive.computing(false);
      mpi_lock.lock();
      sends.give_back(std::move(chunks.front()));
      chunks.pop_front();
      sends.send(0, wire::tag::result, std::move(reply));
      sends.complete();
      check_sends(sends);
      idle.reset();
      heard_from_rank0 = std::max(heard_from_rank0, std::chrono::steady_clock::now());  // a long chunk is no silence
      continue;
    }
    sends.complete();
    check_sends(sends);
    if (seconds_since(heard_from_rank0) > wire::rank0_silence_limit_seconds) {
      // Rank 0 sends `alive` every second: it is gone, and with it the job (its driver,
      // its run file). Under mpirun --enable-recovery nothing else would end this rank;
      // MPI_Finalize would wait for rank 0 forever.
      std::fprintf(stderr, "rankpool: %s: no word from rank 0 for %.0f s: it is gone; ending\n", self.where.c_str(),
                   wire::rank0_silence_limit_seconds);
      std::fflush(stderr);
      std::_Exit(1);
    }
    mpi_lock.unlock();
    pause(idle.next_wait(last_chunk_seconds));
  }
  std::lock_guard mpi_lock(mpi);
  const auto give_up = std::chrono::steady_clock::now() + last_sends_timeout;
  while (!sends.empty() && std::chrono::steady_clock::now() < give_up) {
    sends.complete();
    pause(idle.next_wait(1.0));
  }
  if (!sends.empty()) sends.abandon(0);
  return ranks_lost;
}

}  // namespace rankpool::detail
