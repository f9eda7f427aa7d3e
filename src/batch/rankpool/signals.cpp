#include "rankpool/signals.hpp"

#include <csignal>
#include <initializer_list>

namespace rankpool {
namespace {
volatile std::sig_atomic_t stop_signal = 0;

extern "C" void record_stop_signal(int signal_number) {
  if (stop_signal == 0) stop_signal = signal_number;
}
}  // namespace

void install_stop_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = record_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  for (int signal_number : {SIGTERM, SIGINT, SIGUSR1}) sigaction(signal_number, &action, nullptr);
}

int received_stop_signal() noexcept { return stop_signal; }

}  // namespace rankpool
