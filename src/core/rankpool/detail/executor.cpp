#include "rankpool/detail/executor.hpp"

#include "rankpool/detail/chunk_runner.hpp"

namespace rankpool::detail {

const task_entry& task_table::task(std::uint32_t id) const {
  if (id >= tasks_.size()) throw error("rankpool: chunk names task id " + std::to_string(id) + ", table has " +
                                       std::to_string(tasks_.size()));
  return tasks_[id];
}

const reduction_entry& task_table::reduction(std::uint32_t id) const {
  if (id >= reductions_.size()) throw error("rankpool: chunk names an unknown reduction id " + std::to_string(id));
  return reductions_[id];
}

std::uint64_t task_table::fingerprint() const {
  // FNV-1a over names in order; a separator keeps ("ab","c") apart from ("a","bc").
  std::uint64_t hash = 1469598103934665603ull;
  auto mix = [&hash](const std::string& text) {
    for (unsigned char c : text + '\x1f') hash = (hash ^ c) * 1099511628211ull;
  };
  for (const auto& t : tasks_) mix("t:" + t.name);
  for (const auto& r : reductions_) mix("r:" + r.name);
  return hash;
}

void write_chunk_header(byte_buffer& out, const chunk_header& header) {
  out.clear();
  wire_writer(out).put(header);
}

void limit_kernel_threads(const executor_identity& self) {
  // A kernel's own `omp parallel` inherits this thread's nthreads-var: without
  // the limit it would start one thread per core of the node on every rank.
  omp_set_num_threads(std::max(1, self.context.threads));
}

void execute_chunk(const task_table& table, byte_view message, byte_buffer& reply, const executor_identity& self,
                   chunk_output& out) {
  const double start = seconds_since(self.epoch);
  wire_reader reader(message);
  const auto header = reader.get<chunk_header>();
  chunk_input in;
  in.first = header.first;
  in.count = header.count;
  in.index_base = header.index_base;
  in.has_inputs = header.has_inputs != 0;
  if (in.has_inputs) {
    in.offsets.resize(std::size_t{header.count} + 1);
    for (auto& offset : in.offsets) offset = reader.get<std::uint64_t>();
    in.input_bytes = reader.rest();
    if (in.offsets.back() > in.input_bytes.size()) throw error("rankpool wire: chunk inputs are truncated");
  }
  if (header.reduction_id != no_reduction) in.reduction = &table.reduction(header.reduction_id);
  table.task(header.task_id).run(in, out, self.context);

  result_header result{};
  result.chunk_id = header.chunk_id;
  result.count = header.count;
  result.failed = out.failed;
  result.layout = out.layout;
  result.item_bytes = out.item_bytes;
  result.threads_used = out.threads_used;
  result.rank = self.rank;
  result.start_seconds = start;
  result.end_seconds = seconds_since(self.epoch);
  result.busy_seconds = out.busy_seconds;

  reply.clear();
  wire_writer w(reply);
  w.put(result);
  if (out.failed > 0) {
    w.put_bytes(reinterpret_cast<const char*>(out.failed_flags.data()), out.failed_flags.size());
    for (const auto& [item, text] : out.errors) {
      w.put(item);
      w.put(static_cast<std::uint32_t>(text.size()));
      w.put_bytes(text.data(), text.size());
    }
  }
  w.put_bytes(out.body.data(), out.body.size());
}

}  // namespace rankpool::detail
