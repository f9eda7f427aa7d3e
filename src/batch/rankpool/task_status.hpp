#pragma once
/// What /tasks/status of a run file says about each task.
#include <cstdint>

namespace rankpool {

enum task_status : std::uint8_t { status_pending = 0, status_done = 1, status_failed = 2 };

}  // namespace rankpool
