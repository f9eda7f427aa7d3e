"""multiprocessing baseline: Pool(processes=P).map over range(N) of no-op or spin tasks.

    /usr/bin/python3 benchmarks/peers/multiprocessing_bench.py --processes 2 --tasks N --chunksize 1|default \
        [--spin-us MEAN --sigma S --seed K]

The tasks are rankpool_noop_bench's (workload.py). Pool start-up is not timed (a
warm-up map starts the workers). Prints one JSON line.
"""
import argparse
import json
import multiprocessing
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from workload import add_workload_arguments, noop, spin_fields, task_of  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=200000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--chunksize", default="default",
                        help="an integer, or 'default' for Pool.map's own choice")
    add_workload_arguments(parser)
    args = parser.parse_args()
    task = task_of(args)
    chunksize = None if args.chunksize == "default" else int(args.chunksize)

    with multiprocessing.Pool(processes=args.processes) as pool:
        pool.map(noop, range(args.processes), chunksize=1)  # workers up and importing done
        start = time.perf_counter()
        results = pool.map(task, range(args.tasks), chunksize=chunksize)
        count = len(results)
        total = sum(results)
        seconds = time.perf_counter() - start
    expected = args.tasks * (args.tasks - 1) // 2
    status = 0
    if count != args.tasks or total != expected:
        print(f"multiprocessing_bench: got {count} results (sum {total}), expected {args.tasks} ({expected})",
              file=sys.stderr)
        status = 1
    if chunksize is None:  # what Pool.map picks: ceil(N / (4 * processes))
        effective, extra = divmod(args.tasks, args.processes * 4)
        effective += 1 if extra else 0
    else:
        effective = chunksize
    print(json.dumps({"benchmark": "multiprocessing", "ranks": args.processes, "processes": args.processes,
                      "chunksize": args.chunksize, "effective_chunksize": effective, "tasks": args.tasks,
                      "seconds": round(seconds, 6),
                      "tasks_per_s": round(args.tasks / seconds, 1) if seconds > 0 else 0.0,
                      **spin_fields(args, args.processes, seconds)}),
          flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
