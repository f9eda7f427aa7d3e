#pragma once
/// Process exit codes of the rankpool command line (docs/RELIABILITY.md).
namespace rankpool {

enum exit_code : int {
  exit_ok = 0,            ///< every task succeeded
  exit_failure = 1,       ///< anything else went wrong
  exit_usage = 2,         ///< bad usage or input: nothing ran, nothing was written
  exit_tasks_failed = 3,  ///< the run completed, some tasks failed
  exit_interrupted = 4,   ///< a signal stopped the run; everything finished is durable, --resume continues
};

}  // namespace rankpool
