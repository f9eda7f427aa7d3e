#pragma once
/// A worker's last words: when a task kills its process (SIGSEGV, SIGBUS, SIGFPE,
/// SIGILL, SIGABRT), a signal handler tells rank 0 which chunk and item it was running
/// and the signal (wire::crash_notice), then lets the signal end the process. Rank 0
/// then knows at once that the rank is gone and which task to quarantine, instead of
/// waiting for the chunk to become overdue.
///
/// Calling MPI from a signal handler is not async-signal-safe. It is done anyway, as a
/// best effort with a guard: the process is dying, the handler runs at most once, no
/// other thread of a worker calls MPI while a chunk runs (the worker loop calls MPI
/// only between chunks), and alarm(2) ends the process by SIGALRM should the send hang.
#include <mpi.h>

#include <cstdint>

namespace rankpool::detail {

/// Installs the handlers (worker ranks, once, before the first chunk).
void install_crash_reporter(MPI_Comm comm);

/// The chunk this process is running now (0: none); set by execute_chunk.
void set_running_chunk(std::uint64_t chunk_id) noexcept;
/// The item the calling thread is running now; set by the chunk runner before each call.
void set_running_item(std::uint32_t item) noexcept;

}  // namespace rankpool::detail
