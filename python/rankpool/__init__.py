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

__all__ = ["Executor", "Pool", "AsyncResult", "RemoteError", "RemoteTraceback", "TaskLost", "rank", "size"]


def rank():
    """This process's rank (starts MPI if it has not started)."""
    from . import _session

    return _session.get().rank


def size():
    """The number of ranks."""
    from . import _session

    return _session.get().size
