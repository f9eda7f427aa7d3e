#include "rankpool/detail/executor.hpp"

#include "rankpool/detail/chunk_runner.hpp"
#include "rankpool/detail/crash_reporter.hpp"

namespace rankpool::detail {

void limit_kernel_threads(const executor_identity& self) {
  // A kernel's own `omp parallel` inherits this thread's nthreads-var: without
  // the limit it would start one thread per core of the node on every rank.
  omp_set_num_threads(std::max(1, self.context.threads));
}

void execute_chunk(const task_table& table, byte_view message, byte_buffer& reply, const executor_identity& self,
                   chunk_output& out) {
  const double start = seconds_since(self.epoch);
  chunk_input in{wire::decode_chunk(message)};
  const wire::chunk_header& header = in.chunk.header;
  if (header.reduction_id != wire::no_reduction) in.reduction = &table.reduction(header.reduction_id);
  set_running_chunk(header.chunk_id);
  table.task(header.task_id).run(in, out, self.context);
  set_running_chunk(0);

  wire::result_header result{};
  result.chunk_id = header.chunk_id;
  result.count = header.count;
  result.failed = static_cast<std::uint32_t>(out.failures.size());
  result.layout = out.layout;
  result.item_bytes = out.item_bytes;
  result.threads_used = out.threads_used;
  result.rank = self.rank;
  result.start_seconds = start;
  result.end_seconds = seconds_since(self.epoch);
  result.busy_seconds = out.busy_seconds;
  wire::encode_result(result, out.failed_flags, out.failures, out.body, reply);
}

}  // namespace rankpool::detail
