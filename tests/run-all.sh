#!/usr/bin/env bash
# `make check` and `make check-offline`: every suite, each ending in "NAME: N passed, M failed",
# then one line that adds them all up: "N passed, M failed". Offline first (no root): unit tests
# (Check), every tests/offline/*.sh, golden traces, replays, the layout rule, a short fuzz run;
# then, unless --offline, the namespace tests with real traffic (root).
# A suite that exits non-zero without a failure, or prints no summary, counts one failure;
# skipped suites (fuzz without clang, sys without root) are named and never counted as passed.
# Usage: bash tests/run-all.sh [--offline]   (SYS=PATTERN: only tests/sys/t_PATTERN*.sh)
set -uo pipefail
cd "$(dirname "$0")/.."
offline=0
[ "${1:-}" = --offline ] && offline=1
out=$(mktemp "${TMPDIR:-/tmp}/vpclab-check.XXXXXX")
trap 'rm -f "$out"' EXIT
total_ok=0 total_bad=0 lines=()

# Adds one suite's counts: part LABEL OK BAD RC [NOTE]
part() {
	local label=$1 ok=$2 bad=$3 rc=$4 note=${5:-}
	if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
		echo "not ok - $label exited $rc without a failed assertion"
		bad=1
	fi
	total_ok=$((total_ok + ok)) total_bad=$((total_bad + bad))
	lines+=("$label: $ok passed, $bad failed$note")
}

# Runs a script whose last summary line is "ANYNAME: N passed, M failed[, K skipped]".
script() {
	local label=$1; shift
	echo "=== $label"
	"$@" 2>&1 | tee "$out"
	local rc=${PIPESTATUS[0]} ok bad sk note=""
	read -r ok bad sk < <(sed -En 's/^[A-Za-z0-9_.-]+: ([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?.*/\1 \2 \4/p' "$out" | tail -n 1)
	if [ -z "${ok:-}" ]; then
		echo "not ok - $label printed no 'NAME: N passed, M failed' line"
		ok=0 bad=1
	fi
	if [ "${sk:-0}" -gt 0 ] 2>/dev/null; then
		note=", $sk skipped: $(grep -m1 -iE 'skipp(ed|ing)' "$out" | sed -E 's/^[^:]*: //; s/^skipp(ed|ing)[: ]*//')"
	fi
	part "$label" "$ok" "$bad" "$rc" "$note"
}

echo "=== unit"
build/unit-tests 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
# Check's summary: "100%: Checks: 57, Failures: 0, Errors: 0"
read -r u_total u_fail u_err < <(sed -n 's/.*Checks: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2 \3/p' "$out" | tail -n 1)
if [ -z "${u_total:-}" ]; then
	echo "not ok - build/unit-tests printed no Check summary"
	part unit 0 1 "$rc"
else
	part unit $((u_total - u_fail - u_err)) $((u_fail + u_err)) "$rc"
fi

for f in tests/offline/*.sh; do
	[ -e "$f" ] && script "offline/$(basename "$f" .sh)" bash "$f"
done
script golden bash tests/golden/run.sh
script replay bash tests/replay/run.sh
script layout bash tests/layout/check.sh
script fuzz bash tests/fuzz/run.sh
[ "$offline" -eq 1 ] || script sys bash tests/sys/run.sh ${SYS:-}

echo
for l in "${lines[@]}"; do echo "$l"; done
echo "$total_ok passed, $total_bad failed"
[ "$total_bad" -eq 0 ]
