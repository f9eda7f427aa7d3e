"""The Python section of benchmarks/RESULTS.md from run_python_bench.sh's JSON lines:
every ratio divides the medians of two configurations over the rounds of that one
invocation.

    python3 python_results.py python_bench.jsonl --load-before "..." --load-after "..."
"""
import argparse
import datetime
import json
import os


def pick(runs, benchmark, chunksize, spin):
    """The median run of a configuration over the rounds (by efficiency for spin runs,
    else by rate); an even count takes the lower middle."""
    matching = [run for run in runs if run["benchmark"] == benchmark and
                str(run.get("chunksize", run.get("chunk"))) == chunksize and ("spin_mean_us" in run) == spin]
    if not matching:
        raise SystemExit(f"python_results: no {benchmark} run at chunksize {chunksize} (spin {spin})")
    matching.sort(key=lambda run: run["efficiency"] if spin else run["tasks_per_s"])
    return matching[(len(matching) - 1) // 2]


def rate(run):
    return run["tasks_per_s"]


def human(x):
    return f"{x / 1e6:.2f}M" if x >= 1e6 else f"{x / 1e3:.1f}k"


def verdict(ok):
    return "met" if ok else "**missed**"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("jsonl")
    parser.add_argument("--load-before", default="?")
    parser.add_argument("--load-after", default="?")
    args = parser.parse_args()
    with open(args.jsonl) as f:
        runs = [json.loads(line) for line in f if line.startswith("{")]
    py1, pyauto = pick(runs, "rankpool_python", "1", False), pick(runs, "rankpool_python", "auto", False)
    cpp1, cppauto = pick(runs, "rankpool_noop", "1", False), pick(runs, "rankpool_noop", "auto", False)
    mpi4py = pick(runs, "mpi4py_futures", "1", False)
    mp1, mpdefault = pick(runs, "multiprocessing", "1", False), pick(runs, "multiprocessing", "default", False)
    pyspin = pick(runs, "rankpool_python", "auto", True)
    mpi4py_spin = pick(runs, "mpi4py_futures", "1", True)
    mp_spin = pick(runs, "multiprocessing", "default", True)

    when = datetime.datetime.fromtimestamp(os.path.getmtime(args.jsonl), datetime.timezone.utc)
    rows = [
        ("Python no-op, chunksize 1 / mpi4py.futures chunksize 1", "`-n 2` vs `-n 3` (2 workers each)",
         rate(py1) / rate(mpi4py), 20, f"rankpool {human(rate(py1))}/s, mpi4py.futures {human(rate(mpi4py))}/s"),
        ("Python no-op, chunksize 1 / multiprocessing chunksize 1", "`-n 2` vs 2 processes",
         rate(py1) / rate(mp1), 2, f"multiprocessing {human(rate(mp1))}/s"),
        ("Python no-op, default chunksize / mpi4py.futures default (1)", "`-n 2` vs `-n 3`",
         rate(pyauto) / rate(mpi4py), 1, f"rankpool {human(rate(pyauto))}/s"),
        ("Python no-op, default chunksize / multiprocessing default", "`-n 2` vs 2 processes",
         rate(pyauto) / rate(mpdefault), 1,
         f"multiprocessing {human(rate(mpdefault))}/s (chunksize {mpdefault['effective_chunksize']})"),
    ]
    rounds = sum(1 for run in runs if run["benchmark"] == "rankpool_python" and str(run.get("chunksize")) == "1")
    print("## Python package (`rankpool.Executor`) against its peers\n")
    print(f"Written by `bash benchmarks/python/run_python_bench.sh build` on {when:%Y-%m-%d %H:%M} UTC; "
          f"each figure is the median of its {rounds} rounds, the rounds one after another, and every ratio "
          f"divides two medians of that invocation (raw lines: `benchmarks/out/python/python_bench.jsonl`). "
          f"2 cores, shared: load average before {args.load_before}, after {args.load_after}. "
          f"No-op: `map` over {py1['tasks']:,} tasks at chunksize 1 and {pyauto['tasks']:,} at the default "
          f"chunksizes on rankpool and multiprocessing, {mpi4py['tasks']:,} on mpi4py.futures (its rate is flat "
          f"in the count); every result is consumed.\n")
    print("| figure | configuration | measured | target | same-run baseline | verdict |")
    print("|---|---|---|---|---|---|")
    for name, config, ratio, goal, base in rows:
        target = f"≥ {goal}×" if goal > 1 else "> 1× (ahead)"
        print(f"| {name} | {config} | {ratio:.2f}× | {target} | {base} | {verdict(ratio >= goal if goal > 1 else ratio > 1)} |")
    eff = pyspin["efficiency"]
    print(f"| Python lognormal spin efficiency (mean 1 ms, σ 1), counting every core | `-n 2`, default chunksize, "
          f"{pyspin['tasks']:,} tasks | {eff:.3f} | ≥ 0.95 | mpi4py.futures {mpi4py_spin['efficiency']:.3f} "
          f"(2 workers + client), multiprocessing default {mp_spin['efficiency']:.3f} | {verdict(eff >= 0.95)} |")
    per_py1, per_cpp1 = 1e6 / rate(py1), 1e6 / rate(cpp1)
    per_pyauto, per_cppauto = 1e6 / rate(pyauto), 1e6 / rate(cppauto)
    print("\nA Python task's cost over a C++ task through the same engine (wall time per task of the 2-rank job, "
          "no-op tasks; C++: `rankpool_noop_bench`, 1 thread per rank):\n")
    print("| chunking | C++ task | Python task | Python's extra cost per task |")
    print("|---|---|---|---|")
    print(f"| chunk 1 | {per_cpp1:.2f} µs ({human(rate(cpp1))}/s) | {per_py1:.2f} µs ({human(rate(py1))}/s) | "
          f"{per_py1 - per_cpp1:.2f} µs |")
    print(f"| auto / default | {per_cppauto * 1e3:.1f} ns ({human(rate(cppauto))}/s) | {per_pyauto * 1e3:.0f} ns "
          f"({human(rate(pyauto))}/s) | {(per_pyauto - per_cppauto) * 1e3:.0f} ns |")
    print("\nWhat limits the Python figures:\n")
    print(f"- **Chunksize 1** costs a Python task {per_py1 - per_cpp1:.1f} µs more than a C++ one: a pickle and an "
          "unpickle of the call and of the result, and on rank 0 the hand-over of the GIL between the script's "
          "thread, the driver thread and the thread that runs rank 0's own share. The default chunksize removes "
          f"most of it ({(per_pyauto - per_cppauto) * 1e3:.0f} ns per task) by pickling about 64 bundles of calls "
          "per rank as lists (a range input as ranges: rankpool, like multiprocessing.Pool, does not turn it into "
          "a list on rank 0; a list input's items are pickled bundle by bundle, not measured here). At chunksize 1 rank 0 pickles every call before the first runs (about 1.1 µs "
          "each) and answers workers late, since it hands results to Python under the GIL that its other "
          "threads want too; Python pools therefore queue 16 chunks per rank where C++ pools queue 3.")
    print("- **Lognormal efficiency** counts rank 0's core, which also runs the script and takes the results in; "
          "the last bundles (1/64 of a rank's share each) and the GIL hand-overs cost the rest.")
    print("- **Load**: on a shared 2-core machine every side moves with it (the load averages above); compare the "
          "ratios of one run, not the rates of two.")


if __name__ == "__main__":
    main()
