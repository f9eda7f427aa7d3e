"""How calls and values become bytes, and how a rank runs one item.

An item is [header][function][pickle][out-of-band buffers]: the function is pickled once
per batch (cloudpickle: functions from __main__, lambdas and closures travel by value) and
each rank keeps the functions it has unpickled; arguments and results use pickle protocol
5, numpy arrays as out-of-band buffers that the C++ side copies once and never joins in
Python. A result is [header][pickle][buffers] the same way.
"""
import pickle
import struct
import traceback

import cloudpickle

_ITEM = struct.Struct("<III")  # function length, pickle length, buffer count
_VALUE = struct.Struct("<II")  # pickle length, buffer count
_LENGTH = struct.Struct("<Q")
# A failure's message: the traceback text, this separator, the pickled exception (when it pickles).
_SEPARATOR = b"\0"

_functions = {}  # function bytes -> function, on every rank
_FUNCTION_CACHE_LIMIT = 256


def dump_function(fn):
    """The bytes of fn that every item of its batch carries."""
    return cloudpickle.dumps(fn, protocol=5)


def _pickle(value):
    """(pickle, out-of-band buffers) of a value: pickle's, unless it fails (lambdas,
    closures) or names something in __main__ (the script's functions and classes, which
    pickle refers to by name, while the other ranks' __main__ is not the script):
    cloudpickle's, which carries those by value."""
    buffers = []
    try:
        data = pickle.dumps(value, 5, buffer_callback=buffers.append)
        if b"__main__" not in data:
            return data, buffers
    except (pickle.PicklingError, AttributeError, TypeError):
        pass
    buffers.clear()
    data = cloudpickle.dumps(value, protocol=5, buffer_callback=buffers.append)
    return data, buffers


def dump_parts(value):
    """(pickle, out-of-band buffers, their packed lengths) of a value."""
    data, buffers = _pickle(value)
    raws = [b.raw() for b in buffers]
    return data, raws, b"".join(_LENGTH.pack(r.nbytes) for r in raws)


# An item or a value is one bytes object when it has no out-of-band buffer (small calls:
# a third of the cost of building the list of its parts), else the list of its parts.


def dump_call(function_bytes, call):
    """One item: calling the function with `call` (a tuple of arguments)."""
    data, buffers = _pickle(call)
    if not buffers:
        return _ITEM.pack(len(function_bytes), len(data), 0) + function_bytes + data
    raws = [b.raw() for b in buffers]
    lengths = b"".join(_LENGTH.pack(r.nbytes) for r in raws)
    return [_ITEM.pack(len(function_bytes), len(data), len(raws)), lengths, function_bytes, data, *raws]


def dump_value(value):
    data, buffers = _pickle(value)
    if not buffers:
        return _VALUE.pack(len(data), 0) + data
    raws = [b.raw() for b in buffers]
    lengths = b"".join(_LENGTH.pack(r.nbytes) for r in raws)
    return [_VALUE.pack(len(data), len(raws)), lengths, data, *raws]


def _split_buffers(view, at, count, lengths_at):
    buffers = []
    for k in range(count):
        (n,) = _LENGTH.unpack_from(view, lengths_at + 8 * k)
        buffers.append(view[at:at + n])
        at += n
    return buffers


def load_value(data):
    """A result's value from its bytes (a bytearray: numpy arrays in it stay writable)."""
    view = memoryview(data)
    size, count = _VALUE.unpack_from(view)
    at = _VALUE.size + 8 * count
    return pickle.loads(view[at:at + size], buffers=_split_buffers(view, at + size, count, _VALUE.size))


_last_function = (None, None)  # (bytes, function): a batch's items all carry the same


def _function(raw):
    global _last_function
    if raw == _last_function[0]:
        return _last_function[1]
    fn = _functions.get(raw)
    if fn is None:
        if len(_functions) >= _FUNCTION_CACHE_LIMIT:
            _functions.clear()
        fn = _functions[raw] = pickle.loads(raw)
    _last_function = (raw, fn)
    return fn


def run_item(data):
    """Runs one item on this rank: (True, buffers of the result) or (False, type, message)."""
    try:
        view = memoryview(data)
        fn_size, size, count = _ITEM.unpack_from(view)
        at = _ITEM.size + 8 * count
        fn = _function(bytes(view[at:at + fn_size]))
        at += fn_size
        args = pickle.loads(view[at:at + size], buffers=_split_buffers(view, at + size, count, _ITEM.size))
        return True, dump_value(fn(*args))
    except BaseException as exc:  # noqa: B902 - a task's SystemExit is its failure, not the rank's
        return False, qualified_name(type(exc)), dump_failure(exc)


def qualified_name(cls):
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def dump_failure(exc):
    text = "".join(traceback.format_exception(exc)).encode("utf-8", "replace").replace(_SEPARATOR, b"")
    try:
        return text + _SEPARATOR + cloudpickle.dumps(exc, protocol=5)
    except Exception:  # an exception that does not pickle travels as its text alone
        return text


def load_failure(message):
    """(traceback text, the exception or None) from a failure's message."""
    text, _, pickled = message.partition(_SEPARATOR)
    exc = None
    if pickled:
        try:
            exc = pickle.loads(pickled)
        except Exception:  # its class does not exist here: the caller raises a RemoteError
            exc = None
    return text.decode("utf-8", "replace"), exc


def is_python_failure(message):
    """Whether a failure came from Python (run_item) rather than from the engine (a
    quarantined or cancelled task)."""
    return _SEPARATOR in message or message.startswith(b"Traceback")
