"""What rank 0 keeps for a batch in flight; the driver thread hands it results
(receive) and, should the engine stop, the reason (abandon)."""
import collections
import threading
import time
from concurrent.futures import CancelledError, TimeoutError

from . import _wire, errors


class FutureBatch:
    """Items of Executor.submit: each result completes its own Future."""

    def __init__(self, futures, on_result):
        self.futures = futures
        self._on_result = on_result  # called once per finished item: the executor sends more

    def receive(self, results, failures, summary):
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
                    future.set_exception(CancelledError("rankpool: the task was cancelled before it ran"))
                    done += 1
        self._on_result(done)

    def abandon(self, exc):
        for future in self.futures:
            if not future.done():
                future.set_exception(exc)
        self._on_result(len(self.futures))


class _Loaded:
    """A value already unpickled (it came in a bundle)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


class StreamBatch:
    """Items of a map: results kept by index until the caller takes them, in input order
    (ordered) or as they arrive. With bundle > 1 each engine item is a bundle of that many
    calls (_bundle.py), unpacked here."""

    def __init__(self, count, bundle=1):
        self.count = count
        self._bundle = bundle
        self._ready = {}  # index -> (True, result bytes) | (False, exception), until taken
        self._received = set()
        self._arrivals = collections.deque()
        self._finished = count == 0
        self._cond = threading.Condition()

    def receive(self, results, failures, summary):
        with self._cond:
            for index, data in results:
                if self._bundle == 1:
                    self._arrive(index, (True, data))
                else:
                    self._unbundle(index, _wire.load_value(data))
            for failure in failures:
                exc = errors.rebuild(failure)
                for item in self._items_of(failure[0]):
                    self._arrive(item, (False, exc))
            if summary is not None:
                self._settle(CancelledError("rankpool: the task was cancelled before it ran"))

    def abandon(self, exc):
        with self._cond:
            self._settle(exc)

    def _items_of(self, engine_index):
        first = engine_index * self._bundle
        return range(first, min(first + self._bundle, self.count))

    def _unbundle(self, engine_index, bundle):
        rank, host, outcomes = bundle
        for item, outcome in zip(self._items_of(engine_index), outcomes):
            if outcome[0]:
                self._arrive(item, (True, _Loaded(outcome[1])))
            else:
                self._arrive(item, (False, errors.rebuild((item, rank, host, 1, outcome[1], outcome[2]))))

    def _arrive(self, index, entry):
        self._ready[index] = entry
        self._received.add(index)
        self._arrivals.append(index)
        self._cond.notify_all()

    def _settle(self, exc):
        """The batch is over: items that never came back fail with exc."""
        for index in range(self.count):
            if index not in self._received:
                self._arrive(index, (False, exc))
        self._finished = True
        self._cond.notify_all()

    def wait_finished(self, timeout=None):
        with self._cond:
            return self._cond.wait_for(lambda: self._finished, timeout)

    def _take(self, ready, deadline, pick):
        with self._cond:
            while not ready():
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise TimeoutError()
                self._cond.wait(remaining)
            return pick()

    @staticmethod
    def _value(entry):
        ok, payload = entry
        if not ok:
            raise payload
        return payload.value if isinstance(payload, _Loaded) else _wire.load_value(payload)

    def in_order(self, deadline):
        """Values in input order; raises a task's exception at its place."""
        for index in range(self.count):
            entry = self._take(lambda i=index: i in self._ready, deadline, lambda i=index: self._ready.pop(i))
            yield self._value(entry)

    def as_completed(self, deadline):
        """(index, value) as the results arrive."""
        for _ in range(self.count):
            index = self._take(lambda: bool(self._arrivals), deadline, self._arrivals.popleft)
            with self._cond:
                entry = self._ready.pop(index)
            yield index, self._value(entry)
