#include "rankpool/detail/scheduler.hpp"

#include <algorithm>

#include "rankpool/detail/fatal.hpp"
#include "rankpool/detail/mpi_check.hpp"

namespace rankpool::detail {

struct scheduler::batch {
  std::uint64_t id = 0;
  batch_spec spec;
  chunk_sizer sizer;
  std::uint64_t next = 0;                                    ///< first item never dispatched
  std::deque<std::pair<std::uint64_t, std::uint32_t>> retry;  ///< (item, attempt)
  std::uint64_t chunks_in_flight = 0;
  std::uint64_t settled = 0;  ///< items with a final state
  bool cancelled = false;
  bool finished = false;

  batch(std::uint64_t batch_id, batch_spec s, int total_threads)
      : id(batch_id), spec(std::move(s)), sizer(spec.policy, total_threads) {}
  bool has_work() const { return !cancelled && (!retry.empty() || next < spec.count); }
};

scheduler::scheduler(const environment& env, const task_table& table, scheduler_options options)
    : env_(env),
      table_(table),
      options_(std::move(options)),
      sends_(env.comm()),
      scheduler_who_(options_.local_identity.where + " (scheduler)"),
      executor_who_(options_.local_identity.where + " (executor)") {
  executor_load_.assign(static_cast<std::size_t>(env_.size()), 0);
  total_threads_ = 0;
  for (int t : options_.worker_threads) total_threads_ += std::max(1, t);
  local_thread_ = std::thread([this] { local_executor_loop(); });
  scheduler_thread_ = std::thread([this] { fatal_on_exception(env_, scheduler_who_, [this] { loop(); }); });
}

scheduler::~scheduler() {
  if (scheduler_thread_.joinable()) {
    cancel_all();
    shutdown();
  }
}

std::uint64_t scheduler::submit(batch_spec spec) {
  std::lock_guard lock(request_mutex_);
  const std::uint64_t id = next_batch_id_++;
  new_batches_.emplace_back(id, std::move(spec));
  requests_pending_ = true;
  wake_.notify_one();
  return id;
}

void scheduler::cancel_all() {
  std::lock_guard lock(request_mutex_);
  cancel_everything_ = true;
  requests_pending_ = true;
  wake_.notify_one();
}

void scheduler::shutdown() {
  {
    std::lock_guard lock(request_mutex_);
    shutdown_requested_ = true;
    requests_pending_ = true;
    wake_.notify_one();
  }
  if (scheduler_thread_.joinable()) scheduler_thread_.join();
}

bool scheduler::next_completion(completion& out, bool block, std::chrono::milliseconds timeout) {
  std::unique_lock lock(completion_mutex_);
  if (block) completion_ready_.wait_for(lock, timeout, [this] { return !completions_.empty(); });
  if (completions_.empty()) return false;
  out = std::move(completions_.front());
  completions_.pop_front();
  return true;
}

void scheduler::push_completion(completion c) {
  {
    std::lock_guard lock(completion_mutex_);
    completions_.push_back(std::move(c));
  }
  completion_ready_.notify_one();
}

bool scheduler::all_done() const { return in_flight_.empty() && batches_.empty(); }

bool scheduler::iterate() {
  bool progressed = take_requests();
  progressed |= receive_results();
  progressed |= dispatch();
  progressed |= sends_.complete();
  return progressed;
}

void scheduler::loop() {
  limit_kernel_threads(options_.local_identity);
  backoff idle;
  while (true) {
    bool progressed = false;
    {
      std::unique_lock progress(progress_mutex_);
      // While the driver waits for results it runs the loop itself (see drive_until_completion).
      driver_done_.wait(progress, [this] { return !driver_progressing_; });
      progressed = iterate();
      bool stopping = false;
      {
        std::lock_guard lock(request_mutex_);
        stopping = shutdown_requested_;
      }
      if (stopping && all_done()) break;
    }
    if (progressed) {
      idle.reset();
    } else {
      idle_wait(idle);
    }
  }
  // Every executor is idle now: tell the workers to leave their serve loop.
  byte_buffer stop;
  wire::encode_stop(stop);
  for (int rank = 1; rank < env_.size(); ++rank)
    mpi_check(MPI_Send(stop.data(), static_cast<int>(stop.size()), MPI_BYTE, rank, static_cast<int>(wire::tag::stop),
                       env_.comm()),
              "MPI_Send(stop)");
  while (!sends_.empty()) sends_.complete();
  {
    std::lock_guard lock(local_mutex_);
    local_stop_ = true;
  }
  local_wake_.notify_one();
  local_thread_.join();
}

bool scheduler::drive_until_completion(completion& out, std::chrono::milliseconds timeout) {
  if (next_completion(out, false, timeout)) return true;
  // The driver would only sleep until the scheduler thread woke it: instead it runs
  // the scheduler loop itself, saving two thread hand-offs per chunk. MPI stays
  // serialized: whoever holds progress_mutex_ is the only thread calling MPI.
  driver_progressing_ = true;
  std::unique_lock progress(progress_mutex_);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool got = false;
  backoff idle;
  fatal_on_exception(env_, scheduler_who_, [&] {
    while (!(got = next_completion(out, false, timeout))) {
      if (iterate()) {
        idle.reset();
      } else {
        if (std::chrono::steady_clock::now() >= deadline) break;
        idle_wait(idle);
      }
    }
  });
  driver_progressing_ = false;
  progress.unlock();
  driver_done_.notify_all();
  return got;
}

void scheduler::idle_wait(backoff& idle) {
  const auto wait = idle.next_wait(last_chunk_estimate_);
  if (wait.count() == 0) return;
  // On the condition variable rather than asleep: the driver and the local executor
  // wake the loop at once when they hand it work.
  std::unique_lock lock(request_mutex_);
  wake_.wait_for(lock, wait, [this] { return requests_pending_.load() || local_replies_pending_.load(); });
}

bool scheduler::take_requests() {
  if (!requests_pending_.load(std::memory_order_acquire)) return false;
  std::vector<std::pair<std::uint64_t, batch_spec>> added;
  bool everything = false;
  {
    std::lock_guard lock(request_mutex_);
    added.swap(new_batches_);
    everything = cancel_everything_;
    cancel_everything_ = false;
    requests_pending_ = false;
  }
  for (auto& [id, spec] : added) {
    auto b = std::make_unique<batch>(id, std::move(spec), total_threads_);
    batch_order_.push_back(id);
    auto& ref = *b;
    batches_.emplace(id, std::move(b));
    finish_batch_if_done(ref);  // an empty batch finishes at once
  }
  if (everything) {
    std::vector<batch*> all;
    for (auto& [id, b] : batches_) all.push_back(b.get());
    for (auto* b : all) {
      b->cancelled = true;
      b->retry.clear();
      finish_batch_if_done(*b);
    }
  }
  return true;
}

void scheduler::finish_batch_if_done(batch& b) {
  if (b.finished || b.has_work() || b.chunks_in_flight > 0) return;
  b.finished = true;
  completion c;
  c.what = completion::kind::batch_finished;
  c.batch_id = b.id;
  c.cancelled = b.spec.count - b.settled;
  push_completion(std::move(c));
  batch_order_.erase(std::find(batch_order_.begin(), batch_order_.end(), b.id));
  batches_.erase(b.id);
}

bool scheduler::make_chunk(int rank, byte_buffer& out) {
  for (auto id : batch_order_) {
    batch& b = *batches_.at(id);
    if (!b.has_work()) continue;
    wire::chunk_header header{};
    header.chunk_id = next_chunk_id_++;
    header.task_id = b.spec.task_id;
    header.reduction_id = b.spec.reduction_id;
    header.index_base = b.spec.index_base;
    header.has_inputs = b.spec.encode_inputs ? 1 : 0;
    std::uint32_t attempt = 1;
    if (!b.retry.empty()) {
      std::tie(header.first, attempt) = b.retry.front();
      b.retry.pop_front();
      header.count = 1;
    } else {
      header.first = b.next;
      header.count = b.sizer.next(b.spec.count - b.next, options_.worker_threads[static_cast<std::size_t>(rank)]);
      b.next += header.count;
    }
    wire::encode_chunk(header, out);
    if (b.spec.encode_inputs) b.spec.encode_inputs(header.first, header.count, out);
    in_flight_.emplace(header.chunk_id, in_flight{b.id, header.first, header.count, attempt, rank});
    double item_seconds = b.sizer.mean_item_seconds();
    if (item_seconds <= 0) {
      const auto known = task_item_seconds_.find(b.spec.task_id);
      if (known != task_item_seconds_.end()) item_seconds = known->second;
    }
    last_chunk_estimate_ =
        item_seconds * header.count / std::max(1, options_.worker_threads[static_cast<std::size_t>(rank)]);
    ++b.chunks_in_flight;
    return true;
  }
  return false;
}

bool scheduler::dispatch() {
  bool progressed = false;
  const int ranks = env_.size();
  // Round robin over executors so no rank is always served last.
  for (int step = 0; step < ranks; ++step) {
    const int rank = (next_rank_ + step) % ranks;
    auto& load = executor_load_[static_cast<std::size_t>(rank)];
    while (load < options_.prefetch) {
      byte_buffer buffer = sends_.take_buffer();
      if (!make_chunk(rank, buffer)) {
        sends_.give_back(std::move(buffer));
        next_rank_ = (rank + 1) % ranks;
        return progressed;
      }
      ++load;
      progressed = true;
      if (rank == 0 && last_chunk_estimate_ > 0 && last_chunk_estimate_ < inline_chunk_seconds) {
        // A chunk this short costs less than waking the executor thread: run it here,
        // then go back to polling (one per round, so MPI traffic is never starved).
        execute_chunk(table_, buffer, inline_reply_, options_.local_identity, inline_scratch_);
        sends_.give_back(std::move(buffer));
        handle_result(std::move(inline_reply_));
        inline_reply_ = byte_buffer();
        break;
      }
      if (rank == 0) {
        {
          std::lock_guard lock(local_mutex_);
          local_queue_.push_back(std::move(buffer));
        }
        local_wake_.notify_one();
      } else {
        sends_.send(rank, wire::tag::chunk, std::move(buffer));
      }
    }
  }
  next_rank_ = (next_rank_ + 1) % ranks;
  return progressed;
}

bool scheduler::receive_results() {
  bool progressed = false;
  if (local_replies_pending_.load(std::memory_order_acquire)) {
    std::deque<byte_buffer> replies;
    {
      std::lock_guard lock(local_mutex_);
      replies.swap(local_replies_);
      local_replies_pending_ = false;
    }
    for (auto& reply : replies) handle_result(std::move(reply));
    progressed = !replies.empty();
  }
  if (env_.size() == 1) return progressed;
  for (int received = 0; received < 64; ++received) {
    // A fresh buffer each time: the completion takes it to the driver.
    byte_buffer message;
    MPI_Status status;
    if (!try_receive(env_.comm(), MPI_ANY_SOURCE, static_cast<int>(wire::tag::result), message, status)) break;
    handle_result(std::move(message));
    progressed = true;
  }
  return progressed;
}

void scheduler::handle_result(byte_buffer message) {
  wire::result_view result = wire::decode_result(message);
  auto flight = in_flight_.find(result.header.chunk_id);
  if (flight == in_flight_.end())
    throw error("rankpool: result for unknown chunk " + std::to_string(result.header.chunk_id));
  const in_flight chunk = flight->second;
  if (result.header.count != chunk.count)
    throw error("rankpool: result for chunk " + std::to_string(result.header.chunk_id) + " has " +
                std::to_string(result.header.count) + " items, not " + std::to_string(chunk.count));
  in_flight_.erase(flight);
  --executor_load_[static_cast<std::size_t>(chunk.rank)];

  completion c;
  c.header = result.header;
  c.batch_id = chunk.batch_id;
  c.first = chunk.first;
  c.count = chunk.count;
  c.attempt = chunk.attempt;
  c.states.reserve(result.failed_flags.size());
  for (char flag : result.failed_flags) c.states.push_back(flag != 0 ? item_failed : item_ok);
  c.body_offset = result.body_offset;

  auto it = batches_.find(chunk.batch_id);
  batch* b = it == batches_.end() ? nullptr : it->second.get();
  if (!b) throw error("rankpool: result for a batch that already finished");
  --b->chunks_in_flight;
  b->sizer.observe(chunk.count, c.header.busy_seconds);
  task_item_seconds_[b->spec.task_id] = b->sizer.mean_item_seconds();

  // Failed items go back in the queue while attempts remain; only final failures reach the driver.
  for (auto& failure : result.failures) {
    const std::uint64_t index = chunk.first + failure.item;
    const std::uint32_t attempts = chunk.attempt;
    if (!b->cancelled && static_cast<int>(attempts) <= b->spec.retries) {
      c.states[failure.item] = item_retrying;
      b->retry.emplace_back(index, attempts + 1);
    } else {
      c.failures.push_back(std::move(failure));
    }
  }
  std::uint64_t final_items = chunk.count;
  if (!c.states.empty())
    final_items -= static_cast<std::uint64_t>(std::count(c.states.begin(), c.states.end(), item_retrying));
  b->settled += final_items;
  if (!c.failures.empty() && b->spec.abort_on_error) {
    b->cancelled = true;
    b->retry.clear();
  }
  c.message = std::move(message);
  push_completion(std::move(c));
  finish_batch_if_done(*b);
}

void scheduler::local_executor_loop() {
  chunk_output scratch;
  byte_buffer reply;
  limit_kernel_threads(options_.local_identity);
  while (true) {
    byte_buffer message;
    {
      std::unique_lock lock(local_mutex_);
      local_wake_.wait(lock, [this] { return local_stop_ || !local_queue_.empty(); });
      if (local_queue_.empty()) return;
      message = std::move(local_queue_.front());
      local_queue_.pop_front();
    }
    fatal_on_exception(env_, executor_who_,
                       [&] { execute_chunk(table_, message, reply, options_.local_identity, scratch); });
    {
      std::lock_guard lock(local_mutex_);
      local_replies_.push_back(std::move(reply));
      reply = std::move(message);  // reuse the chunk's allocation for the next reply
      local_replies_pending_ = true;
    }
    // Wake the scheduler if it is backing off.
    { std::lock_guard lock(request_mutex_); }
    wake_.notify_one();
  }
}

}  // namespace rankpool::detail
