#include "rankpool/detail/crash_reporter.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <initializer_list>

#include "rankpool/detail/wire.hpp"

namespace rankpool::detail {
namespace {

MPI_Comm crash_comm = MPI_COMM_NULL;
std::atomic<std::uint64_t> running_chunk{0};
thread_local std::uint32_t running_item = wire::no_item;
std::atomic_flag reported = ATOMIC_FLAG_INIT;

extern "C" void report_crash(int signal_number) {
  if (!reported.test_and_set() && crash_comm != MPI_COMM_NULL) {
    alarm(2);  // should MPI hang in here, SIGALRM's default action ends the process
    wire::crash_notice notice{running_chunk.load(std::memory_order_relaxed), running_item, signal_number};
    MPI_Send(&notice, sizeof notice, MPI_BYTE, 0, static_cast<int>(wire::tag::crash), crash_comm);
  }
  // SA_RESETHAND restored the default action: re-raising ends the process as the
  // signal would have (and a launcher reports it as such).
  raise(signal_number);
}

}  // namespace

void install_crash_reporter(MPI_Comm comm) {
  crash_comm = comm;
  struct sigaction action {};
  action.sa_handler = report_crash;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND | SA_NODEFER;
  for (int signal_number : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) sigaction(signal_number, &action, nullptr);
}

void set_running_chunk(std::uint64_t chunk_id) noexcept { running_chunk.store(chunk_id, std::memory_order_relaxed); }
void set_running_item(std::uint32_t item) noexcept { running_item = item; }

}  // namespace rankpool::detail
