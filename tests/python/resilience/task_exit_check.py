"""A task that ends its worker with os._exit, under
`mpirun --enable-recovery -n 4 python3 -m rankpool`:
  1. in a map, the call that exits fails with rankpool.TaskLost ("crashed its worker
     twice") after taking down exactly two workers, and every other call's result is right;
  2. it never runs on rank 0 once it has taken a worker down (there it would end the job);
  3. the job still runs work afterwards, on the ranks left.
The call exits on workers only: one that lands on rank 0 first runs there, and the map
is run again. Any failed check exits 1; the last line is "task_exit_check: passed",
which ctest looks for (python_task_exit_test): under --enable-recovery mpirun exits 0
whatever the ranks do, rank 0 dying included."""
import os
import sys
import tempfile
import time

import rankpool

CALLS = 24
EXITING = CALLS - 1  # last, so that map's iterator yields every other result before it raises


def exit_on_workers(x, marks):
    if x == EXITING and rankpool.rank() != 0:
        # A clean status first, then a failing one: neither may pass for a result.
        code = len(os.listdir(marks))
        open(os.path.join(marks, str(rankpool.rank())), "w").close()
        os._exit(code)
    time.sleep(0.02)
    return x * x, rankpool.rank()


def check(condition, what):
    if not condition:
        print(f"task_exit_check: FAILED: {what}", file=sys.stderr, flush=True)
        sys.exit(1)
    print(f"task_exit_check: ok: {what}", flush=True)


def run_map(ex, marks):
    """(results before the exception, the exception or None, seconds)."""
    got, lost = [], None
    started = time.monotonic()
    try:
        for value in ex.map(exit_on_workers, range(CALLS), [marks] * CALLS, chunksize=1):
            got.append(value)
    except rankpool.TaskLost as exc:
        lost = exc
    return got, lost, time.monotonic() - started


def main():
    with tempfile.TemporaryDirectory(prefix="task_exit_check.") as marks, rankpool.Executor() as ex:
        check(ex.ranks == rankpool.size() == 4, "runs at 4 ranks")
        for attempt in range(1, 11):
            got, lost, seconds = run_map(ex, marks)
            if lost is not None or os.listdir(marks):
                break
            print(f"task_exit_check: attempt {attempt}: the exiting call ran on rank 0 first; again", flush=True)
        exits = sorted(int(name) for name in os.listdir(marks))
        print(f"task_exit_check: attempt {attempt}, {seconds:.1f} s, workers exited: {exits}, raised: {lost!r}",
              flush=True)
        check(exits, "the exiting call reached a worker within 10 maps")
        check([square for square, _ in got[:EXITING]] == [x * x for x in range(EXITING)],
              "every other call of the map returns its result")
        check(len(got) == EXITING, f"the exiting call returns nothing (it returned {got[EXITING:]})")
        check(isinstance(lost, rankpool.TaskLost) and "crashed its worker twice" in str(lost),
              f"the exiting call fails with TaskLost, crashed its worker twice ({lost})")
        check(getattr(lost, "index", None) == EXITING, f"the failure names the call ({getattr(lost, 'index', None)})")
        check(len(exits) == 2, f"it took down exactly two workers ({exits})")
        left = sorted(set(range(1, 4)) - set(exits))
        after = list(ex.map(exit_on_workers, range(EXITING), [marks] * EXITING, chunksize=1))
        ranks = sorted({rank for _, rank in after})
        check([square for square, _ in after] == [x * x for x in range(EXITING)] and set(ranks) <= {0, *left},
              f"work still runs afterwards, on ranks {ranks} (rank 0 and worker {left} are left)")
    print("task_exit_check: passed", flush=True)


main()
