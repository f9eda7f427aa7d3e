"""The h5py + pandas recipe of docs/OUTPUT.md ("One row per task"), read from the document
itself, against `rankpool table --csv` on runs of the rankpool program: the same columns
in the same order, the same rows and the same values. A value missing from the CSV (empty:
the task has no result) is NaN in the recipe's frame, or the "no result" value of its
integer type (INT64_MIN, UINT64_MAX; rank -1).

    table_recipe.py RANKPOOL OUTPUT_MD

Exits 77 (ctest: skipped) where h5py or pandas is missing.
"""
import io
import math
import os
import re
import subprocess
import sys
import tempfile

try:
    import h5py  # noqa: F401 (the recipe imports it)
    import numpy as np
    import pandas as pd
except ImportError as missing:
    print(f"table_recipe.py: skipped: {missing}")
    sys.exit(77)

rankpool, output_md = sys.argv[1], sys.argv[2]

JOBS = {
    # A swept n beside the result n (results/n), unsigned results.
    "sum_to_n": ('app = "sum_to_n"\n[sweep]\nn = { start = 1, stop = 1000000, num = 9, scale = "log" }\n', []),
    # Part 1 of 3: the other tasks pending, their results missing.
    "sum_to_n_part": ('app = "sum_to_n"\n[sweep]\nn = { start = 1, stop = 1000000, num = 9, scale = "log" }\n',
                      ["--shard", "1/3"]),
    # Real results and real, integer and zipped axes.
    "heat": ('app = "heat"\n[params]\nalpha = 1.0\n[sweep]\nmode = "zip"\nn = [8, 16, 24]\n'
             'dt = [1.0e-3, 2.0e-4, 1.0e-4]\nsteps = [10, 20, 30]\n', []),
    # No sweep, failed tasks (on_error = continue: exit 3).
    "synthetic": ('app = "synthetic"\n[params]\ntasks = 20\nfail_every = 3\n[schedule]\non_error = "continue"\n', []),
    # Results that are not one value per task (an image) are no column.
    "mandelbrot": ('app = "mandelbrot"\n[params]\nwidth = 32\nheight = 16\nmax_iterations = 50\n'
                   'rows_per_task = 2\nimage = false\n', []),
}
MISSING_INTEGERS = {-(2**63), 2**64 - 1}


def the_recipe():
    """run_table() as docs/OUTPUT.md gives it: the python block of "One row per task"."""
    with open(output_md) as f:
        text = f.read()
    section = text[text.index("## One row per task"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace = {}
    exec(compile(code, output_md, "exec"), namespace)
    return namespace["run_table"]


def same(csv_text, value, column):
    """Whether the CSV's text and the recipe's value are the same value."""
    if csv_text == "":
        if isinstance(value, (float, np.floating)):
            return math.isnan(value)
        return int(value) in MISSING_INTEGERS or (column == "rank" and int(value) == -1)
    if isinstance(value, bytes):
        value = value.decode()
    if isinstance(value, str):
        return csv_text == value
    if isinstance(value, (float, np.floating)):
        return float(csv_text) == float(value)  # the CSV's reals are exact: shortest round-trip digits
    return int(csv_text) == int(value)


def main():
    run_table = the_recipe()
    failures = 0
    with tempfile.TemporaryDirectory(prefix="rankpool-table-recipe-") as scratch:
        for name, (job_text, flags) in JOBS.items():
            job, out = os.path.join(scratch, name + ".toml"), os.path.join(scratch, name + ".h5")
            with open(job, "w") as f:
                f.write(job_text)
            run = subprocess.run([rankpool, "run", job, "--progress", "none", "--out", out] + flags,
                                 capture_output=True, text=True, timeout=300)
            if run.returncode not in (0, 3):
                print(f"{name}: rankpool run exited {run.returncode}: {run.stderr}")
                return 1
            table = subprocess.run([rankpool, "table", out, "--csv"], capture_output=True, text=True, timeout=300)
            if table.returncode != 0:
                print(f"{name}: rankpool table exited {table.returncode}: {table.stderr}")
                return 1
            csv = pd.read_csv(io.StringIO(table.stdout), dtype=str, keep_default_na=False)
            frame = run_table(out)
            problems = []
            if list(csv.columns) != list(frame.columns):
                problems.append(f"columns: table {list(csv.columns)}, recipe {list(frame.columns)}")
            elif len(csv) != len(frame):
                problems.append(f"rows: table {len(csv)}, recipe {len(frame)}")
            else:
                for column in csv.columns:
                    for row, (text, value) in enumerate(zip(csv[column], frame[column])):
                        if not same(text, value, column):
                            problems.append(f"row {row}, {column}: table {text!r}, recipe {value!r}")
            if len(frame) == 0 or "status" not in frame.columns:
                problems.append(f"an empty table: {frame}")
            print(f"{name}: {len(frame)} rows, columns {list(frame.columns)}: "
                  f"{'same' if not problems else 'DIFFERENT'}")
            for problem in problems[:10]:
                print("  " + problem)
            failures += bool(problems)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
