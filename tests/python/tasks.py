"""Task functions importable on every rank (tests/python is on PYTHONPATH)."""
import os
import socket
import time

import rankpool


def square(x):
    return x * x


def where(_):
    return rankpool.rank(), socket.gethostname()


def fail_if_odd(x):
    if x % 2:
        raise ValueError(f"odd input {x}")
    return x


def sleep_then(seconds, value):
    time.sleep(seconds)
    return value


class Unpicklable(Exception):
    def __reduce__(self):
        raise TypeError("this exception does not pickle")


def raise_unpicklable(_):
    raise Unpicklable("cannot travel")


def fail_first_attempt(marker_dir, x):
    """Fails the first time it sees x (on any rank), then succeeds: for retries."""
    marker = os.path.join(marker_dir, str(x))
    if not os.path.exists(marker):
        open(marker, "w").close()
        raise RuntimeError(f"first attempt of {x}")
    return x + 1000


def mix(i):
    """A deterministic, input-dependent value (splitmix64)."""
    z = (i * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return z ^ (z >> 31)


def double_array(a):
    a *= 2  # arrays arrive writable
    return a


def logged_square(log_dir, x):
    """x * x, leaving a file per call: which calls ran (on any rank)."""
    with open(os.path.join(log_dir, f"ran-{x}-{os.getpid()}-{time.monotonic_ns()}"), "w"):
        pass
    return x * x


def fail_while_flagged(flag, x):
    """Fails for multiples of 3 while the file `flag` exists: a failed first run to resume."""
    if x % 3 == 0 and os.path.exists(flag):
        raise RuntimeError(f"flagged {x}")
    return {"x": x, "root": x ** 0.5}


def mixed_result(x):
    """A float for most calls, something else for some: columns and pickled values mixed."""
    if x % 4 == 1:
        return None
    if x % 4 == 2:
        return ("tuple", x)
    return float(x)


def fail_at(bad, x):
    if x == bad:
        raise KeyError(x)
    return x
