"""mpirun -n N python3 -m rankpool SCRIPT.py [ARGS] (or -m MODULE [ARGS]): rank 0 runs
the script as __main__, every other rank serves its tasks until it ends, as
mpi4py.futures does."""
import os
import runpy
import sys

from . import _session


def _exit_as_crash(original):
    """os._exit for a worker that is serving: a task that ends its process with it dies by
    SIGABRT instead. A worker that just exits says nothing: rank 0 learns of it only after
    5 s of silence, and meanwhile hands a copy of the late chunk to an idle rank, rank 0
    included, where the call ends the process again (and with rank 0 the job). The engine's
    crash reporter tells rank 0 of a SIGABRT at once, naming the call: it reruns alone on
    another worker and is quarantined after two, as a segfault is. A child forked by a
    task exits as it asked."""
    worker = os.getpid()

    def _exit(status):
        if os.getpid() == worker:
            os.abort()
        original(status)

    return _exit


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: [mpirun -n N] python3 -m rankpool SCRIPT.py|-m MODULE [ARGS...]", file=sys.stderr)
        return 0 if argv else 2
    session = _session.get()
    if session.rank != 0:
        original = os._exit
        os._exit = _exit_as_crash(original)
        try:
            session.serve()
        finally:
            os._exit = original
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
