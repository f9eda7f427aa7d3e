"""A durable map for durable_resume_check.py: python3 -m rankpool durable_sweep.py
STORE LOG_DIR OUT [resume]. Each call leaves a file in LOG_DIR (which calls ran); the
results go to OUT (pickled) once the map returns."""
import os
import pickle
import sys
import time

import numpy as np

import rankpool


def sample(log_dir, x):
    with open(os.path.join(log_dir, f"ran-{x}-{os.getpid()}"), "w"):
        pass
    time.sleep(0.1)
    rng = np.random.default_rng(x)
    return {"mean": float(rng.normal(size=1000).mean()), "draws": rng.integers(0, 100, size=4)}


if __name__ == "__main__":
    store, log_dir, out = sys.argv[1:4]
    resume = sys.argv[4:] == ["resume"]
    with rankpool.Executor() as ex:
        results = list(ex.map(sample, [log_dir] * 120, range(120), store=store, resume=resume, chunksize=1))
    with open(out, "wb") as f:
        pickle.dump(results, f)
