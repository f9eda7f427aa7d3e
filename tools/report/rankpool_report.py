#!/usr/bin/python3
"""HTML report of rankpool run files.

    rankpool_report.py RUN.h5 [more.h5 ...] --out DIR

Writes DIR/index.html and the PNGs it shows (all in DIR, referenced by relative
name, so the folder can be moved or archived as a whole):

* per run, the science: each per-task result (every /results dataset with one
  value per task) against the swept parameter -- a line per value of a second
  swept parameter, or a heat map when two parameters are swept over many values;
  against the task index when nothing is swept;
* per run, the run: a timeline of the chunks on each rank (bars from start to end,
  coloured by status and by kind: run again after a lost rank, speculative copy,
  discarded duplicate; lost and rejoined ranks marked, and listed with their
  reasons from /events), the cores busy over time against the cores of the run,
  a histogram of task durations (busy thread-seconds / items of each chunk,
  weighted by items) and a histogram of chunk sizes;
* for runs of the same job (same app, parameters and sweep: the job_identity
  attribute) on different ranks x threads: strong-scaling speed-up and efficiency
  against the ideal line (x = ranks x threads_per_rank, y = speed-up over the
  smallest configuration, from the 'seconds' root attribute); runs of different
  jobs are never compared;
* a summary table (app, tasks, failed, ranks, threads, seconds, efficiency).

Exit codes: 0 written; 2 bad usage, a missing, non-HDF5 or non-rankpool input,
or a missing Python module (the message names the Debian package); 1 anything
else. Needs Debian's python3-h5py, python3-matplotlib and python3-numpy: run it
with /usr/bin/python3.
"""

import argparse
import html
import math
import os
import sys

PROG = "rankpool report"
EXIT_USAGE = 2

# Module -> Debian package that provides it for /usr/bin/python3.
_MODULES = [("numpy", "python3-numpy"), ("h5py", "python3-h5py"), ("matplotlib", "python3-matplotlib")]


def _fail(message, code=EXIT_USAGE):
    print(f"{PROG}: {message}", file=sys.stderr)
    sys.exit(code)


def _import_modules():
    for module, package in _MODULES:
        try:
            __import__(module)
        except ImportError:
            _fail(f"cannot import {module} in {sys.executable}; install the Debian package {package} "
                  f"(apt-get install {package}) and run with /usr/bin/python3")


_import_modules()

import h5py  # noqa: E402
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

try:
    import tomllib  # Python 3.11+
except ImportError:  # pragma: no cover
    tomllib = None

OK_COLOUR = "#4c72b0"
FAILED_COLOUR = "#dd3b3b"
# /chunks/kind: a chunk run again after its rank was lost, a speculative copy of a late
# chunk, a copy that came back second (its results discarded).
KIND_STYLE = {1: ("rerun after a lost rank", "#e69f00"), 2: ("speculative copy", "#8e6bbf"),
              3: ("duplicate, discarded", "#a0a0a0")}
LOST_COLOUR = "#000000"
REJOINED_COLOUR = "#2ca02c"
CHUNK_COLUMNS = ("first_task", "count", "rank", "threads", "failed", "start", "end", "busy")
DPI = 100


# ----------------------------------------------------------------------------- reading


def _attr(attrs, name, default=None):
    if name not in attrs:
        return default
    value = attrs[name]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray):
        return [v.decode("utf-8", "replace") if isinstance(v, bytes) else v for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    return value


class Run:
    """One run file: its root attributes and chunk timeline."""

    def __init__(self, path, index):
        self.path = path
        self.index = index
        self.name = os.path.basename(path)
        with h5py.File(path, "r", locking=False) if _h5py_has_locking() else h5py.File(path, "r") as f:
            if "chunks" not in f or "ranks" not in f.attrs:
                raise ValueError("not a rankpool run file (no /chunks or no 'ranks' attribute)")
            a = f.attrs
            self.app = str(_attr(a, "app", "?"))
            self.status = str(_attr(a, "status", "?"))
            self.tasks = int(_attr(a, "tasks", 0))
            self.failed = int(_attr(a, "failed", 0))
            self.ranks = int(_attr(a, "ranks", 1))
            self.threads = int(_attr(a, "threads_per_rank", 1))
            self.seconds = float(_attr(a, "seconds", float("nan")))
            self.busy_seconds = float(_attr(a, "busy_seconds", float("nan")))
            self.start_time = str(_attr(a, "start_time_utc", ""))
            self.version = str(_attr(a, "rankpool_version", ""))
            self.job_resolved = str(_attr(a, "job_resolved", ""))
            g = f["chunks"]
            c = {}
            for column in CHUNK_COLUMNS:
                c[column] = g[column][()] if column in g else None
            n = min(len(v) for v in c.values() if v is not None) if any(v is not None for v in c.values()) else 0
            for column in CHUNK_COLUMNS:
                c[column] = np.zeros(n) if c[column] is None else np.asarray(c[column][:n])
            # Which copy each chunk was (0 ran, 1 rerun, 2 speculative, 3 duplicate) and the
            # ranks lost or rejoined: files from before resilience have neither.
            kind = np.asarray(g["kind"][()]) if "kind" in g else np.zeros(0)
            c["kind"] = kind[:n].astype(np.int64) if len(kind) >= n else np.zeros(n, dtype=np.int64)
            self.chunks = c
            self.events = []
            if "events" in f and "seconds" in f["events"]:
                ev = f["events"]
                what = [x.decode() if isinstance(x, bytes) else str(x) for x in ev["what"][()]]
                reason = [x.decode() if isinstance(x, bytes) else str(x) for x in ev["reason"][()]] \
                    if "reason" in ev else [""] * len(what)
                for t, rank, w, why in zip(ev["seconds"][()], ev["rank"][()], what, reason):
                    self.events.append((float(t), int(rank), w, why))
            self.task_status = None
            status = None
            if "tasks" in f and "status" in f["tasks"]:
                status = f["tasks"]["status"][()].astype(np.int64)
                self.task_status = np.bincount(status, minlength=3)
            self.identity = str(_attr(a, "job_identity", ""))
            self.sweep, self.results = _read_results(f, status)
        self.cores = self.ranks * self.threads
        self.chunk_policy = "?"
        self.params = {}
        if tomllib and self.job_resolved:
            try:
                job = tomllib.loads(self.job_resolved)
                self.chunk_policy = str(job.get("schedule", {}).get("chunk", "?"))
                self.params = job.get("params", {})
            except (tomllib.TOMLDecodeError, AttributeError):
                pass

    @property
    def efficiency(self):
        if not (self.seconds > 0) or self.cores <= 0 or math.isnan(self.busy_seconds):
            return float("nan")
        return self.busy_seconds / (self.cores * self.seconds)

    @property
    def config(self):
        return f"{self.ranks}x{self.threads}"

    @property
    def job_key(self):
        """What must match for runs to be one strong-scaling series: the same job."""
        if self.identity:
            return self.identity
        return (self.app, self.tasks, repr(sorted(self.params.items())))


def _read_results(f, status):
    """The swept parameters ({name: values per task}, in axis order) and the per-task
    results ({name: (values, meaning)}), tasks without a result masked out as NaN."""
    tasks = len(status) if status is not None else 0
    sweep = {}
    if "sweep" in f:
        for name in _attr(f["sweep"].attrs, "parameters", []) or []:
            if name in f["sweep"]:
                values = f["sweep"][name][()]
                if values.dtype.kind in "SO":
                    values = np.array([v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in values])
                sweep[name] = values
    results = {}
    if "results" in f and tasks:
        done = status == 1
        for name, data in sorted(f["results"].items()):
            if not isinstance(data, h5py.Dataset) or data.shape != (tasks,) or data.dtype.kind not in "iuf":
                continue
            values = data[()].astype(np.float64)
            values[~done] = np.nan
            results[name] = (values, str(_attr(data.attrs, "meaning", "")))
    return sweep, results


def _h5py_has_locking():
    try:
        major, minor = (int(x) for x in h5py.__version__.split(".")[:2])
    except ValueError:
        return False
    return (major, minor) >= (3, 5)


def load_runs(paths):
    runs = []
    for i, path in enumerate(paths):
        if not os.path.exists(path):
            _fail(f"{path}: no such file")
        if not os.path.isfile(path):
            _fail(f"{path}: not a file")
        try:
            is_h5 = h5py.is_hdf5(path)
        except OSError as e:
            _fail(f"{path}: cannot read: {e}")
        if not is_h5:
            _fail(f"{path}: not an HDF5 file")
        try:
            runs.append(Run(path, i))
        except (OSError, KeyError, ValueError, TypeError) as e:
            _fail(f"{path}: {e}")
    return runs


# ----------------------------------------------------------------------------- plots


def _save(fig, out_dir, name):
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, name), dpi=DPI)
    plt.close(fig)
    return name


def _merge_intervals(start, end, tolerance):
    """Sorted, merged [start, end) intervals: bars closer than `tolerance` join
    (a million one-item chunks draw as a few hundred bars, one per pixel run)."""
    if len(start) == 0:
        return np.empty(0), np.empty(0)
    order = np.argsort(start, kind="stable")
    s, e = start[order], end[order]
    e = np.maximum.accumulate(e)
    breaks = np.nonzero(s[1:] > e[:-1] + tolerance)[0] + 1
    starts = s[np.concatenate(([0], breaks))]
    ends = e[np.concatenate((breaks - 1, [len(s) - 1]))]
    return starts, ends


def plot_timeline(run, out_dir):
    c = run.chunks
    width_in = 11
    height_in = max(2.6, min(10.0, 1.2 + 0.45 * run.ranks))
    fig, ax = plt.subplots(figsize=(width_in, height_in))
    t_end = max(float(c["end"].max()) if len(c["end"]) else 0.0, run.seconds if run.seconds > 0 else 0.0, 1e-9)
    tolerance = t_end / (width_in * DPI) * 0.5  # half a pixel
    merged = False
    failed = c["failed"] > 0
    layers = [(~failed & (c["kind"] == 0), OK_COLOUR, 2)]
    layers += [(~failed & (c["kind"] == k), colour, 3) for k, (_, colour) in KIND_STYLE.items()]
    layers.append((failed, FAILED_COLOUR, 4))
    for rank in range(run.ranks):
        on_rank = c["rank"] == rank
        for selected, colour, z in layers:
            sel = on_rank & selected
            if not sel.any():
                continue
            s, e = _merge_intervals(c["start"][sel], c["end"][sel], tolerance)
            merged |= len(s) < int(sel.sum())
            widths = np.maximum(e - s, tolerance)  # a sub-pixel chunk still shows
            ax.broken_barh(list(zip(s, widths)), (rank - 0.4, 0.8), facecolors=colour, edgecolor="none", zorder=z)
    for t, rank, what, _ in run.events:
        if 0 <= rank < run.ranks:
            ax.plot([t], [rank], marker="X" if what == "lost" else "o", markersize=10, zorder=5,
                    color=LOST_COLOUR if what == "lost" else REJOINED_COLOUR, markeredgecolor="white")
    ax.set_yticks(range(run.ranks))
    ax.set_yticklabels([f"rank {r}" for r in range(run.ranks)])
    ax.set_ylim(run.ranks - 0.5, -0.5)
    ax.set_xlim(0, t_end * 1.01)
    ax.set_xlabel("time since the pool started (s)")
    ax.set_ylabel(f"rank ({run.threads} thread{'s' if run.threads != 1 else ''} each)")
    handles = [Patch(color=OK_COLOUR, label=f"chunk ok ({int((~failed & (c['kind'] == 0)).sum()):,})")]
    for k, (label, colour) in KIND_STYLE.items():
        count = int((~failed & (c["kind"] == k)).sum())
        if count:
            handles.append(Patch(color=colour, label=f"{label} ({count:,})"))
    handles.append(Patch(color=FAILED_COLOUR, label=f"chunk with failed tasks ({int(failed.sum()):,})"))
    for what, marker, colour in (("lost", "X", LOST_COLOUR), ("rejoined", "o", REJOINED_COLOUR)):
        count = sum(1 for ev in run.events if ev[2] == what)
        if count:
            handles.append(Line2D([], [], linestyle="none", marker=marker, markersize=9, color=colour,
                                  label=f"rank {what} ({count})"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize="small", framealpha=0.9)
    title = f"Run {run.index + 1} ({run.name}): chunks per rank over time"
    if merged:
        title += " (bars merged and widened to pixel resolution)"
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    return _save(fig, out_dir, f"run{run.index + 1}_timeline.png")


def _occupancy(start, end, weight):
    """Event times and the summed weight of the chunks running from each time to the next
    (a step function)."""
    weight = weight.astype(np.float64)  # uint32 columns: negating them would wrap
    times = np.concatenate((start, end)).astype(np.float64)
    delta = np.concatenate((weight, -weight))
    order = np.lexsort((delta, times))  # at equal times, ends before starts
    times, level = times[order], np.cumsum(delta[order])
    return times, np.maximum(level, 0.0)


def _step_series(ax, times, level, t_end, colour, label, exact):
    if exact:
        xs = np.concatenate(([0.0], times, [t_end]))
        ys = np.concatenate(([0.0], level, [0.0]))
        ax.step(xs, ys, where="post", color=colour, label=label)
        return
    # Too many steps to draw: the exact time-average over 1000 bins.
    area = np.concatenate(([0.0], np.cumsum(level[:-1] * np.diff(times))))
    edges = np.linspace(0.0, t_end, 1001)
    cum = np.interp(edges, times, area, left=0.0, right=area[-1])
    mean = np.diff(cum) / np.diff(edges)
    ax.step(edges, np.concatenate((mean, [mean[-1]])), where="post", color=colour,
            label=label + " (mean per 1/1000 of the run)")


def plot_cores_busy(run, out_dir):
    c = run.chunks
    fig, ax = plt.subplots(figsize=(11, 3.6))
    t_end = max(float(c["end"].max()) if len(c["end"]) else 0.0, run.seconds if run.seconds > 0 else 0.0, 1e-9)
    if len(c["start"]):
        exact = len(c["start"]) <= 10000
        times, level = _occupancy(c["start"], c["end"], c["threads"])
        _step_series(ax, times, level, t_end, OK_COLOUR, "threads of the chunks running", exact)
        # The same with each chunk weighted by its busy thread-time / its duration: below the
        # first line where a chunk's threads wait for each other (or for the OS).
        duration = c["end"] - c["start"]
        rate = np.where(duration > 0, c["busy"] / np.where(duration > 0, duration, 1.0), 0.0)
        times, level = _occupancy(c["start"], c["end"], np.minimum(rate, c["threads"].astype(np.float64)))
        _step_series(ax, times, level, t_end, "#dd8452", "busy threads (chunk busy thread-time / chunk duration)",
                     exact)
    ax.axhline(run.cores, color="black", linestyle="--",
               label=f"cores of the run ({run.ranks} ranks x {run.threads} threads = {run.cores})")
    if run.seconds > 0 and not math.isnan(run.efficiency):
        ax.axhline(run.efficiency * run.cores, color="#55a868", linestyle=":",
                   label=f"mean busy cores = busy_seconds / seconds (efficiency {run.efficiency:.3f})")
    ax.set_xlim(0, t_end * 1.01)
    ax.set_ylim(0, run.cores * 1.6 + 0.3)
    ax.set_xlabel("time since the pool started (s)")
    ax.set_ylabel("cores busy (threads)")
    ax.set_title(f"Run {run.index + 1} ({run.name}): cores busy over time")
    ax.legend(loc="upper center", ncol=2, fontsize="x-small", framealpha=0.9)
    ax.grid(alpha=0.3)
    return _save(fig, out_dir, f"run{run.index + 1}_cores.png")


def _log_bins(values, count=50):
    lo, hi = float(values.min()), float(values.max())
    if hi <= lo * 1.0001:
        lo, hi = lo / 1.5, hi * 1.5
    return np.logspace(math.log10(lo), math.log10(hi), count + 1)


def plot_task_durations(run, out_dir):
    c = run.chunks
    fig, ax = plt.subplots(figsize=(7, 4))
    count = c["count"].astype(np.float64)
    ok = count > 0
    per_task_us = np.zeros_like(count)
    per_task_us[ok] = c["busy"][ok] / count[ok] * 1e6
    positive = ok & (per_task_us > 0)
    zero_tasks = int(count[ok & (per_task_us <= 0)].sum())
    if positive.any():
        ax.hist(per_task_us[positive], bins=_log_bins(per_task_us[positive]), weights=count[positive],
                color=OK_COLOUR, label=f"tasks ({int(count[positive].sum()):,}), per-chunk mean")
        ax.set_xscale("log")
        mean_us = float((c["busy"][positive]).sum() / count[positive].sum() * 1e6)
        ax.axvline(mean_us, color="black", linestyle="--", label=f"mean {mean_us:.3g} µs")
    else:
        ax.text(0.5, 0.5, "no chunk with measurable busy time", ha="center", va="center", transform=ax.transAxes)
        ax.plot([], [], color=OK_COLOUR, label="tasks")
    if zero_tasks:
        ax.plot([], [], " ", label=f"{zero_tasks:,} tasks in chunks with 0 busy time (not shown)")
    ax.set_xlabel("task duration: chunk busy thread-time / items (µs, log scale)")
    ax.set_ylabel("tasks")
    ax.set_title(f"Run {run.index + 1}: task durations")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return _save(fig, out_dir, f"run{run.index + 1}_durations.png")


def plot_chunk_sizes(run, out_dir):
    c = run.chunks
    fig, ax = plt.subplots(figsize=(7, 4))
    sizes = c["count"].astype(np.float64)
    sizes = sizes[sizes > 0]
    if len(sizes) and sizes.max() <= 64:  # a few small sizes: one bar per size
        lo, hi = int(sizes.min()), int(sizes.max())
        ax.hist(sizes, bins=np.arange(lo - 0.5, hi + 1.5), color=OK_COLOUR, rwidth=0.8,
                label=f"chunks ({len(sizes):,})")
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.axvline(float(sizes.mean()), color="black", linestyle="--", label=f"mean {sizes.mean():.3g} items")
    elif len(sizes):
        ax.hist(sizes, bins=_log_bins(sizes, 40), color=OK_COLOUR, label=f"chunks ({len(sizes):,})")
        ax.set_xscale("log")
        ax.axvline(float(sizes.mean()), color="black", linestyle="--", label=f"mean {sizes.mean():.3g} items")
    else:
        ax.text(0.5, 0.5, "no chunks", ha="center", va="center", transform=ax.transAxes)
        ax.plot([], [], color=OK_COLOUR, label="chunks")
    ax.set_xlabel("chunk size (items per chunk" + (", log scale)" if ax.get_xscale() == "log" else ")"))
    ax.set_ylabel("chunks")
    ax.set_title(f"Run {run.index + 1}: chunk sizes (policy {run.chunk_policy})")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return _save(fig, out_dir, f"run{run.index + 1}_chunk_sizes.png")


def _is_numeric(values):
    return values.dtype.kind in "iuf"


def _log_axis(values):
    """Whether numeric values spread over two decades or more (and are all positive)."""
    v = values[np.isfinite(values)] if _is_numeric(values) else np.empty(0)
    return len(v) > 0 and v.min() > 0 and v.max() / v.min() >= 100


def plot_results(run, out_dir):
    """One PNG per result against the swept parameters; [(name, file, caption)]."""
    plots = []
    axes = list(run.sweep.items())
    for number, (name, (values, meaning)) in enumerate(list(run.results.items())[:12]):
        shown = np.isfinite(values)
        fig, ax = plt.subplots(figsize=(8, 4.5))
        caption = ""
        heat = False
        if not axes:
            ax.plot(np.arange(len(values))[shown], values[shown], "o", color=OK_COLOUR, markersize=4)
            ax.set_xlabel("task")
            caption = f"{name} of each task"
        else:
            # x: the numeric swept parameter with the most distinct values; the others make the lines.
            numeric = [a for a in axes if _is_numeric(a[1])]
            x_name, x_values = max(numeric or axes, key=lambda a: len(np.unique(a[1])))
            others = [a for a in axes if a[0] != x_name]
            groups = {}
            for t in range(len(values)):
                key = tuple(str(v[t]) if not _is_numeric(v) else f"{v[t]:.6g}" for _, v in others)
                groups.setdefault(key, []).append(t)
            heat = (len(others) == 1 and _is_numeric(x_values) and _is_numeric(others[0][1])
                    and len(groups) > 8 and len(np.unique(x_values)) > 8)
            if heat:
                xs, ys = np.unique(x_values), np.unique(others[0][1])
                grid = np.full((len(ys), len(xs)), np.nan)
                for t in range(len(values)):
                    grid[np.searchsorted(ys, others[0][1][t]), np.searchsorted(xs, x_values[t])] = values[t]
                mesh = ax.pcolormesh(xs, ys, np.ma.masked_invalid(grid), shading="nearest", cmap="viridis")
                fig.colorbar(mesh, ax=ax, label=name)
                ax.set_ylabel(others[0][0])
                if _log_axis(ys):
                    ax.set_yscale("log")
                caption = f"{name} over {x_name} and {others[0][0]} (heat map)"
            else:
                colours = plt.cm.viridis(np.linspace(0, 0.9, max(1, len(groups))))
                for colour, (key, members) in zip(colours, sorted(groups.items())):
                    members = [t for t in members if shown[t]]
                    order = sorted(members, key=lambda t: x_values[t])
                    label = ", ".join(f"{o[0]} = {k}" for o, k in zip(others, key)) or None
                    ax.plot([x_values[t] for t in order], [values[t] for t in order], "o-", color=colour,
                            markersize=4, label=label if len(groups) <= 12 else None)
                if others and len(groups) <= 12:
                    ax.legend(fontsize="small")
                caption = f"{name} against {x_name}" + (f", a line per {', '.join(o[0] for o in others)}" if others else "")
            ax.set_xlabel(x_name)
            if _log_axis(x_values):
                ax.set_xscale("log")
        if not (axes and heat):
            ax.set_ylabel(name)
            if _log_axis(values):
                ax.set_yscale("log")
        ax.set_title(meaning or name, fontsize=10)
        ax.grid(alpha=0.3)
        plots.append((name, _save(fig, out_dir, f"run{run.index + 1}_result{number}.png"), caption))
    return plots


def scaling_table(runs):
    """(run, speed-up, efficiency) per run, against the fastest of the runs on the fewest cores."""
    usable = [r for r in runs if r.seconds > 0 and r.cores > 0]
    if len(usable) < 2:
        return None, []
    base_cores = min(r.cores for r in usable)
    base = min((r for r in usable if r.cores == base_cores), key=lambda r: r.seconds)
    rows = []
    for r in sorted(usable, key=lambda r: (r.cores, r.ranks, r.index)):
        speedup = base.seconds / r.seconds
        rows.append((r, speedup, speedup / (r.cores / base.cores)))
    return base, rows


def scaling_series(runs):
    """The runs of the most common job among `runs`, if they differ in ranks x threads:
    a strong-scaling study compares the same job on different resources, nothing else."""
    by_job = {}
    for r in runs:
        by_job.setdefault(r.job_key, []).append(r)
    series = max(by_job.values(), key=len)
    return series if len(series) >= 2 and len({(r.ranks, r.threads) for r in series}) >= 2 else []


def plot_scaling(runs, out_dir):
    base, rows = scaling_table(runs)
    if not rows:
        return None
    cores = np.array([r.cores for r, _, _ in rows], dtype=float)
    speedup = np.array([s for _, s, _ in rows])
    eff = np.array([e for _, _, e in rows])
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    span = np.array(sorted(set(cores)))
    ax1.plot(span, span / base.cores, color="black", linestyle="--", label="ideal (linear in cores)")
    ax1.plot(cores, speedup, "o", color=OK_COLOUR, markersize=8, label="measured")
    ax2.axhline(1.0, color="black", linestyle="--", label="ideal (1.0)")
    ax2.plot(cores, eff, "o", color=OK_COLOUR, markersize=8, label="measured")
    for (r, s, e), x in zip(rows, cores):
        ax1.annotate(f"{r.ranks}x{r.threads}", (x, s), textcoords="offset points", xytext=(6, -10), fontsize=9)
        ax2.annotate(f"{r.ranks}x{r.threads}", (x, e), textcoords="offset points", xytext=(6, -10), fontsize=9)
    for ax in (ax1, ax2):
        ax.set_xlabel("cores (ranks x threads per rank)")
        ax.set_xticks(span)
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small", loc="upper left")
    ax1.set_ylabel(f"speed-up over {base.config} (makespan ratio, x)")
    ax1.set_ylim(0, max(float(speedup.max()), float(span.max() / base.cores)) * 1.15)
    ax1.set_title("Strong scaling: speed-up")
    ax2.set_ylabel("parallel efficiency (speed-up / core ratio)")
    ax2.set_ylim(0, max(1.15, float(eff.max()) * 1.1))
    ax2.set_title("Strong scaling: efficiency")
    return _save(fig, out_dir, "scaling.png")


# ----------------------------------------------------------------------------- HTML

CSS = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 1200px; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #bbb; padding: 0.3em 0.7em; text-align: right; }
th { background: #eee; } td.l, th.l { text-align: left; }
img { max-width: 100%; border: 1px solid #ddd; margin: 0.4em 0; }
.warn { color: #a33; } code { background: #f4f4f4; padding: 0 0.2em; }
figure { margin: 0.5em 0; } .pair img { max-width: 49%; }
"""


def _fmt(x, spec):
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, spec)


def write_html(runs, images, scaling_png, out_dir):
    e = html.escape
    parts = ["<!DOCTYPE html>", "<html lang='en'><head><meta charset='utf-8'>",
             "<title>rankpool report</title>", f"<style>{CSS}</style></head><body>",
             f"<h1>rankpool report: {len(runs)} run{'s' if len(runs) != 1 else ''}</h1>",
             "<h2>Summary</h2><table id='summary'><tr><th>#</th><th class='l'>file</th><th class='l'>app</th>"
             "<th class='l'>chunk</th><th>tasks</th><th>failed</th><th>ranks</th><th>threads</th>"
             "<th>seconds</th><th>tasks/s</th><th>efficiency</th><th>chunks</th><th class='l'>status</th></tr>"]
    for r in runs:
        rate = r.tasks / r.seconds if r.seconds > 0 else float("nan")
        parts.append(
            f"<tr><td>{r.index + 1}</td><td class='l'><a href='#run{r.index + 1}'>{e(r.name)}</a></td>"
            f"<td class='l'>{e(r.app)}</td><td class='l'>{e(r.chunk_policy)}</td><td>{r.tasks:,}</td>"
            f"<td>{r.failed:,}</td><td>{r.ranks}</td><td>{r.threads}</td><td>{_fmt(r.seconds, '.3f')}</td>"
            f"<td>{_fmt(rate, ',.0f')}</td><td>{_fmt(r.efficiency, '.3f')}</td>"
            f"<td>{len(r.chunks['count']):,}</td><td class='l'>{e(r.status)}</td></tr>")
    parts.append("</table>")
    parts.append("<p>efficiency = busy_seconds / (ranks &times; threads &times; seconds): the share of the "
                 "run's cores that ran tasks over the makespan.</p>")
    if len(runs) >= 2 and not scaling_png:
        parts.append("<p>No strong-scaling section: a scaling study compares runs of the same job (same app, "
                     "parameters and sweep) on different ranks &times; threads, and these runs are not.</p>")
    if scaling_png:
        series = scaling_series(runs)
        base, rows = scaling_table(series)
        parts.append("<h2>Strong scaling</h2>")
        if len(series) < len(runs):
            left = [r.index + 1 for r in runs if r not in series]
            parts.append(f"<p>Runs {', '.join(map(str, left))} are other jobs than the rest and are left out.</p>")
        parts.append(f"<p>Baseline: run {base.index + 1} ({e(base.name)}, {base.config}, "
                     f"{base.seconds:.3f} s).</p>")
        parts.append("<table id='scaling'><tr><th>ranks &times; threads</th><th>cores</th><th>seconds</th>"
                     "<th>speed-up</th><th>scaling efficiency</th><th>busy efficiency</th></tr>")
        for r, s, eff in rows:
            parts.append(f"<tr><td>{r.config}</td><td>{r.cores}</td><td>{r.seconds:.3f}</td><td>{s:.2f}</td>"
                         f"<td>{eff:.3f}</td><td>{_fmt(r.efficiency, '.3f')}</td></tr>")
        parts.append("</table>")
        parts.append(f"<figure><img src='{e(scaling_png)}' alt='strong-scaling speed-up and efficiency'></figure>")
    for r in runs:
        i = r.index + 1
        imgs = images[r.index]
        parts.append(f"<h2 id='run{i}'>Run {i}: {e(r.name)}</h2>")
        parts.append(f"<p><code>{e(r.path)}</code> — {e(r.app)}, {r.tasks:,} tasks, {r.ranks} ranks &times; "
                     f"{r.threads} threads, chunk {e(r.chunk_policy)}, started {e(r.start_time)}, "
                     f"rankpool {e(r.version)}</p>")
        if r.task_status is not None:
            s = r.task_status
            parts.append(f"<p>Task status: {int(s[1]):,} done, {int(s[2]):,} failed, {int(s[0]):,} pending.</p>")
        if imgs["results"]:
            parts.append(f"<h3 id='run{i}-results'>Results</h3>")
            for name, png, caption in imgs["results"]:
                parts.append(f"<figure><img src='{e(png)}' alt='{e(caption)}'><figcaption>{e(caption)}"
                             f"</figcaption></figure>")
        parts.append(f"<h3 id='run{i}-run'>The run</h3>")
        if r.events:
            parts.append("<table class='events'><tr><th>seconds</th><th>rank</th><th class='l'>event</th>"
                         "<th class='l'>reason</th></tr>")
            for t, rank, what, why in r.events:
                parts.append(f"<tr><td>{t:.3f}</td><td>{rank}</td><td class='l'>rank {e(what)}</td>"
                             f"<td class='l'>{e(why)}</td></tr>")
            parts.append("</table>")
        kinds = np.bincount(r.chunks["kind"], minlength=4) if len(r.chunks["kind"]) else np.zeros(4, dtype=int)
        if kinds[1:].any():
            parts.append(f"<p>Chunks run again after a lost rank: {int(kinds[1]):,}; speculative copies of late "
                         f"chunks: {int(kinds[2]):,}; copies that came back second (discarded): "
                         f"{int(kinds[3]):,}.</p>")
        parts.append(f"<figure><img src='{e(imgs['timeline'])}' alt='timeline of run {i}'></figure>")
        parts.append(f"<figure><img src='{e(imgs['cores'])}' alt='cores busy in run {i}'></figure>")
        parts.append(f"<figure class='pair'><img src='{e(imgs['durations'])}' alt='task durations of run {i}'>"
                     f" <img src='{e(imgs['chunk_sizes'])}' alt='chunk sizes of run {i}'></figure>")
        if r.job_resolved:
            parts.append(f"<details><summary>job (resolved)</summary><pre>{e(r.job_resolved)}</pre></details>")
    parts.append("</body></html>")
    with open(os.path.join(out_dir, "index.html"), "w", encoding="utf-8") as f:
        f.write("\n".join(parts) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(prog=PROG, description="HTML report (timelines, utilisation, "
                                     "histograms, strong scaling) of rankpool run files")
    parser.add_argument("files", nargs="+", metavar="RUN.h5", help="rankpool run files (HDF5)")
    parser.add_argument("--out", required=True, metavar="DIR", help="output folder for index.html and the PNGs")
    args = parser.parse_args(argv)  # exits 2 on bad usage
    runs = load_runs(args.files)  # exits 2 before anything is written
    try:
        os.makedirs(args.out, exist_ok=True)
    except OSError as e:
        _fail(f"{args.out}: cannot create the output folder: {e.strerror}")
    images = []
    for r in runs:
        images.append({"timeline": plot_timeline(r, args.out), "cores": plot_cores_busy(r, args.out),
                       "durations": plot_task_durations(r, args.out),
                       "chunk_sizes": plot_chunk_sizes(r, args.out), "results": plot_results(r, args.out)})
    series = scaling_series(runs)
    scaling_png = plot_scaling(series, args.out) if len(series) >= 2 else None
    write_html(runs, images, scaling_png, args.out)
    count = sum(len(i) - 1 + len(i["results"]) for i in images) + (1 if scaling_png else 0)
    print(f"{PROG}: {len(runs)} run(s), {count} plots -> {os.path.join(args.out, 'index.html')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
