#pragma once
/// The run file's layout (docs/OUTPUT.md), shared by `rankpool run` and `rankpool merge`.
#include <cstdint>
#include <string>

#include "rankpool/app.hpp"
#include "rankpool/job.hpp"
#include "rankpool/run_file.hpp"
#include "rankpool/task_status.hpp"

namespace rankpool::detail {

/// Now, as YYYY-MM-DDTHH:MM:SSZ.
std::string utc_now();
/// Now, as seconds since the Unix epoch.
double unix_now();

/// Why a new output file cannot be written at `path`, or "" when it can (`force`:
/// an existing file may be replaced).
std::string output_problem(const std::string& path, bool force);

/// Adds what a run file written by an older rankpool lacks (/timing, /chunks/kind,
/// /events), so a resume can write them.
void add_missing_columns(run_file& file, std::uint64_t tasks);

/// Writes the job's attributes and creates /tasks, /chunks, /sweep and the app's
/// /results for `tasks` tasks, every one pending.
void create_run_file_layout(run_file& file, const job_spec& job, app& instance, std::uint64_t tasks);

}  // namespace rankpool::detail
