"""A script's own functions and classes, used by the calls of every kind of map, run as
`mpirun -n N python3 -m rankpool main_definitions_check.py` (python_main_script_test):
the other ranks' __main__ is not this script, so these must travel by value. Each map
is big enough (600 calls per rank) that the default chunksize bundles calls. Exits 1 on
a wrong result; a call that cannot be unpickled raises."""
import sys

import rankpool


class Point:
    def __init__(self, x):
        self.x = x


def square(p):
    return p.x * p.x if isinstance(p, Point) else p * p


def add(a, b):
    return a + b


def apply(fn, x):
    return fn(x)


if __name__ == "__main__":
    with rankpool.Executor() as ex:
        n = 600 * ex.ranks
        expected = [x * x for x in range(n)]
        checks = {
            "map of a script function": list(ex.map(square, range(n))) == expected,
            "map over instances of a script class": list(ex.map(square, [Point(x) for x in range(n)])) == expected,
            "a script function as an argument": list(ex.starmap(apply, [(square, x) for x in range(n)])) == expected,
            "map_reduce with script functions": ex.map_reduce(square, range(n), add, 0) == sum(expected),
            "submit with a script class": ex.submit(square, Point(7)).result() == 49,
            "map at chunksize 1": list(ex.map(square, range(50), chunksize=1)) == expected[:50],
        }
    for name, ok in checks.items():
        print(f"main_definitions_check: {'ok' if ok else 'FAILED'}: {name} ({ex.ranks} ranks)")
    sys.exit(0 if all(checks.values()) else 1)
