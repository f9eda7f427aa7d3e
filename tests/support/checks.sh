# Sourced by the shell tests: named checks that count failures instead of stopping.
failures=0
ok() { echo "  ok   $*"; }
bad() {
  echo "  FAIL $*"
  failures=$((failures + 1))
}
check() {  # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then ok "$what"; else bad "$what"; fi
}
