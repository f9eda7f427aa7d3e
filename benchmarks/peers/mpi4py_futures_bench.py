"""mpi4py.futures baseline: MPIPoolExecutor.map over range(N) of no-op or spin tasks.

    mpirun -n R /usr/bin/python3 -m mpi4py.futures benchmarks/peers/mpi4py_futures_bench.py \
        --tasks N --chunksize C [--spin-us MEAN --sigma S --seed K]

Rank 0 runs this script as the client; ranks 1..R-1 are the executor's workers. The
tasks are rankpool_noop_bench's (workload.py). Every result is consumed (counted and
summed). Prints one JSON line.
"""
import argparse
import json
import os
import sys
import time

from mpi4py import MPI
from mpi4py.futures import MPIPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from workload import add_workload_arguments, noop, spin_fields, task_of  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=20000)
    parser.add_argument("--chunksize", type=int, default=1)
    add_workload_arguments(parser)
    args = parser.parse_args()
    task = task_of(args)

    ranks = MPI.COMM_WORLD.Get_size()
    with MPIPoolExecutor() as executor:
        # Start the workers and let them connect before timing.
        list(executor.map(noop, range(max(1, ranks - 1)), chunksize=1))
        start = time.perf_counter()
        count = 0
        total = 0
        for value in executor.map(task, range(args.tasks), chunksize=args.chunksize):
            count += 1
            total += value
        seconds = time.perf_counter() - start
    expected = args.tasks * (args.tasks - 1) // 2
    if count != args.tasks or total != expected:
        print(f"mpi4py_futures_bench: got {count} results (sum {total}), expected {args.tasks} ({expected})",
              file=sys.stderr)
        status = 1
    else:
        status = 0
    print(json.dumps({"benchmark": "mpi4py_futures", "ranks": ranks, "workers": ranks - 1,
                      "chunksize": args.chunksize, "tasks": args.tasks, "seconds": round(seconds, 6),
                      "tasks_per_s": round(args.tasks / seconds, 1) if seconds > 0 else 0.0,
                      **spin_fields(args, ranks - 1, seconds)}),
          flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
