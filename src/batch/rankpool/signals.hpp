#pragma once
/// Walltime and interrupt signals (SIGTERM, SIGINT, SIGUSR1): the handler only
/// records the signal; rank 0's driver notices it between results and winds the
/// run down (no I/O inside a signal handler).
namespace rankpool {

/// Installs the recording handler for SIGTERM, SIGINT and SIGUSR1.
void install_stop_signal_handlers();
/// The first stop signal received since installation, or 0.
int received_stop_signal() noexcept;

}  // namespace rankpool
