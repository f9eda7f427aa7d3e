"""Checks on rankpool run files for the SLURM and multi-host tests (run with /usr/bin/python3: h5py).

  h5check.py same-results RUN.h5 REFERENCE.h5   every /results dataset equal (names, dtype, shape, values),
                                                every task done (/tasks/status == 1) in RUN.h5
  h5check.py hosts RUN.h5                       the `hosts` attribute, one rank per line
  h5check.py attr RUN.h5 NAME                   one root attribute (exit 1 if missing)
  h5check.py chunk-ranks RUN.h5                 the ranks that ran chunks (/chunks/rank), one per line
"""
import sys

import h5py
import numpy as np


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def datasets(group, prefix=""):
    found = {}
    for name, item in group.items():
        if isinstance(item, h5py.Dataset):
            found[prefix + name] = item
        else:
            found.update(datasets(item, prefix + name + "/"))
    return found


def same_results(run_path, reference_path):
    with h5py.File(run_path, "r") as run, h5py.File(reference_path, "r") as ref:
        status = run["/tasks/status"][()]
        if not np.all(status == 1):
            return f"{run_path}: {int(np.sum(status != 1))} of {status.size} tasks not done"
        if text(run.attrs["status"]) != "complete":
            return f"{run_path}: status {text(run.attrs['status'])}"
        mine, theirs = datasets(run["/results"]), datasets(ref["/results"])
        if sorted(mine) != sorted(theirs):
            return f"/results datasets differ: {sorted(mine)} vs {sorted(theirs)}"
        if not mine:
            return "no /results datasets"
        for name in sorted(mine):
            a, b = mine[name][()], theirs[name][()]
            if a.dtype != b.dtype or a.shape != b.shape:
                return f"/results/{name}: {a.dtype}{a.shape} vs {b.dtype}{b.shape}"
            if not np.array_equal(a, b):
                return f"/results/{name}: {int(np.sum(a != b))} of {a.size} values differ"
        print(f"same /results ({', '.join(f'{n} {mine[n].dtype}{mine[n].shape}' for n in sorted(mine))}), "
              f"{status.size} tasks done")
        return None


def main(argv):
    if len(argv) == 4 and argv[1] == "same-results":
        problem = same_results(argv[2], argv[3])
        if problem:
            print("h5check: " + problem, file=sys.stderr)
            return 1
        return 0
    if len(argv) == 3 and argv[1] == "hosts":
        with h5py.File(argv[2], "r") as f:
            for host in f.attrs["hosts"]:
                print(text(host))
        return 0
    if len(argv) == 3 and argv[1] == "chunk-ranks":
        with h5py.File(argv[2], "r") as f:
            for rank in sorted(set(int(r) for r in f["/chunks/rank"][()])):
                print(rank)
        return 0
    if len(argv) == 4 and argv[1] == "attr":
        with h5py.File(argv[2], "r") as f:
            if argv[3] not in f.attrs:
                return 1
            print(text(f.attrs[argv[3]]))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
