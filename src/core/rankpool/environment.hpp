#pragma once
/// MPI start-up and the facts every rank needs: who am I, where, with how many cores.
#include <mpi.h>

#include <chrono>
#include <string>
#include <vector>

namespace rankpool {

/// Owns MPI for the process. Works without a launcher (singleton MPI), under
/// mpirun/srun, and in a SLURM allocation. Requests MPI_THREAD_SERIALIZED: on rank 0
/// the scheduler thread and the driver (while it waits for results) both call MPI,
/// never at the same time (docs/ARCHITECTURE.md). Initialises MPI unless the program
/// already did, and then also finalises it; if the process is unwinding from an
/// uncaught exception, it aborts the job instead, so no other rank waits forever.
class environment {
 public:
  environment(int& argc, char**& argv);
  ~environment();
  environment(const environment&) = delete;
  environment& operator=(const environment&) = delete;

  /// rankpool's own communicator (a duplicate of MPI_COMM_WORLD, errors returned, not fatal).
  MPI_Comm comm() const noexcept { return comm_; }
  int rank() const noexcept { return rank_; }
  int size() const noexcept { return size_; }
  bool is_root() const noexcept { return rank_ == 0; }
  const std::string& host() const noexcept { return host_; }
  /// Host name of every rank, indexed by rank (same on all ranks).
  const std::vector<std::string>& hosts() const noexcept { return hosts_; }
  int ranks_on_node() const noexcept { return ranks_on_node_; }
  /// Threads a rank should use when nobody said: OMP_NUM_THREADS, else
  /// SLURM_CPUS_PER_TASK, else the node's cores divided among its ranks.
  int default_threads() const;

  /// Rank 0's `text`, on every rank (a collective: all ranks call it).
  std::string broadcast(std::string text) const;

  /// Ends every rank of the job now (MPI_Abort): the way out of any fatal error.
  [[noreturn]] void abort(int exit_code) const noexcept;

  /// A rank of this job stopped answering. MPI_Finalize may then never return (Open MPI
  /// 4.1 under salloc + mpirun --enable-recovery), so the destructor gives it
  /// finalize_timeout and then ends the process with the exit code set_exit_code gave:
  /// by then everything durable is written and the exit status is known.
  void expect_lost_peers() noexcept { lost_peers_ = true; }
  bool has_lost_peers() const noexcept { return lost_peers_; }
  /// The exit code of the process should MPI_Finalize not return (see expect_lost_peers).
  void set_exit_code(int code) noexcept { exit_code_ = code; }
  static constexpr std::chrono::seconds finalize_timeout{10};

 private:
  bool owns_mpi_ = false;
  bool lost_peers_ = false;
  int exit_code_ = 0;
  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  int size_ = 1;
  int ranks_on_node_ = 1;
  std::string host_;
  std::vector<std::string> hosts_;
};

/// "Worker 3 of 4 on node12": the prefix of every message about a rank.
std::string describe_rank(int rank, int size, const std::string& host);

}  // namespace rankpool
