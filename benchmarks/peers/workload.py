"""The peers' side of rankpool_noop_bench's workloads, bit for bit.

No-op tasks return their index. Spin tasks busy-wait for a lognormal duration that
depends on (seed, index) only, computed exactly as apps/synthetic/workload.hpp computes
it for the synthetic app and rankpool_noop_bench (splitmix64 hashes, Box-Muller, mean
`mean_us`, the same operations in the same order), so every side runs the same tasks.

    python3 benchmarks/peers/workload.py --print-durations --tasks 5 --mean-us 1000 --sigma 1 --seed 1

prints each task's duration in microseconds as float.hex(), one a line:
tests/apps/synthetic_workload_test.cpp compares them with the C++ durations bit for bit.
"""
import argparse
import math
import time

MASK = (1 << 64) - 1


def splitmix64(x):
    x = (x + 0x9E3779B97F4A7C15) & MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


def unit(bits):
    """Uniform in (0, 1), never 0 (safe for log)."""
    return ((bits >> 11) + 0.5) * 2.0**-53


def duration_us(seed, index, mean_us, distribution="lognormal", sigma=1.0):
    """Task `index`'s duration in microseconds: workload::duration_us in workload.hpp."""
    mean_us, sigma = float(mean_us), float(sigma)
    if mean_us <= 0:
        return 0.0
    a = splitmix64(((seed * 0x9E3779B97F4A7C15) & MASK) ^ index)
    if distribution == "fixed":
        return mean_us
    if distribution == "uniform":
        return 2 * mean_us * unit(a)
    # lognormal with the requested mean: exp(mu + sigma z), mu = ln(mean) - sigma^2 / 2
    z = math.sqrt(-2 * math.log(unit(a))) * math.cos(2 * math.pi * unit(splitmix64(a)))
    return mean_us * math.exp(sigma * z - sigma * sigma / 2)


def spin_seconds(seed, index, mean_us, sigma):
    """A spin task's duration in seconds, as rankpool_noop_bench computes it."""
    return duration_us(seed, index, mean_us, "lognormal", sigma) * 1e-6


class Spin:
    """A picklable task: spins for task i's duration, returns i."""

    def __init__(self, mean_us, sigma, seed):
        self.mean_us, self.sigma, self.seed = mean_us, sigma, seed

    def __call__(self, index):
        until = time.perf_counter() + spin_seconds(self.seed, index, self.mean_us, self.sigma)
        while time.perf_counter() < until:
            pass
        return index


def noop(index):
    return index


def add_workload_arguments(parser):
    parser.add_argument("--spin-us", type=float, default=0.0,
                        help="mean task duration in microseconds (lognormal); 0: no-op tasks")
    parser.add_argument("--sigma", type=float, default=1.0, help="lognormal sigma of the spin durations")
    parser.add_argument("--seed", type=int, default=1, help="seed of the spin durations")


def task_of(args):
    """The task function the arguments ask for."""
    return Spin(args.spin_us, args.sigma, args.seed) if args.spin_us > 0 else noop


def spin_fields(args, workers, seconds):
    """JSON fields of a spin run: planned busy time, the ideal makespan and the efficiency."""
    if args.spin_us <= 0:
        return {}
    planned = math.fsum(spin_seconds(args.seed, i, args.spin_us, args.sigma) for i in range(args.tasks))
    ideal = planned / workers
    return {"spin_mean_us": args.spin_us, "sigma": args.sigma, "seed": args.seed,
            "planned_busy_seconds": round(planned, 6), "ideal_seconds": round(ideal, 6),
            "efficiency": round(ideal / seconds, 4) if seconds > 0 else 0.0}


def main():
    parser = argparse.ArgumentParser(description="Print the synthetic workload's task durations (microseconds, "
                                                 "float.hex(), one a line)")
    parser.add_argument("--print-durations", action="store_true", required=True)
    parser.add_argument("--tasks", type=int, default=10, help="tasks 0 .. TASKS-1")
    parser.add_argument("--first", type=int, default=0, help="index of the first task")
    parser.add_argument("--mean-us", type=float, default=1000.0)
    parser.add_argument("--distribution", choices=("fixed", "uniform", "lognormal"), default="lognormal")
    parser.add_argument("--sigma", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    for index in range(args.first, args.first + args.tasks):
        print(duration_us(args.seed, index, args.mean_us, args.distribution, args.sigma).hex())


if __name__ == "__main__":
    main()
