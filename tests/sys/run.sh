#!/usr/bin/env bash
# Runs every tests/sys/t_*.sh as its own bash process (root, real namespaces and traffic), shows
# their output, and ends with one line: `sys: N passed, M failed` counting single assertions.
# Each test appends "PASS FAIL NAME" to $SYS_RESULTS from its cleanup trap; a test that dies
# without reporting counts as one failure. Without root or /dev/net/tun everything is skipped.
# Usage: bash tests/sys/run.sh [PATTERN]   (PATTERN selects t_PATTERN*.sh; default all)
set -u
dir=$(cd "$(dirname "$0")" && pwd)
tests=()
for f in "$dir"/t_${1:-}*.sh; do [ -e "$f" ] && tests+=("$f"); done

why=""
[ "$(id -u)" -eq 0 ] || why="not root"
[ -z "$why" ] && [ ! -c /dev/net/tun ] && why="no /dev/net/tun"
[ -z "$why" ] && ! command -v ip >/dev/null && why="iproute2 (ip) missing"
[ -z "$why" ] && ! command -v nc >/dev/null && why="nc (netcat-openbsd) missing"
if [ -n "$why" ]; then
	echo "sys: skipping the namespace tests: $why"
	echo "sys: 0 passed, 0 failed, ${#tests[@]} skipped"
	exit 0
fi

results=$(mktemp "${TMPDIR:-/tmp}/vpclab-sys-results.XXXXXX")
trap 'rm -f "$results"' EXIT
pass=0 fail=0
for f in "${tests[@]}"; do
	name=$(basename "$f")
	echo "=== $name"
	before=$(wc -l <"$results")
	start=$(date +%s)
	SYS_RESULTS=$results bash "$f"
	rc=$?
	after=$(wc -l <"$results")
	if [ "$after" -eq "$before" ]; then
		echo "not ok - $name reported no results (exit $rc)"
		fail=$((fail + 1))
	else
		read -r p m _ < <(tail -n 1 "$results")
		pass=$((pass + p)); fail=$((fail + m))
		if [ "$rc" -ne 0 ] && [ "$m" -eq 0 ]; then
			echo "not ok - $name exited $rc without a failed assertion"
			fail=$((fail + 1))
		fi
	fi
	echo "=== $name: $(( $(date +%s) - start )) s"
done
# namespaces our tests left behind (their prefixes are in the results; other labs are not ours)
left=""
for pfx in $(awk 'NF >= 4 {print $4}' "$results"); do
	left="$left$(ip netns list 2>/dev/null | awk '{print $1}' | grep -F -- "$pfx" | grep "^$pfx" | tr '\n' ' ')"
done
if [ -n "$left" ]; then
	echo "not ok - namespaces left behind by the tests: $left"
	fail=$((fail + 1))
fi
echo "sys: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
