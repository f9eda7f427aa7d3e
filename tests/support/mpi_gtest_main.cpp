// GoogleTest main for MPI tests: one environment per process, and only rank 0
// prints; any rank's failure makes that rank exit non-zero, which fails mpirun.
#include <gtest/gtest.h>

#include "support/mpi_test_env.hpp"

namespace {
rankpool::environment* global_env = nullptr;
}

rankpool::environment& test_env() { return *global_env; }

int main(int argc, char** argv) {
  rankpool::environment env(argc, argv);
  global_env = &env;
  ::testing::InitGoogleTest(&argc, argv);
  if (env.rank() != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  const int failed = RUN_ALL_TESTS();
  if (failed && env.rank() != 0) std::fprintf(stderr, "rank %d: tests failed\n", env.rank());
  return failed;
}
