"""A call that SIGKILLs its worker (a death that sends rank 0 no word, like the OOM
killer's), under `mpirun --enable-recovery -n 4 python3 -m rankpool`:
  1. every other call of its map returns its result;
  2. the call itself never returns: it never runs on rank 0 (where this call returns a
     value) while a worker answers, neither as a speculative copy of its late chunk nor
     as a rerun after its rank is given up;
  3. it fails with rankpool.TaskLost, and the job still runs work afterwards.
The call kills workers only: one that lands on rank 0 first runs there, and the map is
run again. Any failed check exits 1; the last line is "silent_death_check: passed", which
ctest looks for (python_silent_death_test): under --enable-recovery mpirun exits 0
whatever the ranks do."""
import os
import signal
import sys
import tempfile
import time

import rankpool

CALLS = 24
KILLING = CALLS - 1  # last, so that map's iterator yields every other result before it raises


def kill_on_workers(x, marks):
    if x == KILLING and rankpool.rank() != 0:
        open(os.path.join(marks, str(rankpool.rank())), "w").close()
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.02)
    return x * x, rankpool.rank()


def check(condition, what):
    if not condition:
        print(f"silent_death_check: FAILED: {what}", file=sys.stderr, flush=True)
        sys.exit(1)
    print(f"silent_death_check: ok: {what}", flush=True)


def main():
    with tempfile.TemporaryDirectory(prefix="silent_death_check.") as marks, rankpool.Executor() as ex:
        check(ex.ranks == 4, "runs at 4 ranks")
        for attempt in range(1, 11):
            got, lost = [], None
            try:
                for value in ex.map(kill_on_workers, range(CALLS), [marks] * CALLS, chunksize=1):
                    got.append(value)
            except rankpool.TaskLost as exc:
                lost = exc
            if lost is not None or os.listdir(marks):
                break
            print(f"silent_death_check: attempt {attempt}: the killing call ran on rank 0 first; again", flush=True)
        killed = sorted(int(name) for name in os.listdir(marks))
        print(f"silent_death_check: attempt {attempt}, workers killed: {killed}, raised: {lost!r}", flush=True)
        check(killed, "the killing call reached a worker within 10 maps")
        check([square for square, _ in got[:KILLING]] == [x * x for x in range(KILLING)],
              "every other call of the map returns its result")
        check(len(got) == KILLING, f"the killing call never returns from rank 0 (it returned {got[KILLING:]})")
        check(isinstance(lost, rankpool.TaskLost), f"the killing call fails with TaskLost ({lost})")
        after = list(ex.map(kill_on_workers, range(KILLING), [marks] * KILLING, chunksize=1))
        check([square for square, _ in after] == [x * x for x in range(KILLING)], "work still runs afterwards")
    print("silent_death_check: passed", flush=True)


main()
