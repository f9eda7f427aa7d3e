#include "rankpool/detail/send_queue.hpp"

#include <string>

#include "rankpool/detail/mpi_check.hpp"

namespace rankpool::detail {

void send_queue::send(int rank, wire::tag t, byte_buffer message) {
  auto& send = sends_.emplace_back(pending{MPI_REQUEST_NULL, std::move(message), rank});
  const int rc = MPI_Isend(send.bytes.data(), static_cast<int>(send.bytes.size()), MPI_BYTE, rank,
                           static_cast<int>(t), comm_, &send.request);
  if (rc != MPI_SUCCESS) {
    failures_.push_back(failure{rank, std::string("MPI_Isend(") + wire::tag_name(t) + ")", rc});
    // MPI may keep the buffer of a request it failed to start: keep it until the end.
    abandoned_.splice(abandoned_.end(), sends_, std::prev(sends_.end()));
  }
}

bool send_queue::complete() {
  bool progressed = false;
  for (auto it = sends_.begin(); it != sends_.end();) {
    int done = 0;
    if (const int rc = MPI_Test(&it->request, &done, MPI_STATUS_IGNORE); rc != MPI_SUCCESS) {
      failures_.push_back(failure{it->rank, "MPI_Test(send)", rc});
      auto next = std::next(it);
      abandoned_.splice(abandoned_.end(), sends_, it);
      it = next;
      progressed = true;
      continue;
    }
    if (!done) {
      ++it;
      continue;
    }
    give_back(std::move(it->bytes));
    it = sends_.erase(it);
    progressed = true;
  }
  return progressed;
}

std::vector<send_queue::failure> send_queue::take_failures() {
  std::vector<failure> taken;
  taken.swap(failures_);
  return taken;
}

bool send_queue::is_sending_to(int rank) const noexcept {
  for (const pending& p : sends_)
    if (p.rank == rank) return true;
  return false;
}

void send_queue::abandon(int rank) {
  for (auto it = sends_.begin(); it != sends_.end();) {
    if (it->rank != rank) {
      ++it;
      continue;
    }
    auto next = std::next(it);
    abandoned_.splice(abandoned_.end(), sends_, it);
    it = next;
  }
}

byte_buffer send_queue::take_buffer() {
  if (spares_.empty()) return {};
  byte_buffer buffer = std::move(spares_.back());
  spares_.pop_back();
  return buffer;
}

void send_queue::give_back(byte_buffer buffer) {
  if (spares_.size() < max_spares) spares_.push_back(std::move(buffer));
}

bool try_receive(MPI_Comm comm, int source, int message_tag, byte_buffer& into, MPI_Status& status) {
  int flag = 0;
  mpi_check(MPI_Iprobe(source, message_tag, comm, &flag, &status), "MPI_Iprobe");
  if (!flag) return false;
  int bytes = 0;
  mpi_check(MPI_Get_count(&status, MPI_BYTE, &bytes), "MPI_Get_count");
  into.resize(static_cast<std::size_t>(bytes));
  mpi_check(MPI_Recv(into.data(), bytes, MPI_BYTE, status.MPI_SOURCE, status.MPI_TAG, comm, MPI_STATUS_IGNORE),
            "MPI_Recv");
  return true;
}

}  // namespace rankpool::detail
