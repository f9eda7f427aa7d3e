"""Durable maps (Executor.map(..., store=PATH, resume=...)) and rankpool.open."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import rankpool
import tasks

h5py = pytest.importorskip("h5py")


def ran(log_dir):
    """The calls that ran, by input, from tasks.logged_square's files."""
    return sorted(int(name.split("-")[1]) for name in os.listdir(log_dir))


def test_a_durable_map_returns_what_map_returns_and_writes_the_run_file_layout(executor, tmp_path, ranks):
    path = tmp_path / "sweep.h5"
    values = list(executor.map(tasks.square, range(300), store=path))
    assert values == [x * x for x in range(300)]
    run = rankpool.open(path)
    assert run.attrs["app"] == "python" and run.attrs["status"] == "complete"
    assert run.attrs["tasks"] == 300 and run.attrs["ranks"] == ranks and run.attrs["failed"] == 0
    assert list(run.table["value"]) == values and run.table["value"].dtype == np.int64
    assert set(run.table["status"]) == {"done"} and set(run.table["attempts"]) == {1}
    assert set(run.table["rank"]) <= set(range(ranks)) and np.all(run.table["seconds"] >= 0)
    # The timeline covers every task once (no copies in a healthy run).
    assert int(run.chunks["count"].sum()) == 300 and set(run.chunks["kind"]) == {0}
    assert run.values() == values
    record = json.loads((tmp_path / "sweep.h5.status.json").read_text())
    assert (record["state"], record["done"], record["failed"], record["exit_code"]) == ("complete", 300, 0, 0)


def test_dicts_of_numbers_strings_and_arrays_become_columns(executor, tmp_path):
    def result(x):
        return {"n": x, "half": x / 2, "ok": x % 2 == 0, "label": f"t{x}", "vec": np.full(3, x, np.float32)}

    path = tmp_path / "dict.h5"
    values = list(executor.map(result, range(40), store=path, chunksize=3))
    run = rankpool.open(path)
    assert list(run.table["n"]) == list(range(40)) and list(run.table["half"]) == [x / 2 for x in range(40)]
    assert list(run.table["label"]) == [f"t{x}" for x in range(40)]
    assert run.table["ok"].dtype == np.uint8 and list(run.table["ok"]) == [int(x % 2 == 0) for x in range(40)]
    assert run.table["vec"].shape == (40, 3) and run.table["vec"].dtype == np.float32
    back = run.values()
    for original, read in zip(values, back):
        assert original.keys() == read.keys()
        assert (read["n"], read["half"], read["ok"], read["label"]) == (
            original["n"], original["half"], original["ok"], original["label"])
        assert type(read["ok"]) is bool and type(read["n"]) is int
        np.testing.assert_array_equal(read["vec"], original["vec"])


def test_results_that_do_not_fit_the_columns_are_kept_pickled(executor, tmp_path):
    path = tmp_path / "mixed.h5"
    values = list(executor.map(tasks.mixed_result, range(20), store=path, chunksize=1))
    run = rankpool.open(path)
    assert run.values() == values == [tasks.mixed_result(x) for x in range(20)]
    # Whichever result came first chose the columns; the others are pickled, but every
    # task is done and its value comes back.
    assert set(run.table["status"]) == {"done"}


def test_failures_are_recorded_and_a_resume_runs_only_the_tasks_without_a_result(executor, tmp_path):
    flag = tmp_path / "flag"
    flag.touch()
    path = tmp_path / "resume.h5"
    with pytest.raises(RuntimeError, match="flagged 0"):
        list(executor.map(tasks.fail_while_flagged, [str(flag)] * 30, range(30), store=path))
    first = _wait_for_state(path)
    assert first.attrs["status"] == "failed" and first.attrs["failed"] == 10
    failed = [i for i, s in enumerate(first.table["status"]) if s == "failed"]
    assert failed == list(range(0, 30, 3))
    assert all(first.table["error"][i].startswith("Worker ") and f"flagged {i}" in first.table["error"][i]
               for i in failed)
    flag.unlink()
    values = list(executor.map(tasks.fail_while_flagged, [str(flag)] * 30, range(30), store=path, resume=True))
    assert values == [{"x": x, "root": x ** 0.5} for x in range(30)]
    second = rankpool.open(path)
    assert second.attrs["status"] == "complete" and second.attrs["runs"] == 2 and second.attrs["failed"] == 0
    assert list(second.table["error"]) == [""] * 30


def _wait_for_state(path):
    """The run file once its map has closed it (a map that raised is still writing)."""
    import time

    record = str(path) + ".status.json"
    deadline = time.monotonic() + 60
    while json.loads(open(record).read())["state"] == "running":
        assert time.monotonic() < deadline, "the durable map never finished"
        time.sleep(0.02)
    return rankpool.open(path)


def test_a_finished_store_resumes_without_running_anything(executor, tmp_path):
    logs = tmp_path / "log"
    logs.mkdir()
    path = tmp_path / "done.h5"
    first = list(executor.map(tasks.logged_square, [str(logs)] * 25, range(25), store=path))
    assert ran(logs) == list(range(25))
    again = list(executor.map(tasks.logged_square, [str(logs)] * 25, range(25), store=path, resume=True))
    assert again == first and ran(logs) == list(range(25))
    pairs = sorted(executor.map_unordered(tasks.logged_square, [str(logs)] * 25, range(25), store=path, resume=True))
    assert pairs == list(enumerate(first))


def test_a_store_refuses_other_work(executor, tmp_path):
    path = tmp_path / "guard.h5"
    list(executor.map(tasks.square, range(10), store=path))
    with pytest.raises(FileExistsError, match="resume=True"):
        executor.map(tasks.square, range(10), store=path)
    with pytest.raises(ValueError, match="first at index 4"):
        executor.map(tasks.square, [0, 1, 2, 3, 40, 5, 6, 7, 8, 9], store=path, resume=True)
    with pytest.raises(ValueError, match="holds 10 calls"):
        executor.map(tasks.square, range(11), store=path, resume=True)
    with pytest.raises(ValueError, match="written by tasks.square"):
        executor.map(tasks.fail_if_odd, range(10), store=path, resume=True)


def test_a_script_that_ends_without_reading_its_durable_map_leaves_a_complete_file(tmp_path, child_env):
    path = tmp_path / "unread.h5"
    script = ("import rankpool, tasks\n"
              f"rankpool.Executor().map(tasks.square, range(2000), chunksize=1, store={str(path)!r})\n")
    subprocess.run([sys.executable, "-c", script], check=True, env=child_env, timeout=120)
    run = rankpool.open(path)
    assert run.attrs["status"] == "complete" and run.values() == [x * x for x in range(2000)]


def test_open_reads_the_run_files_of_rankpool_run(tmp_path, child_env):
    program = os.environ.get("RANKPOOL_PROGRAM")
    jobs = os.environ.get("RANKPOOL_JOBS")
    if not program or not jobs:
        pytest.skip("RANKPOOL_PROGRAM and RANKPOOL_JOBS are set by ctest")
    out = tmp_path / "heat.h5"
    subprocess.run([program, "run", os.path.join(jobs, "heat_small.toml"), "--out", str(out)], check=True,
                   env=child_env,
                   stdout=subprocess.DEVNULL, timeout=120)
    run = rankpool.open(out)
    assert run.attrs["app"] == "heat" and run.attrs["status"] == "complete"
    table = run.table
    assert {"task", "error", "status", "centre"} <= set(table)
    assert len(table["task"]) == run.attrs["tasks"] and list(table["status"]) == ["done"] * run.attrs["tasks"]
    assert np.all(table["error"] == "") and np.all(np.isfinite(table["centre"]))
    with pytest.raises(ValueError, match="not a durable map"):
        run.values()


def test_the_command_line_reads_a_durable_map(executor, tmp_path):
    program = os.environ.get("RANKPOOL_PROGRAM")
    if not program:
        pytest.skip("RANKPOOL_PROGRAM is set by ctest")
    path = tmp_path / "cli.h5"
    def half_of_even(x):
        if x % 2:
            raise ValueError(f"odd input {x}")
        return x / 2

    with pytest.raises(ValueError):
        list(executor.map(half_of_even, range(12), store=path, chunksize=1))
    _wait_for_state(path)
    table = subprocess.run([program, "table", str(path), "--csv"], check=True, capture_output=True, text=True).stdout
    rows = [line.split(",") for line in table.strip().splitlines()]
    assert rows[0][:4] == ["task", "value", "status", "attempts"]
    assert [(r[0], r[1], r[2]) for r in rows[1:4]] == [("0", "0", "done"), ("1", "", "failed"), ("2", "1", "done")]
    status = subprocess.run([program, "status", str(path)], capture_output=True, text=True)
    assert "python, failed" in status.stdout and "6 done, 6 failed, 0 pending" in status.stdout
