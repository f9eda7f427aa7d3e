"""A Python script as a SLURM job step runs it: `srun -n 3 python3 -m rankpool python_map.py OUT`
(tests/slurm/slurm_test.sh). Writes to OUT, one per line, what the test checks:
  size N                 rankpool.size()
  squares ok|wrong       the map's values against x * x
  ran RANK HOST          each rank that ran a call, with the host it ran on"""
import socket
import sys
import time

import rankpool

CALLS = 120


def square_where(x):
    # Long enough that every rank, rank 0 included, gets some of the calls.
    time.sleep(0.02)
    return x * x, rankpool.rank(), socket.gethostname()


def main(out):
    with rankpool.Executor() as ex:
        results = list(ex.map(square_where, range(CALLS), chunksize=1))
    with open(out, "w") as f:
        print("size", rankpool.size(), file=f)
        print("squares", "ok" if [square for square, _, _ in results] == [x * x for x in range(CALLS)] else "wrong",
              file=f)
        for rank, host in sorted({(rank, host) for _, rank, host in results}):
            print("ran", rank, host, file=f)


main(sys.argv[1])
