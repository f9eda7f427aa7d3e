"""The process's one engine: MPI, the pool, and on rank 0 the thread that drives it.

Rank 0 runs the user's script; a daemon thread sits in Engine.drive (the GIL released)
and hands results to the batches that asked for them. Other ranks sit in Engine.serve
(python3 -m rankpool). A script started without mpirun is rank 0 of one: its tasks run
in this process, beside the script.
"""
import atexit
import itertools
import sys
import threading

from . import _core, _wire

_lock = threading.Lock()
_session = None


class Session:
    def __init__(self):
        self.engine = _core.Engine(_wire.run_item)
        self.rank = self.engine.rank
        self.size = self.engine.size
        self.hosts = list(self.engine.hosts)
        self._batches = {}  # key -> batch awaiting results (rank 0)
        self._rank_listeners = set()  # what records lost ranks (durable maps' stores)
        self._keys = itertools.count(1)
        self._thread = None
        self._failure = None
        self._closed = False

    def start(self):
        """Rank 0: starts the driver thread."""
        self._thread = threading.Thread(target=self._drive, name="rankpool-driver", daemon=True)
        self._thread.start()

    def _drive(self):
        try:
            self.engine.drive(self._deliver, self._rank_events)
        except BaseException as exc:  # the engine failed (a lost rank 0 peer, MPI): fail every batch
            self._failure = exc
            for batch in list(self._batches.values()):
                batch.abandon(exc)
            self._batches.clear()

    def _deliver(self, key, results, failures, chunks, summary):
        batch = self._batches.get(key)
        if batch is None:
            return
        try:
            batch.receive(results, failures, chunks, summary)
        except BaseException as exc:  # a bug in a batch must not stop the driver
            print(f"rankpool: dropping results of batch {key}: {exc!r}", file=sys.stderr)
        if summary is not None:
            del self._batches[key]

    def _rank_events(self, events):
        for listener in list(self._rank_listeners):
            listener.record_rank_events(events)

    def listen_to_ranks(self, listener, listening=True):
        """listener.record_rank_events(events) is called with the ranks lost or answering
        again, (seconds, rank, host, what, reason) each, while `listening`."""
        if listening:
            self._rank_listeners.add(listener)
        else:
            self._rank_listeners.discard(listener)

    def submit(self, batch, items, chunk, retries, abort, timeline=False):
        """Queues a batch of items (each bytes or a list of buffers, _wire.dump_call); results go to
        batch.receive(results, failures, chunks, summary) on the driver thread, `chunks`
        only with `timeline`."""
        if self._failure is not None:
            raise RuntimeError("rankpool: the engine stopped") from self._failure
        key = next(self._keys)
        self._batches[key] = batch
        try:
            self.engine.submit(key, items, chunk, retries, abort, timeline)
        except BaseException:
            del self._batches[key]
            raise

    def serve(self):
        self.engine.serve()

    def close(self):
        """Waits for every batch, stops the other ranks and ends MPI."""
        if self._closed:
            return
        self._closed = True
        if self._thread is not None:
            self.engine.close()
            self._thread.join()
        self.engine.finalize()


def get():
    """The session, started on first use."""
    global _session
    with _lock:
        if _session is None:
            _session = Session()
            if _session.rank == 0:
                _session.start()
            atexit.register(_session.close)
        return _session


def get_driver():
    """The session for code that submits work: rank 0 only."""
    session = get()
    if session.rank != 0:
        raise RuntimeError(
            "rankpool: this script runs on every rank; launch it as `mpirun -n N python3 -m rankpool SCRIPT.py`, "
            "which runs it on rank 0 and makes the other ranks serve")
    return session
