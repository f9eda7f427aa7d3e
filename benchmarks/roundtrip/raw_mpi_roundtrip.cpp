// Plain-MPI baseline for a chunk-1 scheduler: rank 0 hands 40-byte task descriptors
// to ranks 1..N-1 on request, each worker answers with a small result and gets the
// next descriptor back. No threads, no serialization, no bookkeeping beyond a counter:
// the ceiling a chunk-1 task pool built on the same MPI could reach.
//
//   mpirun -n 2 raw_mpi_roundtrip [--tasks N]      request/reply loop (MPI_ANY_SOURCE on rank 0)
//   mpirun -n 2 raw_mpi_roundtrip --pingpong [--tasks N]   40 B / 16 B ping-pong between ranks 0 and 1
//
// Rank 0 prints one JSON line with tasks_per_s (round trips per second in ping-pong mode).
#include <mpi.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

/// What a chunk-1 scheduler sends: 40 bytes.
struct descriptor {
  std::uint64_t chunk_id;
  std::uint64_t first;
  std::uint64_t index_base;
  std::uint32_t count;
  std::uint32_t task_id;
  std::uint64_t flags;
};
static_assert(sizeof(descriptor) == 40);

/// What a worker sends back: 16 bytes (which chunk, its one result).
struct reply {
  std::uint64_t chunk_id;
  std::uint64_t value;
};
static_assert(sizeof(reply) == 16);

constexpr int tag_task = 1;
constexpr int tag_result = 2;
constexpr int tag_stop = 3;

struct options {
  std::uint64_t tasks = 1'000'000;
  bool pingpong = false;
};

[[noreturn]] void usage(const char* message) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (rank == 0) std::fprintf(stderr, "raw_mpi_roundtrip: %s\nusage: raw_mpi_roundtrip [--tasks N] [--pingpong]\n", message);
  MPI_Finalize();
  std::exit(2);
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--pingpong") {
      o.pingpong = true;
    } else if (arg == "--tasks" && i + 1 < argc) {
      char* end = nullptr;
      const std::string value = argv[++i];
      o.tasks = std::strtoull(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || value[0] == '-') usage("--tasks needs a non-negative integer");
    } else {
      usage(("unknown argument '" + arg + "'").c_str());
    }
  }
  return o;
}

/// Rank 0 of the request/reply loop. Returns tasks completed.
std::uint64_t hand_out(std::uint64_t tasks, int size, std::uint64_t& checksum) {
  std::uint64_t next = 0;
  std::uint64_t done = 0;
  int active = size - 1;
  descriptor d{};
  d.count = 1;
  reply r{};
  MPI_Status status;
  // Every worker opens with a request (chunk_id 0, no result); after that each reply
  // carries the previous task's result and asks for the next one.
  while (active > 0) {
    MPI_Recv(&r, sizeof r, MPI_BYTE, MPI_ANY_SOURCE, tag_result, MPI_COMM_WORLD, &status);
    if (r.chunk_id != 0) {
      ++done;
      checksum += r.value;
    }
    if (next < tasks) {
      d.chunk_id = next + 1;
      d.first = next;
      ++next;
      MPI_Send(&d, sizeof d, MPI_BYTE, status.MPI_SOURCE, tag_task, MPI_COMM_WORLD);
    } else {
      MPI_Send(nullptr, 0, MPI_BYTE, status.MPI_SOURCE, tag_stop, MPI_COMM_WORLD);
      --active;
    }
  }
  return done;
}

void work() {
  reply r{};
  descriptor d{};
  MPI_Status status;
  MPI_Send(&r, sizeof r, MPI_BYTE, 0, tag_result, MPI_COMM_WORLD);
  while (true) {
    MPI_Recv(&d, sizeof d, MPI_BYTE, 0, MPI_ANY_TAG, MPI_COMM_WORLD, &status);
    if (status.MPI_TAG == tag_stop) return;
    r.chunk_id = d.chunk_id;
    r.value = d.index_base + d.first;  // the "task": a no-op on the index
    MPI_Send(&r, sizeof r, MPI_BYTE, 0, tag_result, MPI_COMM_WORLD);
  }
}

void pingpong(int rank, std::uint64_t rounds, std::uint64_t& checksum) {
  descriptor d{};
  d.count = 1;
  reply r{};
  if (rank == 0) {
    for (std::uint64_t i = 0; i < rounds; ++i) {
      d.chunk_id = i + 1;
      d.first = i;
      MPI_Send(&d, sizeof d, MPI_BYTE, 1, tag_task, MPI_COMM_WORLD);
      MPI_Recv(&r, sizeof r, MPI_BYTE, 1, tag_result, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      checksum += r.value;
    }
  } else if (rank == 1) {
    for (std::uint64_t i = 0; i < rounds; ++i) {
      MPI_Recv(&d, sizeof d, MPI_BYTE, 0, tag_task, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      r.chunk_id = d.chunk_id;
      r.value = d.first;
      MPI_Send(&r, sizeof r, MPI_BYTE, 0, tag_result, MPI_COMM_WORLD);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  int size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const options o = parse(argc, argv);
  if (size < 2) usage("needs at least 2 ranks (rank 0 hands out, the others work)");

  std::uint64_t checksum = 0;
  std::uint64_t done = o.tasks;
  MPI_Barrier(MPI_COMM_WORLD);
  const auto start = std::chrono::steady_clock::now();
  if (o.pingpong) {
    pingpong(rank, o.tasks, checksum);
  } else if (rank == 0) {
    done = hand_out(o.tasks, size, checksum);
  } else {
    work();
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  int status = 0;
  if (rank == 0) {
    const std::uint64_t n = o.tasks;
    const std::uint64_t expected = n == 0 ? 0 : (n % 2 == 0 ? (n / 2) * (n - 1) : n * ((n - 1) / 2));
    if (done != o.tasks || checksum != expected) {
      std::fprintf(stderr, "raw_mpi_roundtrip: got %llu results (checksum %llu), expected %llu (%llu)\n",
                   static_cast<unsigned long long>(done), static_cast<unsigned long long>(checksum),
                   static_cast<unsigned long long>(o.tasks), static_cast<unsigned long long>(expected));
      status = 1;
    }
    std::printf(
        "{\"benchmark\":\"%s\",\"ranks\":%d,\"tasks\":%llu,\"seconds\":%.6f,\"tasks_per_s\":%.1f,"
        "\"message_bytes\":[%zu,%zu]}\n",
        o.pingpong ? "raw_mpi_pingpong" : "raw_mpi_roundtrip", o.pingpong ? 2 : size,
        static_cast<unsigned long long>(o.tasks), seconds, seconds > 0 ? static_cast<double>(o.tasks) / seconds : 0.0,
        sizeof(descriptor), sizeof(reply));
    std::fflush(stdout);
  }
  MPI_Finalize();
  return status;
}
