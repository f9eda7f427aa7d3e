"""rankpool.Executor: a concurrent.futures.Executor whose tasks run on every rank."""
import collections
import concurrent.futures
import functools
import threading
import time

from . import _batches, _bundle, _fold, _session, _wire


def _chunk_option(chunksize):
    """The engine's chunk size: 0 for its auto policy (measured item times, ~2 ms chunks)."""
    if chunksize == "auto" or chunksize is None:
        return 0
    if int(chunksize) < 1:
        raise ValueError(f"chunksize must be 'auto' or at least 1, not {chunksize!r}")
    return int(chunksize)


def _calls(iterables):
    """map's calls and whether each is unpacked: one iterable's items are passed as they
    are. A range stays a range: its slices (bundles) pickle as three numbers, and its
    integers are made where the calls run, not all at once on rank 0."""
    if len(iterables) == 1:
        items = iterables[0]
        return (items if isinstance(items, range) else list(items)), False
    return list(zip(*iterables)), True


class Executor(concurrent.futures.Executor):
    """Runs calls on every core of every rank (launch: mpirun -n N python3 -m rankpool SCRIPT.py).

    `retries`: extra attempts for a task that raised (the engine reruns it, possibly on
    another rank). `in_flight`: submitted calls handed to the engine at once; the rest
    wait in this process and can still be cancelled. `max_workers` is accepted for
    compatibility and ignored: the ranks are the workers.
    """

    def __init__(self, max_workers=None, *, retries=0, in_flight=None):
        self._session = _session.get_driver()
        self._retries = int(retries)
        self._limit = in_flight or max(16, 4 * self._session.size)
        self._lock = threading.Lock()
        self._pending = collections.deque()  # (future, item) not yet handed to the engine
        self._in_flight = 0
        self._open = set()  # futures and map batches not yet finished, for shutdown(wait=True)
        self._is_shutdown = False

    @property
    def ranks(self):
        return self._session.size

    # ---- one call, one future ----

    def submit(self, fn, /, *args, **kwargs):
        if kwargs:
            fn = functools.partial(fn, **kwargs)
        item = _wire.dump_call(_wire.dump_function(fn), args)
        future = concurrent.futures.Future()
        with self._lock:
            if self._is_shutdown:
                raise RuntimeError("cannot schedule new futures after shutdown")
            self._pending.append((future, item))
            self._open.add(future)
        future.add_done_callback(self._forget)
        self._pump()
        return future

    def _forget(self, future):
        with self._lock:
            self._open.discard(future)

    def _pump(self, finished=0):
        """Hands queued calls to the engine while fewer than `in_flight` run."""
        futures, items = [], []
        with self._lock:
            self._in_flight -= finished
            while self._pending and self._in_flight + len(futures) < self._limit:
                future, item = self._pending.popleft()
                if future.set_running_or_notify_cancel():
                    futures.append(future)
                    items.append(item)
            self._in_flight += len(futures)
        if futures:
            self._session.submit(_batches.FutureBatch(futures, self._pump), items, 1, self._retries, False)

    # ---- many calls ----

    def _stream(self, fn, calls, star, chunksize, store=None, resume=False):
        """Starts fn(*call) (star) or fn(call) for each of the calls (a list or a range);
        with `store`, a durable map (_store.Store) that runs only the calls it has no
        result for."""
        durable = None
        if store is not None:
            if self._is_shutdown:
                raise RuntimeError("cannot schedule new futures after shutdown")
            from . import _store  # numpy and h5py: only for durable maps

            digests = [_store.digest(c if star else (c,)) for c in calls]
            durable = _store.Store(store, fn, digests, self._session, resume)
            calls = [calls[i] for i in durable.pending]
        bundle = 1
        if chunksize == "auto" and self._retries == 0:  # retries rerun engine items: one call each
            bundle = _bundle.bundle_size(len(calls), self.ranks)
        if bundle > 1:
            function_bytes = _wire.dump_function(_bundle.run_bundle)
            items = [_wire.dump_call(function_bytes, (fn, calls[i:i + bundle], star))
                     for i in range(0, len(calls), bundle)]
        else:
            function_bytes = _wire.dump_function(fn)
            items = [_wire.dump_call(function_bytes, call if star else (call,)) for call in calls]
        if durable is None:
            batch = _batches.StreamBatch(len(calls), bundle)
        else:
            batch = _batches.DurableBatch(durable, bundle, self.ranks,
                                          lambda: self._session.listen_to_ranks(durable, False))
            self._session.listen_to_ranks(durable)
        with self._lock:
            if self._is_shutdown:
                if durable is not None:
                    batch.abandon(RuntimeError("cannot schedule new futures after shutdown"))
                raise RuntimeError("cannot schedule new futures after shutdown")
            self._open.add(batch)
        if items:
            self._session.submit(batch, items, _chunk_option(chunksize), self._retries, False, durable is not None)
        elif durable is not None:
            batch.receive([], [], [], (0, 0, 0))
        return batch

    @staticmethod
    def _deadline(timeout):
        return None if timeout is None else time.monotonic() + timeout

    def map(self, fn, *iterables, timeout=None, chunksize="auto", store=None, resume=False):
        """Results in input order, like concurrent.futures; every call is submitted at once.
        chunksize "auto" (default) lets the engine size chunks from measured item times.

        store="RUN.h5": a durable map. Each result is written to that run file (the
        layout of `rankpool run`'s, docs/PYTHON.md) within a second of arriving; the file
        must not exist, unless resume=True: then it must hold this map (the same function
        name and the same pickled arguments) and only the calls without a result run. The
        iterator ends once the file is complete and closed."""
        batch = self._stream(fn, *_calls(iterables), chunksize, store, resume)
        return self._results(batch.in_order(self._deadline(timeout)), batch)

    def starmap(self, fn, iterable, timeout=None, chunksize="auto", store=None, resume=False):
        """map with each element unpacked into the call's arguments."""
        batch = self._stream(fn, [tuple(args) for args in iterable], True, chunksize, store, resume)
        return self._results(batch.in_order(self._deadline(timeout)), batch)

    def map_unordered(self, fn, *iterables, timeout=None, chunksize="auto", store=None, resume=False):
        """(index, result) pairs as the results arrive (with store and resume, those
        done before come first)."""
        batch = self._stream(fn, *_calls(iterables), chunksize, store, resume)
        return self._results(batch.as_completed(self._deadline(timeout)), batch)

    def map_reduce(self, fn, iterable, combine, initial, chunksize="auto"):
        """functools.reduce(combine, map(fn, iterable), initial); each group of items is
        folded where it ran, and rank 0 folds the partials in input order."""
        values = list(iterable)
        size = _fold.group_size(len(values), self.ranks, chunksize)
        groups = [(fn, combine, values[i:i + size]) for i in range(0, len(values), size)]
        batch = self._stream(_fold.fold_group, groups, True, 1)
        return functools.reduce(combine, self._results(batch.in_order(None), batch), initial)

    def _results(self, values, batch):
        try:
            yield from values
        finally:
            self._forget(batch)

    # ---- the end ----

    def shutdown(self, wait=True, *, cancel_futures=False):
        with self._lock:
            self._is_shutdown = True
            cancelled = []
            if cancel_futures:
                while self._pending:
                    cancelled.append(self._pending.popleft()[0])
            waiting = list(self._open)
        for future in cancelled:
            future.cancel()
            future.set_running_or_notify_cancel()  # what wait() and as_completed() count as done
        if wait:
            for thing in waiting:
                if isinstance(thing, concurrent.futures.Future):
                    concurrent.futures.wait([thing])
                else:
                    thing.wait_finished()


