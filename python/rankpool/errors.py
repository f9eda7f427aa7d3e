"""A task's failure as the caller sees it: its own exception, with where it ran."""
from . import _wire


class RemoteTraceback(Exception):
    """The traceback text of a task's exception on the rank that ran it (its __cause__)."""

    def __init__(self, text):
        super().__init__(text)
        self.text = text

    def __str__(self):
        return self.text


class RemoteError(Exception):
    """A task's exception whose type cannot be rebuilt here (it did not pickle, or its class
    is unknown on rank 0); `type_name` names it."""

    def __init__(self, type_name, message):
        super().__init__(f"{type_name}: {message}")
        self.type_name = type_name


class TaskLost(Exception):
    """A task that failed in the engine rather than in Python: it took its rank down twice
    (quarantined), or the batch was cancelled."""


def rebuild(failure):
    """The exception to raise for one engine failure tuple
    (index, rank, host, attempts, type, message): the task's own exception when it
    unpickles, with `rank`, `host`, `attempts`, `index` and the remote traceback as its
    __cause__, as concurrent.futures.ProcessPoolExecutor does."""
    index, rank, host, attempts, type_name, message = failure
    text, exc = _wire.load_failure(message)
    if exc is None:
        last_line = text.strip().splitlines()[-1] if text.strip() else type_name
        exc = RemoteError(type_name, last_line) if _wire.is_python_failure(message) else TaskLost(
            f"{type_name}: {text}")
    for name, value in (("rank", rank), ("host", host), ("attempts", attempts), ("index", index)):
        try:
            setattr(exc, name, value)
        except AttributeError:  # an exception class with __slots__ keeps only its traceback
            pass
    exc.__cause__ = RemoteTraceback(f'\n"""\nWorker {rank} on {host}, attempt {attempts}:\n{text}"""')
    return exc
