"""What rank 0 keeps for a batch in flight; the driver thread hands it results
(receive) and, should the engine stop, the reason (abandon)."""
import collections
import threading
import time
from concurrent.futures import CancelledError, TimeoutError

from . import _wire, errors


def _cancelled():
    return CancelledError("rankpool: the task was cancelled before it ran")


class FutureBatch:
    """Items of Executor.submit: each result completes its own Future."""

    def __init__(self, futures, on_result):
        self.futures = futures
        self._on_result = on_result  # called with the number of finished items: the executor sends more

    def receive(self, results, failures, chunks, summary):
        for index, data in results:
            try:
                value = _wire.load_value(data)
            except BaseException as exc:  # a result that does not unpickle here fails its future
                self.futures[index].set_exception(exc)
            else:
                self.futures[index].set_result(value)
        for failure in failures:
            self.futures[failure[0]].set_exception(errors.rebuild(failure))
        done = len(results) + len(failures)
        if summary is not None:
            for future in self.futures:
                if not future.done():
                    future.set_exception(_cancelled())
                    done += 1
        self._on_result(done)

    def abandon(self, exc):
        for future in self.futures:
            if not future.done():
                future.set_exception(exc)
        self._on_result(len(self.futures))


class StreamBatch:
    """The calls of a map, `bundle` per engine item (_bundle.py; 1: one call per item).
    Each engine item's outcome is kept as (values, {position: exception}) until the caller
    takes it, in input order or as it arrives."""

    def __init__(self, count, bundle=1):
        self.count = count
        self._bundle = bundle
        self._items = -(-count // bundle)
        self._ready = {}
        self._received = set()
        self._arrivals = collections.deque()
        self._finished = count == 0
        self._cond = threading.Condition()

    def _size_of(self, item):
        return min(self._bundle, self.count - item * self._bundle)

    def _outcome(self, item, data):
        if self._bundle == 1:
            return [_wire.load_value(data)], {}
        rank, host, values, failures = _wire.load_value(data)
        first = item * self._bundle
        return values, {j: errors.rebuild((first + j, rank, host, 1, type_name, message))
                        for j, (type_name, message) in failures.items()}

    def receive(self, results, failures, chunks, summary):
        self._deliver(self._decode(results, failures), summary)

    def _decode(self, results, failures):
        """[(engine item, (values, {position: exception}))] of what arrived."""
        outcomes = []
        for item, data in results:
            try:
                outcomes.append((item, self._outcome(item, data)))
            except BaseException as exc:  # a result that does not unpickle here is that call's error
                outcomes.append((item, self._failed(item, exc)))
        for failure in failures:
            # The engine failed the whole item (it was lost or cancelled): each of its calls
            # gets its own exception, whose `index` is the call's.
            item, first = failure[0], failure[0] * self._bundle
            size = self._size_of(item)
            failed = {j: errors.rebuild((first + j, *failure[1:])) for j in range(size)}
            outcomes.append((item, ([None] * size, failed)))
        return outcomes

    def _deliver(self, outcomes, summary):
        with self._cond:
            for item, outcome in outcomes:
                self._arrive(item, outcome)
            if summary is not None:
                self._settle(_cancelled())
            self._cond.notify_all()

    def abandon(self, exc):
        with self._cond:
            self._settle(exc)
            self._cond.notify_all()

    def _failed(self, item, exc):
        size = self._size_of(item)
        return [None] * size, dict.fromkeys(range(size), exc)

    def _arrive(self, item, outcome):
        self._ready[item] = outcome
        self._received.add(item)
        self._arrivals.append(item)

    def _settle(self, exc):
        """The batch is over: engine items that never came back fail with exc."""
        for item in range(self._items):
            if item not in self._received:
                self._arrive(item, self._failed(item, exc))
        self._finished = True

    def wait_finished(self, timeout=None):
        with self._cond:
            return self._cond.wait_for(lambda: self._finished, timeout)

    def _take(self, ready, deadline, pick):
        """Waits until ready() and returns pick(), both under the lock; pick takes all it can,
        so that one lock round serves every result that arrived together."""
        with self._cond:
            while not ready():
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise TimeoutError()
                self._cond.wait(remaining)
            return pick()

    def _pop_run(self, start):
        """The outcomes of engine items start, start+1, ... that have arrived."""
        run = []
        while start + len(run) in self._ready:
            run.append(self._ready.pop(start + len(run)))
        return run

    def _pop_arrivals(self):
        arrived = [(item, self._ready.pop(item)) for item in self._arrivals]
        self._arrivals.clear()
        return arrived

    @staticmethod
    def _values(first, values, failed):
        """(index, value) of one engine item's calls; raises a call's exception at its place."""
        if not failed:
            yield from enumerate(values, first)
            return
        for j, value in enumerate(values):
            if j in failed:
                raise failed[j]
            yield first + j, value

    def in_order(self, deadline):
        """Values in input order; raises a call's exception at its place."""
        item = 0
        while item < self._items:
            run = self._take(lambda i=item: i in self._ready, deadline, lambda i=item: self._pop_run(i))
            item += len(run)
            for values, failed in run:
                if not failed:
                    yield from values
                    continue
                for _, value in self._values(0, values, failed):
                    yield value

    def as_completed(self, deadline):
        """(index, value) as the results arrive."""
        taken = 0
        while taken < self._items:
            arrived = self._take(lambda: bool(self._arrivals), deadline, self._pop_arrivals)
            taken += len(arrived)
            for item, (values, failed) in arrived:
                yield from self._values(item * self._bundle, values, failed)


def _failure_message(exc, ranks):
    """A failed call's line in the run file, worded as C++ runs word it."""
    text = str(exc) if isinstance(exc, (errors.RemoteError, errors.TaskLost)) else \
        f"{_wire.qualified_name(type(exc))}: {exc}"
    return f"Worker {getattr(exc, 'rank', '?')} of {ranks} on {getattr(exc, 'host', '?')}: {text}"


class DurableBatch(StreamBatch):
    """A map's calls that a store (_store.Store) records: the calls of tasks
    store.pending, in that order. Each arrival goes to the store before the caller sees
    it; `on_finished` runs once the batch is over."""

    def __init__(self, store, bundle, ranks, on_finished):
        super().__init__(len(store.pending), bundle)
        self.store = store
        self._ranks = ranks
        self._on_finished = on_finished

    def receive(self, results, failures, chunks, summary):
        outcomes = self._decode(results, failures)
        pending = self.store.pending
        values, failed = [], []
        for item, (item_values, item_failed) in outcomes:
            first = item * self._bundle
            for j, value in enumerate(item_values):
                task = pending[first + j]
                if j in item_failed:
                    exc = item_failed[j]
                    failed.append((task, getattr(exc, "attempts", 1), _failure_message(exc, self._ranks)))
                else:
                    values.append((task, value))
        timeline = []
        for first, count, rank, threads, failed_count, attempt, start, end, busy, kind in chunks:
            tasks = pending[first * self._bundle:min((first + count) * self._bundle, self.count)]
            if not tasks:
                continue
            timeline.append((tasks[0], len(tasks), rank, threads, failed_count, attempt, start, end, busy, kind))
            if kind != 3:  # a copy whose results were discarded did not run the tasks' results
                self.store.record_chunk_tasks(tasks, rank, attempt, busy / len(tasks))
        self.store.record(values, failed, timeline)
        if summary is not None:
            self.store.finish()
            self._on_finished()
        self._deliver(outcomes, summary)

    def abandon(self, exc):
        self.store.finish(interrupted=True)
        self._on_finished()
        super().abandon(exc)

    def wait_finished(self, timeout=None):
        finished = super().wait_finished(timeout)
        if finished:
            self.store.wait_closed()
        return finished

    def in_order(self, deadline):
        """Every task's value in input order: those done before from the store."""
        new = super().in_order(deadline)
        for task in range(self.store.tasks):
            if task in self.store.earlier:
                yield self.store.earlier[task]
            else:
                yield next(new)
        self.store.wait_closed()

    def as_completed(self, deadline):
        """(task, value): those done before first."""
        yield from self.store.earlier.items()
        pending = self.store.pending
        for position, value in super().as_completed(deadline):
            yield pending[position], value
        self.store.wait_closed()
