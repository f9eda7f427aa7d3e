"""rankpool for Python: a concurrent.futures Executor and a multiprocessing-style Pool
over rankpool's MPI engine. See docs/PYTHON.md.

    import rankpool
    with rankpool.Executor() as ex:
        print(list(ex.map(pow, range(10), range(10))))

Launch across ranks with `mpirun -n N python3 -m rankpool SCRIPT.py`; plain
`python3 SCRIPT.py` runs the tasks in one process.
"""
from .errors import RemoteError, RemoteTraceback, TaskLost
from .executor import Executor
from .pool import AsyncResult, Pool

__all__ = ["Executor", "Pool", "AsyncResult", "RemoteError", "RemoteTraceback", "TaskLost", "open", "rank", "size"]


def open(path):  # noqa: A001 - rankpool.open(PATH), like h5py.File(PATH)
    """A run file (`rankpool run`, `rankpool merge` or Executor.map(store=...)) read into
    numpy arrays: .table is the per-task table, .attrs, .chunks, .events, and .values()
    a durable map's results."""
    from . import _runfile  # numpy and h5py: only when asked for

    return _runfile.RunFile(path)


def rank():
    """This process's rank (starts MPI if it has not started)."""
    from . import _session

    return _session.get().rank


def size():
    """The number of ranks."""
    from . import _session

    return _session.get().size
