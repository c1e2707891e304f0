# Shared by the benchmarks (sourced): checks, a per-run namespace prefix, a cleanup that removes
# the lab, every namespace with the prefix and the temp dir (also on Ctrl-C), and the measuring
# helpers more than one bench uses (iperf3's result, the connection rate, the ratio column).
# The caller sets NAME (for messages) and PREFIX (one letter) before sourcing, and NEEDS (more
# commands it runs, such as wrk) when it has any.
set -u
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VPCLAB=${VPCLAB:-$REPO/bin/vpclab}
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
SECS=${BENCH_SECONDS:-5}

[ "$(id -u)" -eq 0 ] || { echo "$NAME: needs root"; exit 3; }
for t in iperf3 nft ip ${NEEDS:-}; do command -v "$t" >/dev/null || { echo "$NAME: $t missing (make deps)"; exit 1; }; done

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

# The connection-rate program (nat.sh, nlb.sh). `server SECS PORT...`: accepts and closes at once
# on every port (its side keeps the TIME_WAIT) for SECS s, or until killed when SECS is 0.
# `client IP PORT SECS`: connects, waits for the server's close, closes, again for SECS s; prints
# "connections failed seconds".
cat >"$T/rate.py" <<'EOF'
import selectors, socket, sys, time
def server(secs, ports):
    sel = selectors.DefaultSelector()
    for port in ports:
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", port)); s.listen(4096)
        sel.register(s, selectors.EVENT_READ)
    end = time.time() + secs
    while secs == 0 or time.time() < end:
        for key, _ in sel.select(0.5):
            c, _ = key.fileobj.accept()
            c.close()
def client(ip, port, secs):
    n = err = 0
    t0 = time.time(); end = t0 + secs
    while time.time() < end:
        c = socket.socket(); c.settimeout(2)
        try:
            c.connect((ip, port)); c.recv(1); n += 1
        except OSError:
            err += 1
        c.close()
    print(n, err, "%.3f" % (time.time() - t0), flush=True)
if sys.argv[1] == "server": server(float(sys.argv[2]), [int(p) for p in sys.argv[3:]])
else: client(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
EOF

wait_port() { # NS PORT: until something listens on TCP PORT in NS (at most 5 s)
	local i
	for i in $(seq 1 50); do ip netns exec "$1" ss -ltnH "sport = :$2" | grep -q . && return 0; sleep 0.1; done
	return 1
}

# iperf_gbps FILE: Gbit/s received of an iperf3 -J result, or "error"
iperf_gbps() {
	"$PY" - "$1" <<'EOF'
import json, sys
try:
    print("%.2f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 1e9))
except Exception:
    print("error")
EOF
}

# rate_clients NS IP PORT WHAT: CLIENTS (BENCH_CLIENTS, default 2) rate.py clients in NS against
# IP:PORT for SECS s in parallel; prints the new connections per second of all of them together,
# or "error"; failed attempts are told on stderr as "NAME: N failed connection attempts (WHAT)".
CLIENTS=${BENCH_CLIENTS:-2}
rate_clients() {
	local ns=$1 ip=$2 port=$3 what=$4 i cp=() e=0 a b c rate=0
	for i in $(seq 1 "$CLIENTS"); do
		ip netns exec "$ns" "$PY" "$T/rate.py" client "$ip" "$port" "$SECS" >"$T/rate.$i" 2>&1 &
		cp+=($!); PIDS+=($!)
	done
	wait "${cp[@]}"
	for i in $(seq 1 "$CLIENTS"); do
		read -r a b c <"$T/rate.$i" || { echo error; return; }
		[[ "$a" =~ ^[0-9]+$ ]] || { echo error; return; }
		e=$((e + b))
		rate=$(awk -v r="$rate" -v a="$a" -v c="$c" 'BEGIN { printf "%.0f", r + a / c }')
	done
	[ "$e" -gt 0 ] && echo "$NAME: $e failed connection attempts ($what)" >&2
	echo "$rate"
}

# ratio A B: A/B with two decimals, "-" when either is not a positive number
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a+0 > 0 && b+0 > 0) printf "%.2f", a/b; else print "-" }'; }
