#!/usr/bin/env bash
# rankpool over TCP between two "hosts": two Linux network namespaces made here,
# joined by a veth pair with link-local addresses (169.254.77.1 and .2, which exist
# inside those namespaces only), each with its own hostname (UTS namespace).
#
#   tests/multihost/two_hosts_test.sh BUILD_DIR      (BUILD_DIR/apps/rankpool is the binary)
#
# mpirun runs on "hosta" with a hostfile of hosta and hostb (2 slots each) and an rsh
# agent that runs Open MPI's daemon in hostb's namespace under hostb's name, as ssh
# would on a real cluster. MPI and Open MPI's own control traffic use TCP on
# 169.254.77.0/24 only (btl tcp,self; btl_tcp_if_include and oob_tcp_if_include).
# Checks, for a mandelbrot and a synthetic job at 2 ranks per host:
#   exit 0; the run file's hosts = hosta hosta hostb hostb; chunks ran on ranks of both
#   hosts; /results equal a single-host run (mpirun -n 2 here); traffic crossed the veth.
# The namespaces (and anything left in them) are removed by a trap, pass or fail.
# Exit 0 pass, 1 fail, 77 skipped (not root, or no ip/unshare). RANKPOOL_KEEP=1 keeps the files.
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
for tool in ip unshare mpirun; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not found (iproute2, util-linux, openmpi-bin)"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "SKIP: network namespaces need root"; exit 77; }
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
rankpool=$build/apps/rankpool
h5check=("/usr/bin/python3" "$root/tests/slurm/h5check.py")
[ -x "$rankpool" ] || { echo "FAIL: no $rankpool (build first)" >&2; exit 1; }
# shellcheck source=../../tools/env.sh
source "$root/tools/env.sh"
unset OMP_NUM_THREADS OMP_PLACES OMP_PROC_BIND

started=$SECONDS
tag=rp$$
ns_a=${tag}-hosta
ns_b=${tag}-hostb
subnet=169.254.77.0/24
work=$(mktemp -d /tmp/rankpool-two-hosts.XXXXXX)

cleanup() {
  local rc=$? ns pid
  trap - EXIT INT TERM
  for ns in "$ns_a" "$ns_b"; do
    if ip netns list | grep -qw "$ns"; then
      for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
      ip netns del "$ns" || rc=1
    fi
  done
  if ip netns list | grep -q "^$tag-"; then
    echo "FAIL: namespaces left: $(ip netns list | grep "^$tag-" | tr '\n' ' ')"
    rc=1
  else
    echo "namespaces $ns_a and $ns_b removed"
  fi
  if [ "$rc" -eq 0 ] && [ -z "${RANKPOOL_KEEP:-}" ]; then rm -rf "$work"; else echo "files kept in $work"; fi
  echo "two_hosts_test: $([ "$rc" -eq 0 ] && echo PASS || echo FAIL) in $((SECONDS - started)) s"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=../support/checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/checks.sh"

# Namespaces an earlier run left behind when it was killed outright (SIGKILL, no trap):
# rp<PID>-host* where process PID is gone.
for ns in $(ip netns list | grep -oE '^rp[0-9]+-host[ab]' || true); do
  pid=${ns#rp}
  pid=${pid%%-*}
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "removing $ns, left by an earlier run"
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
    ip netns del "$ns" || true
  fi
done

# ---- the two hosts ----
ip netns add "$ns_a"
ip netns add "$ns_b"
ip -n "$ns_a" link add veth0 type veth peer name veth0 netns "$ns_b"
ip -n "$ns_a" addr add 169.254.77.1/24 dev veth0
ip -n "$ns_b" addr add 169.254.77.2/24 dev veth0
for ns in "$ns_a" "$ns_b"; do
  ip -n "$ns" link set lo up
  ip -n "$ns" link set veth0 up
done
echo "hosts: hosta = $ns_a (169.254.77.1), hostb = $ns_b (169.254.77.2), veth between them"

# Open MPI's rsh agent: `agent HOST COMMAND...` runs COMMAND through a shell on HOST,
# here in HOST's network namespace with HOST as its hostname.
cat >"$work/agent.sh" <<EOF
#!/bin/bash
host=\$1
shift
case \$host in
  hosta) ns=$ns_a ;;
  hostb) ns=$ns_b ;;
  *) echo "agent.sh: unknown host \$host" >&2; exit 255 ;;
esac
exec ip netns exec "\$ns" unshare --uts /bin/sh -c "hostname \$host && \$*"
EOF
chmod +x "$work/agent.sh"
printf 'hosta slots=2\nhostb slots=2\n' >"$work/hostfile"

on_hosta() {  # on_hosta COMMAND...: runs COMMAND on hosta
  ip netns exec "$ns_a" unshare --uts /bin/sh -c 'hostname hosta && exec "$@"' sh "$@"
}
two_hosts_mpirun() {  # two_hosts_mpirun RANKPOOL_ARGS...: 4 ranks, 2 on each host
  on_hosta timeout --signal=TERM --kill-after=10 120 mpirun -n 4 --hostfile "$work/hostfile" \
    --mca plm_rsh_agent "$work/agent.sh" --mca btl tcp,self \
    --mca btl_tcp_if_include "$subnet" --mca oob_tcp_if_include "$subnet" --bind-to none \
    "$rankpool" "$@"
}
veth_bytes() {  # bytes received + sent on hostb's end of the veth
  ip netns exec "$ns_b" sed -n 's/^ *veth0: *//p' /proc/net/dev | awk '{print $1 + $9}'
}

cat >"$work/mandel.toml" <<'EOF'
app = "mandelbrot"
[params]
width = 384
height = 256
max_iterations = 500
rows_per_task = 2
[output]
path = "mandel.h5"
EOF
jobs=("$work/mandel.toml" "$root/jobs/synthetic_imbalanced.toml --set params.tasks=400")

for spec in "${jobs[@]}"; do
  read -r -a job <<<"$spec"
  name=$(basename "${job[0]}" .toml)
  echo "$name on one host (mpirun -n 2):"
  mpirun -n 2 --bind-to none "$rankpool" run "${job[@]}" --out "$work/$name.ref.h5" --progress none
  echo "$name on two hosts (mpirun -n 4, 2 per host):"
  before=$(veth_bytes)
  set +e
  two_hosts_mpirun run "${job[@]}" --out "$work/$name.two.h5" --progress none 2>&1 | tee "$work/$name.log"
  status=${PIPESTATUS[0]}
  set -e
  after=$(veth_bytes)
  check "$name: exit status 0" [ "$status" -eq 0 ]
  [ -e "$work/$name.two.h5" ] || { bad "$name: no run file"; continue; }
  hosts=$("${h5check[@]}" hosts "$work/$name.two.h5" | tr '\n' ' ')
  check "$name: hosts attribute = hosta hosta hostb hostb ($hosts)" [ "$hosts" = "hosta hosta hostb hostb " ]
  ranks=$("${h5check[@]}" chunk-ranks "$work/$name.two.h5" | tr '\n' ' ')
  check "$name: chunks ran on both hosts (ranks $ranks)" \
    sh -c "echo '$ranks' | grep -qE '(^| )[01] ' && echo '$ranks' | grep -qE '(^| )[23] '"
  check "$name: /results equal the single-host run" \
    "${h5check[@]}" same-results "$work/$name.two.h5" "$work/$name.ref.h5"
  check "$name: $((after - before)) bytes crossed the veth" [ "$((after - before))" -gt 10000 ]
done

echo "$failures check(s) failed"
[ "$failures" -eq 0 ]
