#!/usr/bin/env bash
# A timed libFuzzer run of every tests/fuzz/fuzz_NAME.c (clang, ASan, UBSan; no root): builds
# them with `make fuzz-build`, then runs each FUZZ_SECONDS (default 10) from its committed seeds
# in tests/fuzz/corpus_NAME (new inputs go to build-fuzz/corpus_NAME, the seeds stay as they are).
# A crash, leak or sanitizer report fails the target and leaves its input in build-fuzz/.
# Without clang every target is skipped, never counted as passed.
# Usage: bash tests/fuzz/run.sh [NAME...]   Ends with "fuzz: N passed, M failed[, K skipped]".
set -u
cd "$(dirname "$0")/../.."
secs=${FUZZ_SECONDS:-10}
names=("$@")
if [ "${#names[@]}" -eq 0 ]; then
	for f in tests/fuzz/fuzz_*.c; do n=${f#tests/fuzz/fuzz_}; names+=("${n%.c}"); done
fi
pass=0 fail=0
if ! command -v clang >/dev/null; then
	echo "fuzz: skipped: clang is not installed (apt-get install clang)"
	echo "fuzz: 0 passed, 0 failed, ${#names[@]} skipped"
	exit 0
fi
log=$(mktemp "${TMPDIR:-/tmp}/vpclab-fuzz.XXXXXX")
trap 'rm -f "$log"' EXIT
if ! make -s fuzz-build FUZZ_TARGETS="${names[*]}" >"$log" 2>&1; then
	sed 's/^/# /' "$log" | tail -n 30
	echo "not ok - fuzz targets build (make fuzz-build)"
	echo "fuzz: 0 passed, ${#names[@]} failed"
	exit 1
fi
for n in "${names[@]}"; do
	mkdir -p "build-fuzz/corpus_$n"
	seeds=()
	[ -d "tests/fuzz/corpus_$n" ] && seeds=("tests/fuzz/corpus_$n")
	"build-fuzz/fuzz_$n" -max_total_time="$secs" -max_len=16384 -timeout=10 -print_final_stats=1 \
		-artifact_prefix="build-fuzz/$n-" "build-fuzz/corpus_$n" "${seeds[@]}" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
	if [ "$rc" -eq 0 ] && [ -n "$runs" ] && [ "$runs" -gt 0 ]; then
		pass=$((pass + 1))
		echo "ok - fuzz $n: ${runs} inputs in ${secs} s, ${cov:-cov: ?}, seeds ${seeds[*]:-none}"
	else
		fail=$((fail + 1))
		grep -E 'ERROR|SUMMARY|==[0-9]+==|artifact|runtime error' "$log" | head -n 20 | sed 's/^/# /'
		echo "not ok - fuzz $n (exit $rc, ${runs:-0} inputs; the input is in build-fuzz/$n-*)"
	fi
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
