# Shared by the benchmark scripts: source "$repo/benchmarks/lib.sh" with $repo set.

# resolve_build SCRIPT DIR: prints DIR (or $repo/DIR when DIR is not here) as an absolute
# path; says so and fails when neither exists.
resolve_build() {
  local script="$1" dir="$2"
  if [[ ! -d "$dir" && -d "$repo/$dir" ]]; then dir="$repo/$dir"; fi
  (cd "$dir" 2>/dev/null && pwd) || { echo "$script: no build dir '$2'" >&2; return 2; }
}

# require_rankpool SCRIPT BUILD: prints BUILD/apps/rankpool; fails when it is not built.
require_rankpool() {
  [[ -x "$2/apps/rankpool" ]] || { echo "$1: missing $2/apps/rankpool (build the apps first)" >&2; return 2; }
  echo "$2/apps/rankpool"
}
