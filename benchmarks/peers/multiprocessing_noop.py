"""multiprocessing baseline: Pool(processes=P).map of a no-op over range(N).

    /usr/bin/python3 benchmarks/peers/multiprocessing_noop.py --processes 2 --tasks N --chunksize 1|default

Pool start-up is not timed (a warm-up map starts the workers). Prints one JSON line.
"""
import argparse
import json
import multiprocessing
import sys
import time


def noop(i):
    return i


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=200000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--chunksize", default="default",
                        help="an integer, or 'default' for Pool.map's own choice")
    args = parser.parse_args()
    chunksize = None if args.chunksize == "default" else int(args.chunksize)

    with multiprocessing.Pool(processes=args.processes) as pool:
        pool.map(noop, range(args.processes), chunksize=1)  # workers up and importing done
        start = time.perf_counter()
        results = pool.map(noop, range(args.tasks), chunksize=chunksize)
        count = len(results)
        total = sum(results)
        seconds = time.perf_counter() - start
    expected = args.tasks * (args.tasks - 1) // 2
    status = 0
    if count != args.tasks or total != expected:
        print(f"multiprocessing_noop: got {count} results (sum {total}), expected {args.tasks} ({expected})",
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
                      "tasks_per_s": round(args.tasks / seconds, 1) if seconds > 0 else 0.0}),
          flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
