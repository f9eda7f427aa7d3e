#pragma once
/// What a batch does once a task has failed every attempt.
namespace rankpool {

enum class error_policy {
  abort,     ///< hand out no more chunks of the batch; get() throws
  keep_going ///< run everything else; failures are recorded ("continue" in job files)
};

}  // namespace rankpool
