"""The peers' side of benchmarks/noop/noop_bench.cpp's workloads, bit for bit.

No-op tasks return their index. Spin tasks busy-wait for a lognormal duration that
depends on (seed, index) only, computed exactly as rankpool_noop_bench computes it
(splitmix64 hashes, Box-Muller, mean `mean_us`), so both sides run the same tasks.
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
    """Uniform in (0, 1]: never 0, so log() is finite."""
    return ((bits >> 11) + 1) * 2.0**-53


def spin_seconds(seed, index, mean_us, sigma):
    h1 = splitmix64(((seed * 0x632BE59BD9B4E019) & MASK) ^ index)
    h2 = splitmix64(h1)
    z = math.sqrt(-2.0 * math.log(unit(h1))) * math.cos(2.0 * math.pi * unit(h2))
    mu = math.log(mean_us) - 0.5 * sigma * sigma
    return math.exp(mu + sigma * z) * 1e-6


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

