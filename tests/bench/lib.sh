# Shared by the benchmarks (sourced): checks, a per-run namespace prefix, and a cleanup that
# removes the lab, every namespace with the prefix and the temp dir, also on Ctrl-C.
# The caller sets NAME (for messages) and PREFIX (one letter) before sourcing.
set -u
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VPCLAB=${VPCLAB:-$REPO/bin/vpclab}
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
SECS=${BENCH_SECONDS:-5}

[ "$(id -u)" -eq 0 ] || { echo "$NAME: needs root"; exit 3; }
for t in iperf3 nft ip; do command -v "$t" >/dev/null || { echo "$NAME: $t missing (make deps)"; exit 1; }; done

P="$PREFIX$$"
KA="$P-ka" KR="$P-kr" KB="$P-kb"
T=$(mktemp -d "${TMPDIR:-/tmp}/vpclab-$NAME.XXXXXX")
PIDS=()

cleanup() {
	local p ns
	trap - EXIT INT TERM
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	timeout 20 "$VPCLAB" down "$LAB" >/dev/null 2>&1
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$P-"); do
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
