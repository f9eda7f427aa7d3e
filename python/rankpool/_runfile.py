"""rankpool.open(PATH): a run file (from `rankpool run`, `rankpool merge` or a durable
map) read into numpy arrays, for analysis without knowing its layout."""
import os

import numpy as np

from . import _store

_STATUS_NAMES = np.array(["pending", "done", "failed"], dtype=object)


def _text(value):
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _attribute(value):
    if isinstance(value, bytes):
        return _text(value)
    if isinstance(value, np.ndarray):
        return [_text(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _read(dataset):
    data = dataset[()]
    if data.dtype.kind == "O":  # variable-length strings
        return np.array([_text(v) for v in data], dtype=object)
    return data


class RunFile:
    """What a run file holds, read at once (the file is closed again: a run file is not
    safe to read while a run writes it, see `rankpool status`).

    attrs    the root attributes (app, status, tasks, ranks, hosts, seconds, ...)
    table    the per-task table as `rankpool table` prints it: {column: numpy array},
             in order task, the swept parameters, every /results dataset with a row per
             task (an array result as a 2-D or higher array), status ("pending", "done",
             "failed"), attempts, rank, seconds, error (a failed task's message, else "")
    chunks   the timeline, {column: array} (docs/OUTPUT.md, /chunks)
    events   the ranks lost or answering again, {column: array}
    """

    def __init__(self, path):
        h5py = _store._h5py()
        self.path = os.fspath(path)
        with _store.h5_file(h5py, self.path, "r") as f:
            if "tasks/status" not in f:
                raise ValueError(f"{self.path}: not a rankpool run file (no /tasks/status)")
            self.attrs = {name: _attribute(value) for name, value in f.attrs.items()}
            tasks = f["tasks/status"].shape[0]
            self.tasks = tasks
            table = {"task": np.arange(tasks, dtype=np.uint64)}
            swept = [_text(s) for s in f["sweep"].attrs["parameters"]] if "sweep" in f else []
            for name in swept:
                table[name] = _read(f["sweep"][name])
            if "results" in f:
                for name, data in sorted(f["results"].items()):
                    if isinstance(data, h5py.Dataset) and data.ndim >= 1 and data.shape[0] == tasks:
                        table["results/" + name if name in swept or name in ("task", "status") else name] = _read(data)
            status = f["tasks/status"][()]
            table["status"] = _STATUS_NAMES[np.minimum(status, 2)]
            table["attempts"] = f["tasks/attempts"][()]
            if "timing" in f:
                table["rank"] = f["timing/rank"][()]
                table["seconds"] = f["timing/seconds"][()]
            error = np.full(tasks, "", dtype=object)
            if "tasks/failed_index" in f:
                for task, message in zip(f["tasks/failed_index"][()], _read(f["tasks/failed_message"])):
                    error[task] = message
            table["error"] = error
            self.table = table
            self.chunks = {name: _read(d) for name, d in f["chunks"].items()} if "chunks" in f else {}
            self.events = {name: _read(d) for name, d in f["events"].items()} if "events" in f else {}
            self._values = _store.read_values(f, tasks) if "python/input_digest" in f else None

    def __len__(self):
        return self.tasks

    def values(self):
        """A durable map's results as the map returned them, one per task (None where the
        task is not done)."""
        if self._values is None:
            raise ValueError(f"{self.path}: written by `rankpool run`, not a durable map: its results are in .table")
        return list(self._values)

    def to_pandas(self):
        """The table's one-value-per-task columns as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame({name: column for name, column in self.table.items() if column.ndim == 1})

