#include "rankpool/environment.hpp"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <thread>

#include "rankpool/detail/mpi_check.hpp"

namespace rankpool {
namespace {

int positive_env(const char* name) {
  const char* text = std::getenv(name);
  if (!text || !*text) return 0;
  char* end = nullptr;
  long value = std::strtol(text, &end, 10);
  return (*end == '\0' && value > 0 && value < 1 << 16) ? static_cast<int>(value) : 0;
}

std::string local_host() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "unknown-host";
  return name;
}

}  // namespace

std::string describe_rank(int rank, int size, const std::string& host) {
  return "Worker " + std::to_string(rank) + " of " + std::to_string(size) + " on " + host;
}

environment::environment(int& argc, char**& argv) {
  int initialized = 0;
  detail::mpi_check(MPI_Initialized(&initialized), "MPI_Initialized");
  if (!initialized) {
    int provided = MPI_THREAD_SINGLE;
    detail::mpi_check(MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided), "MPI_Init_thread");
    owns_mpi_ = true;
    if (provided < MPI_THREAD_SERIALIZED) {
      MPI_Finalize();
      throw error("MPI_Init_thread: this MPI grants thread level " + std::to_string(provided) +
                  "; rankpool needs MPI_THREAD_SERIALIZED (" + std::to_string(MPI_THREAD_SERIALIZED) + ")");
    }
  }
  detail::mpi_check(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
  detail::mpi_check(MPI_Comm_dup(MPI_COMM_WORLD, &comm_), "MPI_Comm_dup");
  detail::mpi_check(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
  detail::mpi_check(MPI_Comm_size(comm_, &size_), "MPI_Comm_size");

  MPI_Comm node_comm = MPI_COMM_NULL;
  detail::mpi_check(MPI_Comm_split_type(comm_, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node_comm),
                    "MPI_Comm_split_type");
  detail::mpi_check(MPI_Comm_size(node_comm, &ranks_on_node_), "MPI_Comm_size");
  detail::mpi_check(MPI_Comm_free(&node_comm), "MPI_Comm_free");

  host_ = local_host();
  constexpr int name_width = 256;
  std::string mine(name_width, '\0');
  std::copy_n(host_.begin(), std::min<std::size_t>(host_.size(), name_width - 1), mine.begin());
  std::string all(static_cast<std::size_t>(name_width) * static_cast<std::size_t>(size_), '\0');
  detail::mpi_check(MPI_Allgather(mine.data(), name_width, MPI_CHAR, all.data(), name_width, MPI_CHAR, comm_),
                    "MPI_Allgather");
  for (int r = 0; r < size_; ++r) hosts_.emplace_back(all.c_str() + static_cast<std::size_t>(r) * name_width);
}

environment::~environment() {
  if (owns_mpi_ && std::uncaught_exceptions() > 0) abort(1);  // other ranks may wait in a collective
  if (comm_ != MPI_COMM_NULL) MPI_Comm_free(&comm_);
  if (!owns_mpi_) return;
  if (lost_peers_) {
    std::thread([code = exit_code_] {
      std::this_thread::sleep_for(finalize_timeout);
      std::fflush(nullptr);
      std::_Exit(code);
    }).detach();
  }
  MPI_Finalize();
}

int environment::default_threads() const {
  if (int n = positive_env("OMP_NUM_THREADS")) return n;
  if (int n = positive_env("SLURM_CPUS_PER_TASK")) return n;
  // A launcher that bound this rank to a set of cores already divided the node.
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  int node_cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (sched_getaffinity(0, sizeof allowed, &allowed) == 0 && CPU_COUNT(&allowed) < node_cores)
    return std::max(1, CPU_COUNT(&allowed));
  return std::max(1, node_cores / std::max(1, ranks_on_node_));
}

std::string environment::broadcast(std::string text) const {
  std::uint64_t length = text.size();
  detail::mpi_check(MPI_Bcast(&length, 1, MPI_UINT64_T, 0, comm_), "MPI_Bcast(length)");
  text.resize(length);
  if (length)
    detail::mpi_check(MPI_Bcast(text.data(), static_cast<int>(length), MPI_CHAR, 0, comm_), "MPI_Bcast(text)");
  return text;
}

void environment::abort(int exit_code) const noexcept {
  MPI_Abort(comm_ != MPI_COMM_NULL ? comm_ : MPI_COMM_WORLD, exit_code);
  std::_Exit(exit_code);
}

}  // namespace rankpool
