#include "rankpool/detail/scheduler.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "rankpool/detail/fatal.hpp"
#include "rankpool/detail/mpi_check.hpp"

namespace rankpool::detail {
namespace {

std::string seconds_text(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", seconds);
  return text;
}

/// An isolated item: one that was in a chunk lost with its rank, so it runs alone.
struct isolated_item {
  std::uint64_t item;
  std::uint32_t attempt;
  std::uint32_t losses;
  std::string history;
};

}  // namespace

struct scheduler::batch {
  std::uint64_t id = 0;
  batch_spec spec;
  chunk_sizer sizer;
  std::uint64_t next = 0;                                    ///< first item never dispatched
  std::deque<std::pair<std::uint64_t, std::uint32_t>> retry;  ///< (item, attempt): threw, one per chunk
  std::deque<isolated_item> isolated;                         ///< lost with a rank: one per chunk, not on rank 0
  std::deque<std::tuple<std::uint64_t, std::uint32_t, std::uint32_t>> requeued;  ///< (first, count, attempt)
  std::uint64_t chunks_in_flight = 0;  ///< chunk groups not settled (a group: a chunk and its copies)
  std::uint64_t settled = 0;           ///< items with a final state
  bool cancelled = false;
  bool finished = false;

  batch(std::uint64_t batch_id, batch_spec s, int total_threads)
      : id(batch_id), spec(std::move(s)), sizer(spec.policy, total_threads) {}
  bool has_work() const {
    return !cancelled && (!retry.empty() || !isolated.empty() || !requeued.empty() || next < spec.count);
  }
  std::uint64_t items_left() const {
    std::uint64_t n = spec.count - next + retry.size() + isolated.size();
    for (const auto& r : requeued) n += std::get<1>(r);
    return n;
  }
};

scheduler::scheduler(const environment& env, const task_table& table, scheduler_options options)
    : env_(env),
      table_(table),
      options_(std::move(options)),
      sends_(env.comm()),
      scheduler_who_(options_.local_identity.where + " (scheduler)"),
      executor_who_(options_.local_identity.where + " (executor)") {
  executor_load_.assign(static_cast<std::size_t>(env_.size()), 0);
  ranks_.resize(static_cast<std::size_t>(env_.size()));
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

void scheduler::set_deadline(clock::time_point deadline) {
  std::lock_guard lock(request_mutex_);
  requested_deadline_ = deadline;
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

resilience_counts scheduler::counts() const {
  std::lock_guard lock(request_mutex_);
  return published_counts_;
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

bool scheduler::all_done() const {
  if (!batches_.empty()) return false;
  // Copies that lost the race, and chunks given up with their rank, may never come back.
  return std::all_of(in_flight_.begin(), in_flight_.end(), [](const auto& entry) { return entry.second.superseded; });
}

double scheduler::seconds_now() const {
  return std::chrono::duration<double>(clock::now() - options_.local_identity.epoch).count();
}

bool scheduler::iterate() {
  bool progressed = take_requests();
  progressed |= receive_results();
  check_overdue();
  progressed |= dispatch();
  progressed |= sends_.complete();
  lose_ranks_sends_failed_to();
  return progressed;
}

void scheduler::lose_ranks_sends_failed_to() {
  // Over TCP a dead peer's connection fails: its sends error instead of hanging.
  for (const send_queue::failure& f : sends_.take_failures())
    lose_rank(f.rank, std::string("cannot be reached: ") + mpi_error(f.call, f.code).what(), nullptr);
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
        published_counts_ = counts_;
      }
      if (stopping && all_done()) break;
    }
    if (progressed) {
      idle.reset();
    } else {
      idle_wait(idle);
    }
  }
  // Every batch is settled. A rank whose chunks all ran elsewhere (copies won) and that
  // never answered for them is lost too, though no deadline passed.
  const auto now = clock::now();
  for (int rank = 1; rank < env_.size(); ++rank) {
    const rank_state& r = ranks_[static_cast<std::size_t>(rank)];
    if (r.unresponsive || r.queue.empty()) continue;
    const double silent = seconds_silent(r, now);
    lose_rank(rank,
              silent > patience_.silence_limit_seconds
                  ? "silent for " + seconds_text(silent) + " when the run ended (copies of its chunks ran elsewhere)"
                  : std::string("still computing when the run ended (copies of its chunks ran elsewhere)"),
              nullptr);
  }
  // Tell the workers to leave their serve loop. A rank that stopped answering gets its
  // stop too (it may be slow, not gone), but nothing waits for a send to it: a send to
  // a dead process never completes.
  for (int rank = 1; rank < env_.size(); ++rank) {
    lost_at_end_ |= ranks_[static_cast<std::size_t>(rank)].unresponsive;
    byte_buffer stop = sends_.take_buffer();
    wire::encode_stop(stop, lost_any_);
    sends_.send(rank, wire::tag::stop, std::move(stop));
  }
  const auto give_up = clock::now() + std::chrono::seconds(2);
  auto waiting = [this] {
    for (int rank = 1; rank < env_.size(); ++rank)
      if (!ranks_[static_cast<std::size_t>(rank)].unresponsive && sends_.is_sending_to(rank)) return true;
    return false;
  };
  while (waiting() && clock::now() < give_up) {
    sends_.complete();
    for (const send_queue::failure& f : sends_.take_failures()) {
      ranks_[static_cast<std::size_t>(f.rank)].unresponsive = true;
      lost_at_end_ = true;
    }
  }
  for (int rank = 1; rank < env_.size(); ++rank) sends_.abandon(rank);
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
  const auto deadline = clock::now() + timeout;
  bool got = false;
  backoff idle;
  fatal_on_exception(env_, scheduler_who_, [&] {
    while (!(got = next_completion(out, false, timeout))) {
      if (iterate()) {
        idle.reset();
      } else {
        if (clock::now() >= deadline) break;
        idle_wait(idle);
      }
    }
  });
  {
    std::lock_guard lock(request_mutex_);
    published_counts_ = counts_;
  }
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
    deadline_ = requested_deadline_;
  }
  for (auto& [id, spec] : added) {
    auto b = std::make_unique<batch>(id, std::move(spec), total_threads_);
    if (b->spec.suspects) {
      for (std::uint64_t item = 0; item < b->spec.count; ++item) b->isolated.push_back({item, 1, 1, b->spec.suspicion});
      b->next = b->spec.count;
    }
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
      b->isolated.clear();
      b->requeued.clear();
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

double scheduler::item_seconds_of(const batch& b) const {
  const double measured = b.sizer.mean_item_seconds();
  if (measured > 0) return measured;
  const auto known = task_item_seconds_.find(b.spec.task_id);
  return known != task_item_seconds_.end() ? known->second : 0;
}

double scheduler::estimate_of(const in_flight& c) const {
  const auto it = batches_.find(c.batch_id);
  if (it == batches_.end()) return 0;
  const double item = item_seconds_of(*it->second);
  const auto threads = static_cast<std::uint32_t>(std::max(1, options_.worker_threads[static_cast<std::size_t>(c.rank)]));
  return item * static_cast<double>((c.count + threads - 1) / threads);  // items run in rounds of `threads`
}

void scheduler::encode(const batch& b, const wire::chunk_header& header, byte_buffer& out) const {
  wire::encode_chunk(header, out);
  if (b.spec.encode_inputs) b.spec.encode_inputs(header.first, header.count, out);
}

double scheduler::next_chunk_estimate(int rank) const {
  const auto threads = std::max(1, options_.worker_threads[static_cast<std::size_t>(rank)]);
  for (auto id : batch_order_) {
    const batch& b = *batches_.at(id);
    if (!b.has_work()) continue;
    std::uint64_t items = 1;  // a retry or an isolated suspect
    if (!b.requeued.empty())
      items = std::get<1>(b.requeued.front());
    else if (b.retry.empty() && b.isolated.empty())
      items = std::min<std::uint64_t>(b.spec.count - b.next, std::max<std::uint32_t>(1, last_chunk_items_));
    return item_seconds_of(b) * static_cast<double>(items) / threads;
  }
  return 0;
}

bool scheduler::make_chunk(int rank, byte_buffer& out) {
  const auto threads = options_.worker_threads[static_cast<std::size_t>(rank)];
  const bool can_isolate = rank != 0 || env_.size() == 1 ||
                           std::all_of(ranks_.begin() + 1, ranks_.end(), [](const rank_state& r) { return r.unresponsive; });
  // With a deadline, a chunk starts after those queued on its rank have run.
  double queued_seconds = 0;
  if (deadline_ != clock::time_point::max())
    for (std::uint64_t id : ranks_[static_cast<std::size_t>(rank)].queue) queued_seconds += estimate_of(in_flight_.at(id));
  const double time_left = deadline_ == clock::time_point::max()
                               ? HUGE_VAL
                               : std::chrono::duration<double>(deadline_ - clock::now()).count() - queued_seconds;
  for (auto id : batch_order_) {
    batch& b = *batches_.at(id);
    if (!b.has_work()) continue;
    const double item_seconds = item_seconds_of(b);
    // The deadline: nothing that is expected to end after it starts; a batch that
    // reaches it hands out no more.
    if (item_seconds > 0 && item_seconds > time_left) {
      b.cancelled = true;
      b.retry.clear();
      b.isolated.clear();
      b.requeued.clear();
      deadline_reached_ = true;
      finish_batch_if_done(b);
      return false;
    }
    wire::chunk_header header{};
    header.chunk_id = next_chunk_id_++;
    header.task_id = b.spec.task_id;
    header.reduction_id = b.spec.reduction_id;
    header.index_base = b.spec.index_base;
    header.has_inputs = b.spec.encode_inputs ? 1 : 0;
    in_flight entry{b.id, 0, 1, 1, rank, header.chunk_id, chunk_run::first, clock::now()};
    if (!b.isolated.empty() && can_isolate) {
      // A suspect runs alone, and not on rank 0 while a worker answers: should it crash
      // its process again, it takes one worker down, not the job.
      isolated_item& suspect = b.isolated.front();
      header.first = suspect.item;
      header.count = 1;
      entry.attempt = suspect.attempt;
      entry.losses = suspect.losses;
      entry.loss_history = std::move(suspect.history);
      entry.run = chunk_run::rerun;
      b.isolated.pop_front();
    } else if (!b.requeued.empty()) {
      std::tie(header.first, header.count, entry.attempt) = b.requeued.front();
      entry.run = chunk_run::rerun;
      b.requeued.pop_front();
    } else if (!b.retry.empty()) {
      std::tie(header.first, entry.attempt) = b.retry.front();
      b.retry.pop_front();
      header.count = 1;
    } else if (b.next < b.spec.count) {
      header.first = b.next;
      header.count = b.sizer.next(b.spec.count - b.next, threads);
      if (item_seconds > 0 && time_left < HUGE_VAL) {
        // Near the deadline, chunks shrink to end before it.
        const double fits = time_left / item_seconds * std::max(1, threads);
        header.count = static_cast<std::uint32_t>(std::clamp<double>(std::floor(fits), 1, header.count));
      }
      b.next += header.count;
      last_chunk_items_ = header.count;
    } else {
      continue;  // only isolated items are left, and this rank may not take them
    }
    encode(b, header, out);
    entry.first = header.first;
    entry.count = header.count;
    if (entry.run == chunk_run::rerun) ++counts_.reruns;
    last_chunk_estimate_ = item_seconds * header.count / std::max(1, threads);
    in_flight_.emplace(header.chunk_id, std::move(entry));
    ranks_[static_cast<std::size_t>(rank)].queue.push_back(header.chunk_id);
    ++b.chunks_in_flight;
    return true;
  }
  return false;
}

bool scheduler::make_speculative_copy(int rank, byte_buffer& out) {
  if (!options_.speculation) return false;
  // The most overdue chunk elsewhere that is past its estimate by a clear margin and
  // not copied yet; never a suspect (it might crash a second rank), never on its own rank.
  const auto now = clock::now();
  const lateness* best = nullptr;
  std::vector<lateness> candidates;
  for (int r = 0; r < env_.size(); ++r) {
    if (r == rank) continue;
    for (const lateness& l : late_chunks(r, now)) candidates.push_back(l);
  }
  // A chunk running late may be one that ended its rank without a word (SIGKILL, the OOM
  // killer): rank 0, whose death ends the job, copies one only when no other worker could.
  const auto another_worker_answers = [&](int late_rank) {
    for (int r = 1; r < env_.size(); ++r)
      if (r != late_rank && !ranks_[static_cast<std::size_t>(r)].unresponsive) return true;
    return false;
  };
  for (const lateness& l : candidates) {
    const in_flight& c = in_flight_.at(l.chunk_id);
    if (c.superseded || c.losses > 0 || c.run == chunk_run::speculative || copies_.count(c.group)) continue;
    if (rank == 0 && another_worker_answers(c.rank)) continue;
    const double margin = std::max(patience_.speculate_factor * l.estimate, patience_.speculate_floor_seconds);
    if (l.past_end < margin) continue;
    if (!best || l.past_end > best->past_end) best = &l;
  }
  if (!best) return false;
  const in_flight original = in_flight_.at(best->chunk_id);
  batch& b = *batches_.at(original.batch_id);
  wire::chunk_header header{};
  header.chunk_id = next_chunk_id_++;
  header.task_id = b.spec.task_id;
  header.reduction_id = b.spec.reduction_id;
  header.index_base = b.spec.index_base;
  header.has_inputs = b.spec.encode_inputs ? 1 : 0;
  header.first = original.first;
  header.count = original.count;
  encode(b, header, out);
  in_flight copy = original;
  copy.rank = rank;
  copy.run = chunk_run::speculative;
  copy.sent_at = now;
  in_flight_.emplace(header.chunk_id, std::move(copy));
  ranks_[static_cast<std::size_t>(rank)].queue.push_back(header.chunk_id);
  copies_[original.group] = {best->chunk_id, header.chunk_id};
  ++counts_.speculative;
  last_chunk_estimate_ = best->estimate;
  return true;
}

int scheduler::effective_prefetch() const {
  // Queued chunks others could run are what makes a tail wait: as the batches drain,
  // keep each rank at most as deep as its share of the chunks left.
  std::uint64_t items = 0;
  for (const auto& [id, b] : batches_)
    if (!b->cancelled) items += b->items_left();
  const std::uint64_t chunks_left = (items + last_chunk_items_ - 1) / std::max<std::uint32_t>(1, last_chunk_items_);
  const auto depth = 1 + chunks_left / static_cast<std::uint64_t>(env_.size());
  return static_cast<int>(std::min<std::uint64_t>(depth, static_cast<std::uint64_t>(options_.prefetch)));
}

void scheduler::send_chunk(int rank, byte_buffer buffer) {
  if (rank == 0) {
    {
      std::lock_guard lock(local_mutex_);
      local_queue_.push_back(std::move(buffer));
    }
    local_wake_.notify_one();
  } else {
    sends_.send(rank, wire::tag::chunk, std::move(buffer));
    ranks_[static_cast<std::size_t>(rank)].last_sent = clock::now();
  }
}

bool scheduler::dispatch() {
  bool progressed = false;
  const int ranks = env_.size();
  const int depth = effective_prefetch();
  // Round robin over executors so no rank is always served last.
  const bool workers_answer =
      std::any_of(ranks_.begin() + 1, ranks_.end(), [](const rank_state& r) { return !r.unresponsive; });
  for (int step = 0; step < ranks; ++step) {
    const int rank = (next_rank_ + step) % ranks;
    if (ranks_[static_cast<std::size_t>(rank)].unresponsive) continue;
    if (rank == 0 && !options_.rank0_tasks && workers_answer) continue;
    auto& load = executor_load_[static_cast<std::size_t>(rank)];
    // Prefetch hides rank 0's answer latency, which matters for short chunks only. A chunk
    // of unknown or long duration queued behind another is one an idle rank could have
    // started (with costs, the biggest tasks would pile up at the first ranks), and with
    // a deadline one that could not be judged.
    const auto may_queue = [&] {
      const double next = next_chunk_estimate(rank);
      return next > 0 && next <= queue_chunk_seconds;
    };
    while (load < depth && (load == 0 || may_queue())) {
      byte_buffer buffer = sends_.take_buffer();
      if (!make_chunk(rank, buffer)) {
        // Nothing left to hand out: an idle rank may copy a chunk running late elsewhere.
        if (load > 0 || !make_speculative_copy(rank, buffer)) {
          sends_.give_back(std::move(buffer));
          next_rank_ = (rank + 1) % ranks;
          return progressed;
        }
      }
      ++load;
      progressed = true;
      if (rank == 0 && last_chunk_estimate_ > 0 && last_chunk_estimate_ < inline_chunk_seconds) {
        // A chunk this short costs less than waking the executor thread: run it here,
        // then go back to polling (one per round, so MPI traffic is never starved).
        run_on_rank0(buffer, inline_reply_, inline_scratch_);
        sends_.give_back(std::move(buffer));
        handle_result(std::move(inline_reply_));
        inline_reply_ = byte_buffer();
        break;
      }
      send_chunk(rank, std::move(buffer));
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
    if (!try_receive(env_.comm(), MPI_ANY_SOURCE, MPI_ANY_TAG, message, status)) break;
    if (status.MPI_TAG == static_cast<int>(wire::tag::result)) {
      handle_result(std::move(message));
    } else if (status.MPI_TAG == static_cast<int>(wire::tag::crash)) {
      handle_crash(status.MPI_SOURCE, wire::decode_crash(message));
    } else if (status.MPI_TAG == static_cast<int>(wire::tag::alive)) {
      ranks_[static_cast<std::size_t>(status.MPI_SOURCE)].last_heard = clock::now();
      continue;  // not progress: the loop may back off
    } else {
      throw error("rankpool: unexpected message tag " + std::to_string(status.MPI_TAG) + " from rank " +
                  std::to_string(status.MPI_SOURCE));
    }
    progressed = true;
  }
  return progressed;
}

void scheduler::supersede_copies(const in_flight& winner) {
  const auto group = copies_.find(winner.group);
  if (group == copies_.end()) return;
  for (std::uint64_t id : group->second)
    if (auto other = in_flight_.find(id); other != in_flight_.end()) other->second.superseded = true;
  copies_.erase(group);
}

void scheduler::handle_result(byte_buffer message) {
  wire::result_view result = wire::decode_result(message);
  auto flight = in_flight_.find(result.header.chunk_id);
  if (flight == in_flight_.end())
    throw error("rankpool: result for unknown chunk " + std::to_string(result.header.chunk_id));
  const in_flight chunk = std::move(flight->second);
  if (result.header.count != chunk.count)
    throw error("rankpool: result for chunk " + std::to_string(result.header.chunk_id) + " has " +
                std::to_string(result.header.count) + " items, not " + std::to_string(chunk.count));
  in_flight_.erase(flight);
  --executor_load_[static_cast<std::size_t>(chunk.rank)];
  rank_state& from = ranks_[static_cast<std::size_t>(chunk.rank)];
  if (auto queued = std::find(from.queue.begin(), from.queue.end(), result.header.chunk_id); queued != from.queue.end())
    from.queue.erase(queued);
  from.last_result = clock::now();
  from.last_heard = from.last_result;
  if (from.unresponsive && !from.crashed) {
    // It was slow, not gone: it gets work again.
    from.unresponsive = false;
    completion back;
    back.what = completion::kind::rank_rejoined;
    back.rank = chunk.rank;
    back.seconds = seconds_now();
    push_completion(std::move(back));
  }

  completion c;
  c.header = result.header;
  c.batch_id = chunk.batch_id;
  c.first = chunk.first;
  c.count = chunk.count;
  c.attempt = chunk.attempt;
  c.run = chunk.run;
  if (chunk.superseded) {
    // Another copy came back first (results depend only on the item, so it was exact):
    // this one only goes on the timeline.
    ++counts_.duplicates;
    c.what = completion::kind::duplicate;
    push_completion(std::move(c));
    return;
  }
  supersede_copies(chunk);
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
    b->isolated.clear();
    b->requeued.clear();
  }
  c.message = std::move(message);
  push_completion(std::move(c));
  finish_batch_if_done(*b);
}

void scheduler::handle_crash(int rank, const wire::crash_notice& notice) {
  rank_state& r = ranks_[static_cast<std::size_t>(rank)];
  r.crashed = true;
  lose_rank(rank, "crashed (signal " + std::to_string(notice.signal) + ")", &notice);
}

std::vector<scheduler::lateness> scheduler::late_chunks(int rank, clock::time_point now) const {
  // A rank runs its chunks one after the other: each is expected to end its estimate
  // after the later of its sending and the previous one's expected end.
  std::vector<lateness> out;
  const rank_state& r = ranks_[static_cast<std::size_t>(rank)];
  clock::time_point previous_end = r.last_result;
  for (std::uint64_t id : r.queue) {
    const in_flight& c = in_flight_.at(id);
    const double estimate = estimate_of(c);
    if (estimate <= 0) break;  // not measured yet (a batch's first chunks): no judgement
    const auto start = std::max(c.sent_at, previous_end);
    previous_end = start + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(estimate));
    out.push_back({id, std::chrono::duration<double>(now - previous_end).count(), estimate});
  }
  return out;
}

double scheduler::seconds_silent(const rank_state& r, clock::time_point now) const {
  return std::chrono::duration<double>(now - std::max(r.last_heard, in_flight_.at(r.queue.front()).sent_at)).count();
}

void scheduler::check_overdue() {
  const auto now = clock::now();
  if (now < next_overdue_check_) return;
  next_overdue_check_ = now + std::chrono::milliseconds(20);
  send_alive(now);
  // A computing worker says it is alive every second: one silent past the limit with
  // chunks in flight is dead or frozen, however long its tasks are.
  for (int rank = 1; rank < env_.size(); ++rank) {
    const rank_state& r = ranks_[static_cast<std::size_t>(rank)];
    if (r.unresponsive || r.queue.empty()) continue;
    const double silent = seconds_silent(r, now);
    if (silent > patience_.silence_limit_seconds) lose_rank(rank, "silent for " + seconds_text(silent), nullptr);
  }
}

void scheduler::send_alive(clock::time_point now) {
  const auto interval = std::chrono::duration<double>(wire::alive_interval_seconds);
  for (int rank = 1; rank < env_.size(); ++rank) {
    rank_state& r = ranks_[static_cast<std::size_t>(rank)];
    if (r.unresponsive || now - r.last_sent < interval) continue;
    sends_.send(rank, wire::tag::alive, sends_.take_buffer());
    r.last_sent = now;
  }
}

void scheduler::lose_rank(int rank, const std::string& reason, const wire::crash_notice* crash) {
  if (rank == 0) return;  // rank 0 losing itself ends the job anyway
  rank_state& r = ranks_[static_cast<std::size_t>(rank)];
  const bool newly = !r.unresponsive;
  r.unresponsive = true;
  lost_any_ = true;
  // A rank runs its chunks one after the other: only the first had started; the ones
  // queued behind it are handed out again as they are.
  const std::vector<std::uint64_t> queued(r.queue.begin(), r.queue.end());
  const std::string who = describe_rank(rank, env_.size(), env_.hosts()[static_cast<std::size_t>(rank)]);
  for (std::size_t k = 0; k < queued.size(); ++k) give_up(queued[k], who + " " + reason, crash, k == 0);
  if (newly) {
    completion c;
    c.what = completion::kind::rank_lost;
    c.rank = rank;
    c.seconds = seconds_now();
    c.reason = reason;
    push_completion(std::move(c));
  }
}

void scheduler::give_up(std::uint64_t chunk_id, const std::string& reason, const wire::crash_notice* crash,
                        bool was_running) {
  in_flight& c = in_flight_.at(chunk_id);
  if (c.superseded) return;
  c.superseded = true;
  // A copy still running elsewhere will answer for the group.
  if (const auto group = copies_.find(c.group); group != copies_.end()) {
    for (std::uint64_t id : group->second)
      if (auto other = in_flight_.find(id); other != in_flight_.end() && !other->second.superseded) return;
    copies_.erase(group);
  }
  const auto it = batches_.find(c.batch_id);
  if (it == batches_.end()) return;
  batch& b = *it->second;
  --b.chunks_in_flight;
  if (!b.cancelled && !was_running) {
    if (c.losses > 0) {
      b.isolated.push_back({c.first, c.attempt, c.losses, c.loss_history});
    } else {
      b.requeued.emplace_back(c.first, c.count, c.attempt);
    }
  } else if (!b.cancelled) {
    const bool crash_names_item = crash && crash->chunk_id == chunk_id && crash->item < c.count;
    for (std::uint32_t i = 0; i < c.count; ++i) {
      const std::uint64_t item = c.first + i;
      if (crash_names_item && i != crash->item) continue;  // innocent: requeued below as chunks
      const std::uint32_t losses = c.losses + 1;
      std::string history = c.loss_history.empty() ? reason : reason + "; before that " + c.loss_history;
      if (losses < 2) {
        b.isolated.push_back({item, c.attempt, losses, std::move(history)});
        continue;
      }
      // It took down two ranks: it fails for good, and the job goes on without it.
      ++counts_.quarantined;
      completion failed;
      failed.batch_id = b.id;
      failed.first = item;
      failed.count = 1;
      failed.attempt = c.attempt;
      failed.run = chunk_run::rerun;
      failed.header.rank = static_cast<std::uint32_t>(c.rank);
      failed.header.count = 1;
      failed.header.failed = 1;
      failed.states = {item_failed};
      const bool crashed = history.find("crashed") != std::string::npos;
      failed.failures.push_back(
          {0, "rankpool::worker_lost", std::string(crashed ? "crashed" : "lost") + " its worker twice: " + history});
      ++b.settled;
      if (b.spec.abort_on_error) {
        b.cancelled = true;
        b.retry.clear();
        b.isolated.clear();
        b.requeued.clear();
      }
      push_completion(std::move(failed));
    }
    if (crash_names_item && !b.cancelled) {
      if (crash->item > 0) b.requeued.emplace_back(c.first, crash->item, c.attempt);
      if (crash->item + 1 < c.count) b.requeued.emplace_back(c.first + crash->item + 1, c.count - crash->item - 1, c.attempt);
    }
  }
  finish_batch_if_done(b);
}

void scheduler::run_on_rank0(byte_view message, byte_buffer& reply, chunk_output& scratch) {
  // Only while it runs: a chunk queued behind it would not die with rank 0.
  const wire::chunk_header header = wire::decode_chunk(message).header;
  if (options_.rank0_chunk) options_.rank0_chunk(header.first, header.count, true);
  execute_chunk(table_, message, reply, options_.local_identity, scratch);
  if (options_.rank0_chunk) options_.rank0_chunk(header.first, header.count, false);
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
    fatal_on_exception(env_, executor_who_, [&] { run_on_rank0(message, reply, scratch); });
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
