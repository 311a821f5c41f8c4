#!/usr/bin/env bash
# `make test`: the checks, then vitest's three tiers one at a time (integration and e2e both want
# the machine's two cores and disk). Whatever happens, it ends by saying where the time went.
set -uo pipefail
cd "$(dirname "$0")/.."
report=$(mktemp -d "${TMPDIR:-/tmp}/armada-test-report.XXXXXX")
export ARMADA_TEST_REPORT_DIR=$report

# Each step's time, the 10 slowest test files over every tier (test/helpers/timing-reporter.ts
# writes files.tsv) and what the e2e harness noted (boots, restarts after an emulator stall).
# It runs with errexit off and ends with the suite's own status: an EXIT trap's failing command
# would otherwise become the exit code (a `sort | head` SIGPIPE once turned a green run into 141).
summary() {
  local status=$?
  set +e
  echo
  echo '== where the time went =='
  [ -f "$report/steps" ] && while read -r name secs rc; do
    printf '%-12s %6s s%s\n' "$name" "$secs" "$([ "$rc" = 0 ] || echo "  (exit $rc)")"
  done <"$report/steps"
  if [ -s "$report/files.tsv" ]; then
    echo '10 slowest test files:'
    sort -t "$(printf '\t')" -k1,1nr "$report/files.tsv" |
      awk -F '\t' 'NR <= 10 { printf "  %6d s  %-11s %s%s\n", $1 / 1000, $2, $3, ($4 == "passed" ? "" : " (" $4 ")") }'
  fi
  if [ -s "$report/events.log" ]; then
    echo 'what the e2e harness noted:'
    sed 's/^/  /' "$report/events.log"
  fi
  rm -rf "$report"
  exit "$status"
}
trap summary EXIT

step() {
  local name=$1 started rc
  shift
  started=$(date +%s)
  "$@" && rc=0 || rc=$?
  echo "$name $(($(date +%s) - started)) $rc" >>"$report/steps"
  return "$rc"
}

set -e
step typecheck npx tsc -p tsconfig.json --noEmit
step lint npx eslint .
step prettier sh -c 'npx prettier --check . >/dev/null'
step unit npx vitest run --project unit
step integration npx vitest run --project integration
step e2e npx vitest run --project e2e
