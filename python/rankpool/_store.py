"""A durable map's run file: the layout of `rankpool run`'s files (docs/OUTPUT.md), so
`rankpool status`, `rankpool table` and `rankpool report` read it, plus a /python group
for what only Python needs (each call's input digest, results that are not columns).

Results land in memory on the driver thread (record) and reach the file on a writer
thread at most FLUSH_INTERVAL later, followed by the status record beside the file: what
the status record counts as done is durable. A map whose process dies leaves a file that
`resume=True` continues.
"""
import datetime
import hashlib
import json
import math
import os
import pickle
import socket
import threading
import time

import numpy as np

from . import _core, _wire

PENDING, DONE, FAILED = 0, 1, 2
APP = "python"
FLUSH_INTERVAL = 1.0
_HISTORY = 32  # flushes kept in the status record: the rate `rankpool status` shows
_STRING = None  # h5py's UTF-8 string type, made when h5py is imported


def _h5py():
    global _STRING
    try:
        import h5py
    except ImportError as exc:
        raise ImportError("rankpool: store= and rankpool.open() need h5py "
                          "(Debian: apt-get install python3-h5py)") from exc
    _STRING = h5py.string_dtype("utf-8")
    return h5py


def h5_file(h5py, path, mode):
    """An HDF5 file opened without HDF5's file locking, as `rankpool run` opens its run
    files: h5py and `h5dump` may read a run file while its run writes it."""
    major, minor = (int(x) for x in h5py.__version__.split(".")[:2])
    return h5py.File(path, mode, locking=False) if (major, minor) >= (3, 5) else h5py.File(path, mode)


def digest(call):
    """What resume compares for a call: 8 bytes of BLAKE2b over its pickled arguments."""
    data, raws, _ = _wire.dump_parts(call)
    h = hashlib.blake2b(data, digest_size=8)
    for raw in raws:
        h.update(raw)
    return int.from_bytes(h.digest(), "little")


def function_name(fn):
    name = getattr(fn, "__qualname__", None) or type(fn).__qualname__
    return f"{getattr(fn, '__module__', None) or '?'}.{name}"


# ---------------------------------------------------------------- result columns


def _field_type(value):
    """(type name, numpy dtype or None for strings, shape) of a value that fits a column, or
    None. Booleans are uint8 columns, as in C++ runs (HDF5 has no boolean type that
    `rankpool table` reads); numpy boolean arrays are pickled."""
    if isinstance(value, (bool, np.bool_)):
        return "bool", np.dtype(np.uint8), ()
    if isinstance(value, int):
        return ("int", np.dtype(np.int64), ()) if -(2**63) <= value < 2**63 else None
    if isinstance(value, float):
        return "float", np.dtype(np.float64), ()
    if isinstance(value, str):
        return "str", None, ()
    if isinstance(value, np.generic) and value.dtype.kind in "iuf":
        return "numpy", value.dtype, ()
    if isinstance(value, np.ndarray) and value.dtype.kind in "iuf" and value.size > 0:
        return "ndarray", value.dtype, value.shape
    return None


def _column_name(key):
    return isinstance(key, str) and key not in ("", ".", "..") and "/" not in key and key.isprintable()


class Layout:
    """How results become /results columns: one column "value" (a number, a string or a
    numpy array of a fixed shape), one column per key (a dict of those), or none (every
    result pickled in /python/pickled). Chosen from the first result; a later result
    that does not fit goes to /python/pickled, its columns keep their "not run" value."""

    def __init__(self, kind, fields):
        self.kind = kind  # "value", "dict" or "pickled"
        self.fields = fields  # [(column name, dict key or None, type name, dtype str or None, shape)]

    @classmethod
    def of(cls, value):
        if isinstance(value, dict) and 0 < len(value) <= 256 and all(_column_name(k) for k in value):
            types = [_field_type(v) for v in value.values()]
            if all(types):
                return cls("dict", [(k, k, t, None if d is None else d.str, list(s))
                                    for k, (t, d, s) in zip(value, types)])
        field = _field_type(value)
        if field is not None:
            t, d, s = field
            return cls("value", [("value", None, t, None if d is None else d.str, list(s))])
        return cls("pickled", [])

    def to_json(self):
        return json.dumps({"kind": self.kind, "fields": self.fields})

    @classmethod
    def from_json(cls, text):
        j = json.loads(text)
        return cls(j["kind"], [tuple(f) for f in j["fields"]])

    def _parts(self, value):
        if self.kind == "dict":
            if not isinstance(value, dict) or list(value) != [f[1] for f in self.fields]:
                return None
            return [value[f[1]] for f in self.fields]
        return [value] if self.kind == "value" else None

    def split(self, value):
        """The value's column entries, or None when it does not fit the columns."""
        parts = self._parts(value)
        if parts is None:
            return None
        for part, (_, _, type_name, dtype, shape) in zip(parts, self.fields):
            field = _field_type(part)
            if field is None or field[0] != type_name or list(field[2]) != shape:
                return None
            if dtype is not None and field[1].str != dtype:
                return None
        return parts

    def join(self, parts):
        """The value back from its column entries, with the types it had."""
        values = []
        for part, (_, _, type_name, _, _) in zip(parts, self.fields):
            if type_name == "int":
                values.append(int(part))
            elif type_name == "float":
                values.append(float(part))
            elif type_name == "bool":
                values.append(bool(part))
            elif type_name == "str":
                values.append(part.decode("utf-8") if isinstance(part, bytes) else str(part))
            elif type_name == "numpy":
                values.append(part[()] if isinstance(part, np.ndarray) else part)
            else:
                values.append(np.array(part))
        if self.kind == "dict":
            return {f[1]: v for f, v in zip(self.fields, values)}
        return values[0]


def _fill(type_name, dtype):
    if type_name == "str":
        return ""
    return math.nan if np.dtype(dtype).kind == "f" else 0


def _pickle(value):
    try:
        return pickle.dumps(value, protocol=5)
    except (pickle.PicklingError, AttributeError, TypeError):
        import cloudpickle

        return cloudpickle.dumps(value, protocol=5)


def read_values(f, tasks):
    """Each task's value from an open file a durable map wrote (None where not done)."""
    status = f["tasks/status"][()]
    values = [None] * tasks
    pickled = f["python/pickled"][()]
    layout = Layout.from_json(f["results"].attrs["python_layout"]) if "python_layout" in f["results"].attrs else None
    columns = [f["results"][name][()] for name, *_ in layout.fields] if layout else []
    for i in np.flatnonzero(status == DONE):
        raw = pickled[i]
        if len(raw) > 0:
            values[i] = pickle.loads(raw.tobytes())
        elif layout is not None:
            values[i] = layout.join([column[i] for column in columns])
    return values


# ---------------------------------------------------------------- the store


def _utc_now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Store:
    """The run file of one durable map. open() creates it or, with resume, checks it
    against the calls; then `pending` lists the tasks to run (in input order) and
    `earlier` holds the values of those done before."""

    def __init__(self, path, fn, digests, session, resume):
        self.h5py = _h5py()
        self.path = os.fspath(path)
        self.record_path = self.path + ".status.json"
        self.tasks = len(digests)
        self._session = session
        self._function = function_name(fn)
        self._inputs = hashlib.blake2b(np.asarray(digests, dtype="<u8").tobytes(), digest_size=16).hexdigest()
        self._started = time.time()
        self._start_utc = _utc_now()
        self._lock = threading.Condition()
        self._closed = False
        self._error = None
        self._state = None  # the final state, once the map finished
        self._reset_buffers()
        self._history = []
        self._ranks = {}  # rank -> [chunks, tasks, busy, last end]
        self._busy = 0.0
        self._lost = 0
        if resume and os.path.exists(self.path):
            self._open_existing(np.asarray(digests, dtype=np.uint64))
        else:
            if os.path.exists(self.path):
                raise FileExistsError(f"{self.path}: exists; pass resume=True to continue it, or remove it")
            self._create(np.asarray(digests, dtype=np.uint64))
        self.pending = [int(i) for i in np.flatnonzero(self._status != DONE)]
        self._status[self.pending] = PENDING
        self._mark(0, self.tasks)
        self._write_record(self._record("running", int(np.count_nonzero(self._status == DONE)), 0))
        # Not a daemon: a script that ends without reading its map's results still gets a
        # complete file (the interpreter joins the writer before it ends the engine).
        self._writer = threading.Thread(target=self._write_loop, name="rankpool-store")
        self._writer.start()

    # ---- opening

    def _identity(self):
        return (f'app = "{APP}"\nfunction = "{self._function}"\ntasks = {self.tasks}\n'
                f'inputs_digest = "{self._inputs}"\n')

    def _create(self, digests):
        # The record comes before the file: whoever finds the file finds its record.
        self._write_record(self._record("running", 0, 0))
        f = self._file = h5_file(self.h5py, self.path, "w")
        n = self.tasks
        a = f.attrs
        a["rankpool_version"] = _core.version
        a["app"] = APP
        a["job_toml"] = a["job_resolved"] = a["job_identity"] = self._identity()
        a["tasks"] = np.uint64(n)
        self._column(f, "tasks/status", np.uint8, PENDING, "0 pending, 1 done, 2 failed")
        self._column(f, "tasks/attempts", np.uint8, 0, None)
        self._growing(f, "tasks/failed_index", np.uint64)
        self._growing(f, "tasks/failed_attempts", np.uint32)
        self._growing(f, "tasks/failed_message", _STRING)
        self._growing(f, "chunks/first_task", np.uint64)
        for name in ("count", "rank", "threads", "failed"):
            self._growing(f, "chunks/" + name, np.uint32)
        for name in ("start", "end", "busy"):
            self._growing(f, "chunks/" + name, np.float64)
        f["chunks"].attrs["time_unit"] = "seconds since the pool started"
        self._growing(f, "chunks/kind", np.uint8).attrs["meaning"] = (
            "0 ran, 1 rerun after its rank was lost, 2 speculative copy, 3 duplicate (discarded)")
        self._growing(f, "events/seconds", np.float64)
        self._growing(f, "events/rank", np.int32)
        for name in ("host", "what", "reason"):
            self._growing(f, "events/" + name, _STRING)
        f["events"].attrs["meaning"] = "ranks lost (and answering again) during the runs"
        self._column(f, "timing/rank", np.int32, -1, "the rank that ran the task's last attempt; -1: not run")
        self._column(f, "timing/seconds", np.float64, math.nan,
                     "the mean item time of the chunk that ran the task (busy thread-seconds / items; "
                     "exact for a one-item chunk); NaN: not run")
        f.create_group("results")
        f.create_dataset("python/input_digest", data=digests, chunks=True).attrs["meaning"] = (
            "BLAKE2b (8 bytes) of each call's pickled arguments: what resume=True compares")
        self._column(f, "python/pickled", self.h5py.vlen_dtype(np.uint8), None,
                     "the pickled result of a done task whose value is not in /results' columns; empty otherwise")
        f["python"].attrs["function"] = self._function
        self._layout = None
        self._status = np.zeros(n, np.uint8)
        self._attempts = np.zeros(n, np.uint8)
        self._rank = np.full(n, -1, np.int32)
        self._seconds = np.full(n, math.nan)
        self.earlier = {}
        self._prepare_run_attributes()

    def _open_existing(self, digests):
        where = f"{self.path}: cannot resume"
        try:
            f = h5_file(self.h5py, self.path, "r+")
        except OSError as exc:
            raise ValueError(f"{where}: not a readable HDF5 file ({exc})") from None
        self._file = f
        try:
            if "python/input_digest" not in f or "tasks/status" not in f:
                raise ValueError(f"{where}: not a file written by a durable map (no /python/input_digest)")
            recorded = f["python/input_digest"][()]
            if len(recorded) != self.tasks:
                raise ValueError(f"{where}: it holds {len(recorded)} calls, this map has {self.tasks}")
            if f["python"].attrs["function"] != self._function:
                raise ValueError(f"{where}: it was written by {f['python'].attrs['function']}, not {self._function}")
            differ = np.flatnonzero(recorded != digests)
            if len(differ):
                raise ValueError(f"{where}: the arguments of {len(differ)} calls differ from those recorded, "
                                 f"the first at index {differ[0]}")
            self._status = f["tasks/status"][()]
            self._attempts = f["tasks/attempts"][()]
            self._rank = f["timing/rank"][()]
            self._seconds = f["timing/seconds"][()]
            results = f["results"].attrs
            self._layout = Layout.from_json(results["python_layout"]) if "python_layout" in results else None
            self.earlier = {i: v for i, v in enumerate(read_values(f, self.tasks)) if self._status[i] == DONE}
            # Failed tasks run again: their earlier failure records go.
            for name in ("failed_index", "failed_attempts", "failed_message"):
                f["tasks/" + name].resize((0,))
            f.attrs["runs"] = np.int64(int(f.attrs.get("runs", 1)) + 1)
            self._prepare_run_attributes()
        except BaseException:
            f.close()
            raise

    def _prepare_run_attributes(self):
        a = self._file.attrs
        a["status"] = "running"
        a["start_time_utc"] = self._start_utc
        a["ranks"] = np.int64(self._session.size)
        a["hosts"] = self._session.hosts
        a["threads_per_rank"] = np.int64(1)
        self._file.flush()

    def _column(self, f, path, dtype, fill, meaning, shape=()):
        """A dataset of one row per task, each row `shape`, chunks of about 1 MiB."""
        row_bytes = (np.dtype(dtype).itemsize or 16) * int(np.prod(shape, dtype=np.int64))
        rows = max(1, min(self.tasks, (1 << 20) // max(1, row_bytes)))
        d = f.create_dataset(path, shape=(self.tasks, *shape), maxshape=(None, *shape), dtype=dtype, fillvalue=fill,
                             chunks=(rows, *shape))
        if meaning:
            d.attrs["meaning"] = meaning
        return d

    @staticmethod
    def _growing(f, path, dtype):
        return f.create_dataset(path, shape=(0,), maxshape=(None,), dtype=dtype, chunks=(4096,))

    # ---- what the map hands over (driver thread)

    def _reset_buffers(self):
        self._values = {}  # task -> value
        self._failures = []  # (task, attempts, message)
        self._chunks = []
        self._events = []
        self._dirty = None  # [low, high) of the per-task arrays written since the last flush

    def _mark(self, low, high):
        if self._dirty is None:
            self._dirty = [low, high]
        else:
            self._dirty = [min(self._dirty[0], low), max(self._dirty[1], high)]

    def record(self, values, failures, chunks):
        """values: [(task, value)]; failures: [(task, attempts, message)]; chunks:
        [(first task, tasks, rank, threads, failed, attempt, start, end, busy, kind)]."""
        with self._lock:
            for task, value in values:
                self._status[task] = DONE
                self._values[task] = value
                self._mark(task, task + 1)
            for task, attempts, message in failures:
                self._status[task] = FAILED
                self._attempts[task] = min(attempts, 255)
                self._failures.append((task, attempts, message))
                self._mark(task, task + 1)
            self._chunks.extend(chunks)

    def record_chunk_tasks(self, tasks, rank, attempt, seconds):
        """Where and how long the tasks of one chunk ran (not for discarded copies)."""
        with self._lock:
            for task in tasks:
                self._rank[task] = rank
                self._seconds[task] = seconds
                if self._status[task] != FAILED:
                    self._attempts[task] = min(attempt, 255)
            if tasks:
                self._mark(min(tasks), max(tasks) + 1)

    def record_rank_events(self, events):
        with self._lock:
            self._events.extend(events)
            self._lost += sum(1 for e in events if e[3] == "lost")

    def finish(self, interrupted=False):
        """The map is over (`interrupted`: the engine stopped under it): the last flush, then
        the file closes, `complete` when every task is done, else `failed` or `interrupted`."""
        with self._lock:
            if interrupted:
                self._state = "interrupted"
            else:
                self._state = "complete" if np.all(self._status == DONE) else "failed"
            self._lock.notify_all()

    def wait_closed(self, timeout=None):
        """Waits until the file is closed; raises what writing it raised."""
        self._writer.join(timeout)
        if self._error is not None:
            raise self._error

    # ---- the writer thread

    def _write_loop(self):
        try:
            while True:
                with self._lock:
                    self._lock.wait_for(lambda: self._state is not None, FLUSH_INTERVAL)
                    state = self._state
                    taken = self._take()
                self._flush(taken, state or "running")
                if state is not None:
                    break
        except BaseException as exc:  # reported to the map's caller by wait_closed
            self._error = exc
        finally:
            try:
                self._file.close()
            except Exception:
                pass

    def _take(self):
        """What to write, taken under the lock so the driver thread can go on recording."""
        low, high = self._dirty or (0, 0)
        taken = {
            "values": self._values, "failures": self._failures, "chunks": self._chunks, "events": self._events,
            "low": low, "high": high,
            "status": self._status[low:high].copy(), "attempts": self._attempts[low:high].copy(),
            "rank": self._rank[low:high].copy(), "seconds": self._seconds[low:high].copy(),
            "done": int(np.count_nonzero(self._status == DONE)),
            "failed": int(np.count_nonzero(self._status == FAILED)),
        }
        self._reset_buffers()
        return taken

    def _flush(self, t, state):
        f = self._file
        # Results first, on disk before the statuses that say they are there: a process
        # killed between the two leaves a result without its status (run again on resume),
        # never a status without its result (docs/RELIABILITY.md, "Durability").
        self._write_values(t["values"])
        f.flush()
        low, high = t["low"], t["high"]
        if high > low:
            f["tasks/status"][low:high] = t["status"]
            f["tasks/attempts"][low:high] = t["attempts"]
            f["timing/rank"][low:high] = t["rank"]
            f["timing/seconds"][low:high] = t["seconds"]
        if t["failures"]:
            tasks, attempts, messages = zip(*t["failures"])
            self._append("tasks/failed_index", np.array(tasks, np.uint64))
            self._append("tasks/failed_attempts", np.array(attempts, np.uint32))
            self._append("tasks/failed_message", np.array(messages, dtype=object))
        if t["chunks"]:
            columns = list(zip(*t["chunks"]))
            for name, column, dtype in (("first_task", 0, np.uint64), ("count", 1, np.uint32), ("rank", 2, np.uint32),
                                        ("threads", 3, np.uint32), ("failed", 4, np.uint32), ("start", 6, np.float64),
                                        ("end", 7, np.float64), ("busy", 8, np.float64), ("kind", 9, np.uint8)):
                self._append("chunks/" + name, np.array(columns[column], dtype))
            for first, count, rank, _, _, _, _, end, busy, kind in t["chunks"]:
                activity = self._ranks.setdefault(rank, [0, 0, 0.0, 0.0])
                activity[0] += 1
                activity[1] += count if kind != 3 else 0
                activity[2] += busy
                activity[3] = max(activity[3], end)
                self._busy += busy
        if t["events"]:
            seconds, ranks, hosts, what, reasons = zip(*t["events"])
            self._append("events/seconds", np.array(seconds, np.float64))
            self._append("events/rank", np.array(ranks, np.int32))
            for name, column in (("host", hosts), ("what", what), ("reason", reasons)):
                self._append("events/" + name, np.array(column, dtype=object))
        a = f.attrs
        a["failed"] = np.uint64(t["failed"])
        a["seconds"] = time.time() - self._started
        a["busy_seconds"] = self._busy
        a["status"] = state
        f.flush()
        self._history = (self._history + [(time.time() - self._started, t["done"])])[-_HISTORY:]
        self._write_record(self._record(state, t["done"], t["failed"]))

    def _append(self, path, data):
        d = self._file[path]
        at = d.shape[0]
        d.resize((at + len(data),))
        d[at:] = data

    def _write_values(self, values):
        if not values:
            return
        f = self._file
        if self._layout is None:
            self._layout = Layout.of(next(iter(values.values())))
            for name, key, type_name, dtype, shape in self._layout.fields:
                d = self._column(f, "results/" + name, _STRING if dtype is None else np.dtype(dtype),
                                 _fill(type_name, dtype), None, tuple(shape))
                d.attrs["meaning"] = "the map's result" if key is None else f"the result's {key!r}"
            f["results"].attrs["python_layout"] = self._layout.to_json()
        columns = [[] for _ in self._layout.fields]
        placed = []
        for task in sorted(values):
            parts = self._layout.split(values[task])
            if parts is None:
                f["python/pickled"][task] = np.frombuffer(_pickle(values[task]), np.uint8)
                continue
            placed.append(task)
            for column, part in zip(columns, parts):
                column.append(part)
        # Consecutive tasks are written together: one HDF5 write per run of them.
        start = 0
        while start < len(placed):
            end = start + 1
            while end < len(placed) and placed[end] == placed[end - 1] + 1:
                end += 1
            for (name, *_), column in zip(self._layout.fields, columns):
                f["results/" + name][placed[start]:placed[end - 1] + 1] = np.array(column[start:end], dtype=object) \
                    if f["results/" + name].dtype.kind == "O" else np.asarray(column[start:end])
            start = end

    # ---- the status record (docs/OUTPUT.md)

    def _record(self, state, done, failed):
        hosts = self._session.hosts
        return {
            "app": APP, "output": self.path, "state": state, "tasks": self.tasks, "done": done, "failed": failed,
            "start_time_utc": self._start_utc, "started_unix": self._started,
            "updated_unix": time.time(), "flush_interval_seconds": FLUSH_INTERVAL, "pid": os.getpid(),
            "host": socket.gethostname(), "history": [list(p) for p in self._history],
            "ranks": [{"rank": r, "host": hosts[r] if r < len(hosts) else "?", "chunks": a[0], "tasks": a[1],
                       "busy_seconds": a[2], "last_result_seconds": a[3]} for r, a in sorted(self._ranks.items())],
            "exit_code": -1 if state == "running" else (0 if state == "complete" else 1),
            "lost_ranks": self._lost,
        }

    def _write_record(self, record):
        temporary = self.record_path + ".tmp"
        with open(temporary, "w") as out:
            json.dump(record, out)
        os.replace(temporary, self.record_path)

