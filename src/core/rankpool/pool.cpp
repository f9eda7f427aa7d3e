#include "rankpool/pool.hpp"

#include "rankpool/detail/fatal.hpp"
#include "rankpool/detail/mpi_check.hpp"
#include "rankpool/detail/scheduler.hpp"
#include "rankpool/detail/worker_loop.hpp"

namespace rankpool {

namespace detail {
void pool_progress(pool& p, bool block) { p.poll(block); }

void throw_batch_failure(const batch_state& state) {
  if (state.failures.empty())
    throw task_error(0, std::to_string(state.cancelled) + " of " + std::to_string(state.count) +
                            " tasks were cancelled before they ran");
  const task_failure* first = &state.failures.front();
  for (const auto& f : state.failures)
    if (f.index < first->index) first = &f;
  throw task_error(*first, state.failures.size() - 1);
}
}  // namespace detail

pool::pool(environment& env, pool_options options) : env_(env), options_(std::move(options)) {
  threads_ = options_.threads > 0 ? options_.threads : env_.default_threads();
  if (options_.prefetch < 1) throw usage_error("pool: prefetch must be at least 1");
  if (options_.retries < 0) throw usage_error("pool: retries must not be negative");
}

pool::~pool() = default;

void pool::handshake() {
  std::uint64_t fingerprint = table_.fingerprint();
  std::uint64_t root_fingerprint = fingerprint;
  detail::mpi_check(MPI_Bcast(&root_fingerprint, 1, MPI_UINT64_T, 0, env_.comm()), "MPI_Bcast(task table)");
  int mismatch = fingerprint != root_fingerprint ? 1 : 0;
  int any_mismatch = 0;
  detail::mpi_check(MPI_Allreduce(&mismatch, &any_mismatch, 1, MPI_INT, MPI_MAX, env_.comm()),
                    "MPI_Allreduce(task table)");
  if (any_mismatch)
    throw error("rankpool: ranks defined different tasks; define the same tasks in the same order on every rank");

  threads_by_rank_.assign(static_cast<std::size_t>(env_.size()), 0);
  detail::mpi_check(MPI_Allgather(&threads_, 1, MPI_INT, threads_by_rank_.data(), 1, MPI_INT, env_.comm()),
                    "MPI_Allgather(threads)");
  identity_.rank = static_cast<std::uint32_t>(env_.rank());
  identity_.context.threads = threads_;
  identity_.where = describe_rank(env_.rank(), env_.size(), env_.host());
  detail::mpi_check(MPI_Barrier(env_.comm()), "MPI_Barrier(start)");
  identity_.epoch = std::chrono::steady_clock::now();
}

void pool::run(const std::function<void()>& driver) {
  if (driving_) throw error("pool::run: already running");
  handshake();
  busy_seconds_ = 0;
  if (!env_.is_root()) {
    detail::fatal_on_exception(env_, identity_.where, [this] {
      if (detail::serve(env_, table_, identity_)) env_.expect_lost_peers();
    });
    return;
  }
  detail::scheduler_options sched;
  sched.prefetch = options_.prefetch;
  sched.rank0_tasks = options_.rank0_tasks;
  sched.speculation = options_.speculation;
  sched.rank0_chunk = rank0_observer_;
  sched.worker_threads = threads_by_rank_;
  sched.local_identity = identity_;
  scheduler_ = std::make_unique<detail::scheduler>(env_, table_, std::move(sched));
  scheduler_->set_deadline(deadline_);
  resilience_ = {};
  deadline_reached_ = false;
  driving_ = true;
  std::exception_ptr failure;
  try {
    driver();
  } catch (...) {
    failure = std::current_exception();
    scheduler_->cancel_all();
  }
  // Drain: every chunk in flight comes back and is accounted for before the workers stop.
  while (!active_.empty()) {
    try {
      poll(true);
    } catch (...) {
      if (!failure) failure = std::current_exception();
      scheduler_->cancel_all();
    }
  }
  scheduler_->shutdown();
  // Rank events of the shutdown itself (a rank whose chunks all ran elsewhere).
  for (detail::completion c; scheduler_->next_completion(c, false, std::chrono::milliseconds(0));)
    if (c.what == detail::completion::kind::rank_lost || c.what == detail::completion::kind::rank_rejoined)
      report_rank_event(c);
  // A rank still not answering may keep MPI_Finalize from returning (environment.hpp).
  if (scheduler_->lost_ranks_at_end()) env_.expect_lost_peers();
  const detail::resilience_counts counts = scheduler_->counts();
  resilience_.reruns = counts.reruns;
  resilience_.speculative = counts.speculative;
  resilience_.duplicates = counts.duplicates;
  resilience_.quarantined = counts.quarantined;
  deadline_reached_ = scheduler_->deadline_reached();
  scheduler_.reset();
  driving_ = false;
  if (failure) std::rethrow_exception(failure);
}

void pool::require_driver(const char* what) const {
  if (!driving_) throw error(std::string("pool::") + what + ": call it from the driver inside pool::run on rank 0");
}

std::uint64_t pool::submit_batch(detail::batch_spec spec, std::shared_ptr<detail::batch_state> state) {
  require_driver("map/submit");
  const auto id = scheduler_->submit(std::move(spec));
  active_.emplace(id, std::move(state));
  return id;
}

void pool::set_deadline(std::chrono::steady_clock::time_point deadline) {
  deadline_ = deadline;
  if (scheduler_) scheduler_->set_deadline(deadline);
}

void pool::cancel_all() {
  require_driver("cancel_all");
  scheduler_->cancel_all();
}

task_failure pool::final_failure(const detail::completion& c, detail::wire::failure_record record) const {
  task_failure f;
  f.index = c.first + record.item;
  f.rank = c.header.rank;
  f.ranks = static_cast<std::uint32_t>(env_.size());
  const auto& hosts = env_.hosts();
  f.host = c.header.rank < hosts.size() ? hosts[c.header.rank] : "unknown-host";
  f.attempts = c.attempt;
  f.type = std::move(record.type);
  f.message = std::move(record.message);
  return f;
}

void pool::report_rank_event(const detail::completion& c) {
  const bool lost = c.what == detail::completion::kind::rank_lost;
  if (lost) ++resilience_.lost_ranks;
  if (rank_observer_)
    rank_observer_(rank_event{lost ? rank_event::kind::lost : rank_event::kind::rejoined, c.rank,
                              env_.hosts()[static_cast<std::size_t>(c.rank)], c.seconds, c.reason});
}

void pool::poll(bool block) {
  require_driver("poll");
  detail::completion c;
  bool waited = false;
  if (idle_hook_ && std::chrono::steady_clock::now() - last_idle_ >= idle_interval_) {
    last_idle_ = std::chrono::steady_clock::now();
    idle_hook_();
  }
  auto next = [&] {
    if (block && !waited) return scheduler_->drive_until_completion(c, idle_interval_);
    return scheduler_->next_completion(c, false, idle_interval_);
  };
  while (next()) {
    waited = true;
    if (c.what == detail::completion::kind::rank_lost || c.what == detail::completion::kind::rank_rejoined) {
      report_rank_event(c);
      continue;
    }
    if (c.what == detail::completion::kind::duplicate) {
      if (chunk_observer_)
        chunk_observer_(chunk_record{c.batch_id, c.first, c.count, c.header.rank, c.header.threads_used, 0, c.attempt,
                                     c.header.start_seconds, c.header.end_seconds, c.header.busy_seconds,
                                     chunk_kind::duplicate});
      continue;
    }
    auto it = active_.find(c.batch_id);
    if (it == active_.end()) continue;
    auto state = it->second;
    if (c.what == detail::completion::kind::batch_finished) {
      state->cancelled = c.cancelled;
      state->finished = true;
      active_.erase(it);
      if (state->on_finished) state->on_finished();
      continue;
    }
    std::uint64_t retrying = 0;
    for (auto s : c.states) retrying += s == detail::item_retrying;
    const std::uint64_t failed = c.failures.size();
    state->failed += failed;
    state->succeeded += c.count - failed - retrying;
    for (auto& f : c.failures) state->failures.push_back(final_failure(c, std::move(f)));
    busy_seconds_ += c.header.busy_seconds;
    if (state->on_chunk) state->on_chunk(c);
    if (chunk_observer_)
      chunk_observer_(chunk_record{c.batch_id, c.first, c.count, c.header.rank, c.header.threads_used,
                                   static_cast<std::uint32_t>(failed), c.attempt, c.header.start_seconds,
                                   c.header.end_seconds, c.header.busy_seconds, static_cast<chunk_kind>(c.run)});
  }
}

}  // namespace rankpool
