#pragma once
/// Non-blocking sends whose buffers live until MPI is done with them, and the spare
/// buffers they leave behind: shared by rank 0's scheduler (chunks) and the worker
/// loop (results). A large message must not block its sender while the receiver is busy.
#include <mpi.h>

#include <list>
#include <string>
#include <vector>

#include "rankpool/codec.hpp"
#include "rankpool/detail/wire.hpp"

namespace rankpool::detail {

class send_queue {
 public:
  explicit send_queue(MPI_Comm comm) : comm_(comm) {}
  send_queue(const send_queue&) = delete;
  send_queue& operator=(const send_queue&) = delete;

  /// A send MPI refused or failed: the peer is gone (over TCP a dead peer's connection
  /// fails), which is the caller's to judge, not the queue's.
  struct failure {
    int rank = 0;
    std::string call;
    int code = 0;
  };

  /// Starts sending `message` to `rank`; the queue keeps it until the send completes.
  /// Should MPI refuse, the send is recorded as a failure (see take_failures).
  void send(int rank, wire::tag t, byte_buffer message);
  /// Retires the sends that completed, keeping their buffers as spares, and records the
  /// ones that failed; true if any completed or failed.
  bool complete();
  /// The sends that failed since the last call.
  std::vector<failure> take_failures();
  bool empty() const noexcept { return sends_.empty(); }
  /// Whether a send to `rank` is still pending.
  bool is_sending_to(int rank) const noexcept;
  /// Gives up the sends to `rank` (a rank that stopped answering: a send to a dead
  /// process never completes). Their buffers stay allocated until the process ends:
  /// MPI may still read them.
  void abandon(int rank);

  /// A buffer to fill (a spare one if there is any, so steady traffic allocates nothing).
  byte_buffer take_buffer();
  /// Keeps `buffer` for a later take_buffer (up to a bound, so a burst does not pin memory).
  void give_back(byte_buffer buffer);

 private:
  struct pending {
    MPI_Request request = MPI_REQUEST_NULL;
    byte_buffer bytes;
    int rank = 0;
  };

  static constexpr std::size_t max_spares = 64;
  MPI_Comm comm_;
  std::list<pending> sends_;
  std::list<pending> abandoned_;
  std::vector<byte_buffer> spares_;
  std::vector<failure> failures_;
};

/// Receives the next message from `source` (or MPI_ANY_SOURCE) with `message_tag` (or
/// MPI_ANY_TAG) if one has arrived; `into` is resized to it. False if none is there.
bool try_receive(MPI_Comm comm, int source, int message_tag, byte_buffer& into, MPI_Status& status);

}  // namespace rankpool::detail
