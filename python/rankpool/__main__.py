"""mpirun -n N python3 -m rankpool SCRIPT.py [ARGS] (or -m MODULE [ARGS]): rank 0 runs
the script as __main__, every other rank serves its tasks until it ends, as
mpi4py.futures does."""
import runpy
import sys

from . import _session


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: [mpirun -n N] python3 -m rankpool SCRIPT.py|-m MODULE [ARGS...]", file=sys.stderr)
        return 0 if argv else 2
    session = _session.get()
    if session.rank != 0:
        session.serve()
        session.close()
        return 0
    try:
        if argv[0] == "-m" and len(argv) > 1:
            sys.argv = list(argv[1:])
            runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
        else:
            sys.argv = list(argv)
            runpy.run_path(argv[0], run_name="__main__")
    except SystemExit as exit:
        return exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
    finally:
        session.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
