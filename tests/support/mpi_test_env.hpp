#pragma once
#include "rankpool/environment.hpp"

/// The process's MPI environment, created by the MPI test main.
rankpool::environment& test_env();
