#!/usr/bin/env bash
# `make check`: unit tests (Check, no root), then namespace tests with real traffic (root).
# Ends with one line that adds both up: "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp)
trap 'rm -f "$out"' EXIT

build/unit-tests 2>&1 | tee "$out"
unit_rc=${PIPESTATUS[0]}
# Check's summary: "100%: Checks: 57, Failures: 0, Errors: 0"
read -r u_total u_fail u_err < <(sed -n 's/.*Checks: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2 \3/p' "$out" | tail -n 1)
u_total=${u_total:-0}; u_fail=${u_fail:-0}; u_err=${u_err:-0}
u_bad=$((u_fail + u_err)); u_ok=$((u_total - u_bad))
[ "$unit_rc" = 0 ] || [ "$u_bad" -gt 0 ] || u_bad=1

bash tests/sys/run.sh 2>&1 | tee "$out"
sys_rc=${PIPESTATUS[0]}
read -r s_ok s_fail < <(sed -n 's/^sys: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' "$out" | tail -n 1)
s_ok=${s_ok:-0}; s_fail=${s_fail:-0}
[ "$sys_rc" = 0 ] || [ "$s_fail" -gt 0 ] || s_fail=1

echo
echo "unit: $u_ok passed, $u_bad failed"
echo "sys: $s_ok passed, $s_fail failed"
echo "$((u_ok + s_ok)) passed, $((u_bad + s_fail)) failed"
[ $((u_bad + s_fail)) -eq 0 ]
