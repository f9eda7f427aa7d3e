"""rankpool's Python package: Executor.map over range(N) of no-op or spin tasks, the same
tasks and JSON line as the peers beside it (benchmarks/peers/).

    mpirun -n R /usr/bin/python3 -m rankpool benchmarks/python/rankpool_bench.py \
        --tasks N --chunksize C|auto [--spin-us MEAN --sigma S --seed K]

Rank 0 runs this script and computes too: R ranks are R workers. Every result is
consumed (counted and summed).
"""
import argparse
import json
import os
import sys
import time

import rankpool

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "peers"))
from workload import add_workload_arguments, noop, spin_fields, task_of  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=200000)
    parser.add_argument("--chunksize", default="auto", help="an integer, or 'auto' (the default)")
    add_workload_arguments(parser)
    args = parser.parse_args()
    task = task_of(args)
    chunksize = args.chunksize if args.chunksize == "auto" else int(args.chunksize)

    with rankpool.Executor() as executor:
        ranks = executor.ranks
        list(executor.map(noop, range(4 * ranks), chunksize=1))  # every rank has unpickled the module
        start = time.perf_counter()
        count = 0
        total = 0
        for value in executor.map(task, range(args.tasks), chunksize=chunksize):
            count += 1
            total += value
        seconds = time.perf_counter() - start
    expected = args.tasks * (args.tasks - 1) // 2
    status = 0
    if count != args.tasks or total != expected:
        print(f"rankpool_bench: got {count} results (sum {total}), expected {args.tasks} ({expected})", file=sys.stderr)
        status = 1
    print(json.dumps({"benchmark": "rankpool_python", "ranks": ranks, "workers": ranks, "chunksize": args.chunksize,
                      "tasks": args.tasks, "seconds": round(seconds, 6),
                      "tasks_per_s": round(args.tasks / seconds, 1) if seconds > 0 else 0.0,
                      **spin_fields(args, ranks, seconds)}), flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
