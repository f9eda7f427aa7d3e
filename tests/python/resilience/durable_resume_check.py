"""A durable map killed mid-run and resumed, against a clean run (python_durable_resume_test):
  1. a clean run of durable_sweep.py on 3 ranks;
  2. the same map on 3 ranks, rank 0 (the process writing the file) SIGKILLed just after
     a flush, with some but not all results durable: the job ends, the file stays
     readable, and the status record still says running;
  3. resume=True on 2 ranks: the results equal the clean run's, no call that was durable
     ran again, and the file is complete.
Any failed check exits 1. Usage: durable_resume_check.py MPIEXEC PYTHON WORK_DIR."""
import json
import os
import pickle
import signal
import subprocess
import sys
import time

import numpy as np

import rankpool

HERE = os.path.dirname(os.path.abspath(__file__))
TASKS = 120


def check(condition, what):
    if not condition:
        print(f"FAILED: {what}", flush=True)
        sys.exit(1)
    print(f"ok: {what}", flush=True)


def launch(mpiexec, python, ranks, work, name, *extra):
    """durable_sweep.py as run `name`; the killed and the resumed run share their store and
    their log folder (the log folder is an argument of every call: resume compares it)."""
    logs = os.path.join(work, "clean-log" if name == "clean" else "log")
    os.makedirs(logs, exist_ok=True)
    command = [mpiexec, "-n", str(ranks), "--oversubscribe", "--bind-to", "none", python, "-m", "rankpool",
               os.path.join(HERE, "durable_sweep.py"), os.path.join(work, "store.h5" if name != "clean" else "clean.h5"),
               logs, os.path.join(work, name + ".pickle"), *extra]
    return subprocess.Popen(command), logs


def ran(logs):
    return {int(name.split("-")[1]) for name in os.listdir(logs)}


def same(a, b):
    return a.keys() == b.keys() and a["mean"] == b["mean"] and np.array_equal(a["draws"], b["draws"])


def main(mpiexec, python, work):
    os.makedirs(work, exist_ok=True)
    for name in os.listdir(work):
        path = os.path.join(work, name)
        if os.path.isfile(path):
            os.remove(path)

    clean, _ = launch(mpiexec, python, 3, work, "clean")
    check(clean.wait(timeout=120) == 0, "the clean run exits 0")
    with open(os.path.join(work, "clean.pickle"), "rb") as f:
        expected = pickle.load(f)

    killed, killed_logs = launch(mpiexec, python, 3, work, "killed")
    record_path = os.path.join(work, "store.h5.status.json")
    deadline = time.monotonic() + 90
    seen = None
    while True:
        if time.monotonic() > deadline or killed.poll() is not None:
            check(False, "the run to kill is running with results durable")
        try:
            with open(record_path) as f:
                record = json.load(f)
        except (OSError, ValueError):  # not written yet
            record = None
        if record and record["done"] >= 10:
            if seen is not None and record["updated_unix"] != seen:
                break  # a flush just ended: the next is a second away
            seen = record["updated_unix"]
        time.sleep(0.005)
    os.kill(record["pid"], signal.SIGKILL)
    check(killed.wait(timeout=60) != 0, "the killed job ends with a failure")
    with open(record_path) as f:
        left = json.load(f)
    check(left["state"] == "running" and 10 <= left["done"] < TASKS, f"the record left says running, {left['done']} done")
    run = rankpool.open(os.path.join(work, "store.h5"))
    done = {int(i) for i in np.flatnonzero(run.table["status"] == "done")}
    check(len(done) >= left["done"], f"the file holds at least the {left['done']} results the record calls durable")
    values = run.values()
    check(all(same(values[i], expected[i]) for i in done), "the durable results equal the clean run's")
    killed_ran = ran(killed_logs)
    for name in os.listdir(killed_logs):
        os.remove(os.path.join(killed_logs, name))

    resumed, resumed_logs = launch(mpiexec, python, 2, work, "resumed", "resume")
    check(resumed.wait(timeout=120) == 0, "the resumed run exits 0")
    with open(os.path.join(work, "resumed.pickle"), "rb") as f:
        results = pickle.load(f)
    check(len(results) == TASKS and all(same(r, e) for r, e in zip(results, expected)),
          "the resumed map's results equal the clean run's")
    check(ran(resumed_logs) == set(range(TASKS)) - done, "the resume ran exactly the calls without a durable result")
    check(killed_ran | ran(resumed_logs) == set(range(TASKS)), "every call ran in one run or the other")
    final = rankpool.open(os.path.join(work, "store.h5"))
    check(final.attrs["status"] == "complete" and final.attrs["runs"] == 2 and set(final.table["status"]) == {"done"},
          "the file is complete after the resume")


if __name__ == "__main__":
    main(*sys.argv[1:4])
