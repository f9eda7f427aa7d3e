#!/usr/bin/env bash
# End-to-end test of `rankpool report` (tools/report/rankpool_report.py):
#   tests/cli/report_command_test.sh BUILD_DIR [MPIEXEC]
# runs two small jobs with BUILD_DIR/apps/rankpool (one process alone, and
# RANKPOOL_TEST_RANKS ranks x 1 thread, default 2, as ctest's report_command_test.2ranks
# sets it), reports both, checks the exit code and every PNG, loads index.html in headless
# Chromium and asserts every <img> decoded (naturalWidth > 0); then the exit-2 paths (missing
# file, non-HDF5 file, HDF5 file that is no run file, no arguments). Exit 77 (skipped) only
# when Chromium is not installed. MPIEXEC (else RANKPOOL_MPIEXEC, else mpirun) launches the
# ranks; KEEP=1 keeps the temp dir.
set -uo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${1:?usage: report_command_test.sh BUILD_DIR [MPIEXEC]}"
build="$(cd "$build" && pwd)" || exit 1
rankpool="$build/apps/rankpool"
report="$repo/tools/report/rankpool_report.py"
py=/usr/bin/python3
chromium="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
if [[ -z "$chromium" ]]; then
  echo "report_command_test: SKIPPED: chromium is not installed (apt-get install chromium)"
  exit 77
fi
[[ -x "$rankpool" ]] || { echo "report_command_test: FAIL: no $rankpool (build the apps first)"; exit 1; }
ranks="${RANKPOOL_TEST_RANKS:-2}"
[[ "$ranks" =~ ^[1-9][0-9]*$ ]] || { echo "report_command_test: FAIL: RANKPOOL_TEST_RANKS=$ranks is not a rank count"; exit 1; }

source "$repo/tools/env.sh"
mpiexec="${2:-${RANKPOOL_MPIEXEC:-mpirun}}"

tmp="$(mktemp -d /tmp/rankpool_report_command_test.XXXXXX)"
profile="$(mktemp -d /tmp/rankpool_report_chromium.XXXXXX)"
cleanup() { rm -rf "$profile"; [[ "${KEEP:-0}" == 1 ]] && echo "kept $tmp" || rm -rf "$tmp"; }
trap cleanup EXIT

# shellcheck source=../support/checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/checks.sh"

# Two runs of one job: ~250 lognormal spin tasks of 400 us mean, well under a second each.
job_args=(run "$repo/jobs/synthetic_imbalanced.toml" --set params.tasks=250 --set params.duration_us=400
  --threads 1 --progress none --json --force)
timeout 120 "$rankpool" "${job_args[@]}" --out "$tmp/run_1x1.h5" >"$tmp/run_1x1.json" 2>"$tmp/run_1x1.err"
check "rankpool run 1x1 exits 0" test $? -eq 0
timeout 120 "$mpiexec" -n "$ranks" --oversubscribe --bind-to none "$rankpool" "${job_args[@]}" --out "$tmp/run_${ranks}x1.h5" \
  >"$tmp/run_${ranks}x1.json" 2>"$tmp/run_${ranks}x1.err"
check "rankpool run ${ranks}x1 exits 0" test $? -eq 0
# A third run with failing tasks (exit 3), reported on its own: the failed-chunk colour, one-run page.
timeout 120 "$rankpool" "${job_args[@]}" --set params.fail_every=17 --on-error continue \
  --out "$tmp/run_failed.h5" >"$tmp/run_failed.json" 2>"$tmp/run_failed.err"
check "rankpool run with failing tasks exits 3" test $? -eq 3

# --- the report of both runs -------------------------------------------------------------
out="$tmp/report"
timeout 180 "$py" "$report" "$tmp/run_1x1.h5" "$tmp/run_${ranks}x1.h5" --out "$out" >"$tmp/report.log" 2>&1
rc=$?
check "report of two runs exits 0 (got $rc)" test $rc -eq 0
[[ $rc -eq 0 ]] || sed 's/^/    /' "$tmp/report.log"
expected=(scaling.png)
for i in 1 2; do
  for kind in timeline cores durations chunk_sizes result0; do expected+=("run${i}_${kind}.png"); done
done
check "index.html written" test -s "$out/index.html"
for png in "${expected[@]}"; do
  check "$png is a PNG" "$py" -c '
import sys
with open(sys.argv[1], "rb") as f:
    sys.exit(0 if f.read(8) == b"\x89PNG\r\n\x1a\n" else 1)' "$out/$png"
done
# Every <img> the page names is one of the files, and the table lists both runs.
imgs="$(grep -o "<img src='[^']*'" "$out/index.html" | sed "s/<img src='//; s/'$//" | sort)"
check "index.html shows exactly the ${#expected[@]} PNGs" \
  test "$imgs" == "$(printf '%s\n' "${expected[@]}" | sort)"
check "summary table has both runs" grep -q "run_${ranks}x1.h5</a>" "$out/index.html"

# --- headless Chromium: every image decodes ----------------------------------------------
# A copy of the page with a script that writes each image's naturalWidth into the DOM once
# the page has loaded; --dump-dom prints the DOM after the virtual time budget.
probe="$out/probe.html"
sed 's#</body>#<script>window.addEventListener("load", () => { for (const img of document.images) img.setAttribute("data-natural-width", String(img.naturalWidth)); document.body.setAttribute("data-probe", "done"); });</script></body>#' \
  "$out/index.html" >"$probe"
timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync --disable-dev-shm-usage \
  --user-data-dir="$profile" --virtual-time-budget=10000 --dump-dom "file://$probe" \
  >"$tmp/dom.html" 2>"$tmp/chromium.log"
rc=$?
check "chromium --dump-dom exits 0 (got $rc)" test $rc -eq 0
check "the probe ran (page load event fired)" grep -q 'data-probe="done"' "$tmp/dom.html"
loaded="$(grep -o 'data-natural-width="[1-9][0-9]*"' "$tmp/dom.html" | wc -l)"
broken="$(grep -o 'data-natural-width="0"' "$tmp/dom.html" | wc -l)"
check "chromium decoded all ${#expected[@]} images (loaded $loaded, broken $broken)" \
  test "$loaded" -eq "${#expected[@]}" -a "$broken" -eq 0
if [[ $rc -ne 0 || "$loaded" -ne "${#expected[@]}" ]]; then tail -5 "$tmp/chromium.log" | sed 's/^/    /'; fi

# --- one run with failed chunks: no scaling plot -----------------------------------------
timeout 180 "$py" "$report" "$tmp/run_failed.h5" --out "$tmp/report_failed" >"$tmp/report_failed.log" 2>&1
check "report of a run with failures exits 0" test $? -eq 0
check "one-run report has 5 PNGs (4 of the run, 1 result) and no scaling.png" \
  test "$(ls "$tmp/report_failed"/*.png | wc -l)" -eq 5 -a ! -e "$tmp/report_failed/scaling.png"

# --- a run with a lost rank: events and chunk kinds ----------------------------------------
# The run file of the ${ranks}-rank run, given what a lost rank leaves (rankpool's own
# layout: /events columns, /chunks/kind codes) so the report is checked without a timing.
cp "$tmp/run_${ranks}x1.h5" "$tmp/run_lost.h5"
"$py" - "$tmp/run_lost.h5" <<'PY'
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r+") as f:
    kind = f["chunks/kind"]
    codes = np.zeros(kind.shape[0], dtype=kind.dtype)
    codes[-3:] = [1, 2, 3]
    kind[...] = codes
    ev = f["events"]
    rows = {"seconds": [0.25, 0.5], "rank": [1, 1], "host": [b"h", b"h"], "what": [b"lost", b"rejoined"],
            "reason": [b"no result for 5.0 s past its estimate", b"answered again"]}
    for name, values in rows.items():
        ev[name].resize((2,))
        ev[name][...] = values
PY
check "a run file with a lost rank was prepared" test $? -eq 0
timeout 180 "$py" "$report" "$tmp/run_lost.h5" --out "$tmp/report_lost" >"$tmp/report_lost.log" 2>&1
check "report of a run with a lost rank exits 0" test $? -eq 0
check "... lists the lost rank with its reason" \
  grep -q "rank lost</td><td class='l'>no result for 5.0 s past its estimate" "$tmp/report_lost/index.html"
check "... and its return" grep -q "rank rejoined</td>" "$tmp/report_lost/index.html"
check "... and counts the chunks by kind" grep -q "Chunks run again after a lost rank: 1; speculative copies of late chunks: 1; copies that came back second (discarded): 1." "$tmp/report_lost/index.html"
check "a run without events lists none" bash -c "! grep -q \"class='events'\" '$out/index.html'"

# --- the science: results against the swept parameters ------------------------------------
# nbody over bodies (3 values) x softening (2): a line per softening; over 10 x 10 values: a heat map.
printf 'app = "nbody"\n[params]\nsteps = 20\n[sweep]\nbodies = [8, 16, 32]\nsoftening = [0.02, 0.05]\n' >"$tmp/lines.toml"
printf 'app = "nbody"\n[params]\nsteps = 2\n[sweep]\nbodies = {start = 4, stop = 40, step = 4}\nsoftening = {start = 0.01, stop = 1, num = 10, scale = "log"}\n' >"$tmp/grid.toml"
for sweep in lines grid; do
  timeout 120 "$rankpool" run "$tmp/$sweep.toml" --progress none --out "$tmp/$sweep.h5" >/dev/null 2>&1
  check "rankpool run of the $sweep sweep exits 0" test $? -eq 0
done
timeout 180 "$py" "$report" "$tmp/lines.h5" "$tmp/grid.h5" --out "$tmp/report_sweeps" >"$tmp/report_sweeps.log" 2>&1
check "report of two sweeps exits 0" test $? -eq 0
for result in energy_drift kinetic_energy momentum_drift; do
  check "run 1 plots $result against bodies, a line per softening" \
    grep -q "<figcaption>$result against bodies, a line per softening</figcaption>" "$tmp/report_sweeps/index.html"
  check "run 2 plots $result as a heat map over bodies and softening" \
    grep -q "<figcaption>$result over bodies and softening (heat map)</figcaption>" "$tmp/report_sweeps/index.html"
done
check "two different jobs are no scaling study: no scaling.png" test ! -e "$tmp/report_sweeps/scaling.png"
check "... and the page says why" grep -q "No strong-scaling section" "$tmp/report_sweeps/index.html"
sed 's#</body>#<script>window.addEventListener("load", () => { for (const img of document.images) img.setAttribute("data-natural-width", String(img.naturalWidth)); document.body.setAttribute("data-probe", "done"); });</script></body>#' \
  "$tmp/report_sweeps/index.html" >"$tmp/report_sweeps/probe.html"
timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync --disable-dev-shm-usage \
  --user-data-dir="$profile" --virtual-time-budget=10000 --dump-dom "file://$tmp/report_sweeps/probe.html" \
  >"$tmp/dom_sweeps.html" 2>/dev/null
shown="$(grep -o "<img src='[^']*'" "$tmp/report_sweeps/index.html" | wc -l)"
loaded="$(grep -o 'data-natural-width="[1-9][0-9]*"' "$tmp/dom_sweeps.html" | wc -l)"
check "chromium decoded every image of the results report ($loaded of $shown)" test "$shown" -eq 14 -a "$loaded" -eq "$shown"

# --- through the CLI, where `rankpool report` is wired in ---------------------------------
# (`rankpool report --help` exits 0 either way: CLI11 answers --help before an unknown word.)
if "$rankpool" --help 2>/dev/null | grep -Eq '^[[:space:]]+report([[:space:]]|$)'; then
  "$rankpool" report "$tmp/run_1x1.h5" "$tmp/run_${ranks}x1.h5" --out "$tmp/report_cli" >"$tmp/report_cli.log" 2>&1
  rc=$?
  check "rankpool report exits 0 (got $rc) and writes index.html + 11 PNGs" \
    test $rc -eq 0 -a -s "$tmp/report_cli/index.html" -a "$(ls "$tmp/report_cli"/*.png 2>/dev/null | wc -l)" -eq 11
  "$rankpool" report "$tmp/does_not_exist.h5" --out "$tmp/report_cli_missing" >/dev/null 2>"$tmp/report_cli.err"
  rc=$?
  check "rankpool report on a missing file exits 2 (got $rc) with one line" \
    test $rc -eq 2 -a "$(wc -l <"$tmp/report_cli.err")" -eq 1
  "$rankpool" report --out "$tmp/report_cli_none" >/dev/null 2>&1
  check "rankpool report without files exits 2" test $? -eq 2
else
  echo "skip - rankpool report is not wired into this build's CLI (the script was tested directly)"
fi

# --- exit 2: one line, nothing written ---------------------------------------------------
expect_usage() {  # expect_usage DESCRIPTION ARGS...
  local what="$1"
  shift
  local dir="$tmp/not_written"
  rm -rf "$dir"
  "$py" "$report" "$@" --out "$dir" >"$tmp/usage.out" 2>"$tmp/usage.err"
  local rc=$? lines
  lines="$(wc -l <"$tmp/usage.err")"
  if [[ $rc -eq 2 && $lines -eq 1 && ! -e "$dir" ]]; then
    ok "$what: exit 2, one line: $(cat "$tmp/usage.err")"
  else
    bad "$what: exit $rc, $lines line(s) on stderr, output dir $([[ -e $dir ]] && echo written || echo absent)"
    sed 's/^/    /' "$tmp/usage.err"
  fi
}
expect_usage "missing file" "$tmp/does_not_exist.h5"
expect_usage "missing file after a good one" "$tmp/run_1x1.h5" "$tmp/does_not_exist.h5"
echo "this is not HDF5" >"$tmp/text.h5"
expect_usage "non-HDF5 file" "$tmp/text.h5"
"$py" -c 'import h5py, sys; h5py.File(sys.argv[1], "w").create_dataset("x", data=[1, 2])' "$tmp/other.h5"
expect_usage "HDF5 file that is not a run file" "$tmp/other.h5"
"$py" "$report" >/dev/null 2>&1
check "no arguments exits 2" test $? -eq 2

if [[ $failures -gt 0 ]]; then
  echo "report_command_test: $failures check(s) FAILED"
  exit 1
fi
echo "report_command_test: all checks passed"
