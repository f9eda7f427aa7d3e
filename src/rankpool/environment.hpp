#pragma once
/// MPI start-up and the facts every rank needs: who am I, where, with how many cores.
#include <mpi.h>

#include <memory>
#include <string>
#include <vector>

namespace boost::mpi {
class environment;
}

namespace rankpool {

/// Owns MPI for the process. Works without a launcher (singleton MPI), under
/// mpirun/srun, and in a SLURM allocation. Requests MPI_THREAD_SERIALIZED because
/// rank 0's scheduler thread makes every MPI call there while the driver runs on main.
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
  int node_count() const noexcept { return node_count_; }
  /// Threads a rank should use when nobody said: OMP_NUM_THREADS, else
  /// SLURM_CPUS_PER_TASK, else the node's cores divided among its ranks.
  int default_threads() const;
  /// The thread level MPI granted.
  int thread_level() const noexcept { return thread_level_; }

  /// Rank 0's `text`, on every rank (a collective: all ranks call it).
  std::string broadcast(std::string text) const;

  /// Ends every rank of the job now (MPI_Abort): the way out of any fatal error.
  [[noreturn]] void abort(int exit_code) const noexcept;

 private:
  std::unique_ptr<boost::mpi::environment> mpi_;
  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  int size_ = 1;
  int thread_level_ = MPI_THREAD_SINGLE;
  int ranks_on_node_ = 1;
  int node_count_ = 1;
  std::string host_;
  std::vector<std::string> hosts_;
};

/// "Worker 3 of 4 on node12": the prefix of every message about a rank.
std::string describe_rank(int rank, int size, const std::string& host);

}  // namespace rankpool
