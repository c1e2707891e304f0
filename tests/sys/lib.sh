# tests/sys/lib.sh — sourced by every tests/sys/t_*.sh (one bash process per file).
# Gives each test a unique lab-name prefix, a private temp dir, `lab_up`, traffic helpers that run
# real packets through the namespaces (tcp_ok/tcp_blocked/udp_ok/udp_blocked/ping_ok/ping_blocked),
# counter readers over `vpclab status LAB --json`, TAP-like assertions (`ok - …` / `not ok - …`)
# and a cleanup trap that tears everything down even when the test fails or is interrupted.
# Usage in a test:   TID=nacl; . "$(dirname "$0")/lib.sh"; cat >"$T/lab.yaml" <<EOF … EOF; lab_up "$T/lab.yaml"
# Rules kept here: nothing is written outside $T; no route or address is added in the root
# namespace; only addresses inside the labs (or 192.0.2/24, 198.51.100/24, 203.0.113/24) are used.

SYS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SYS_DIR/../.." && pwd)
VPCLAB=${VPCLAB:-$REPO/bin/vpclab}
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3

TID=${TID:-$(basename "$0" .sh | sed 's/^t_//' | tr -cd 'a-z0-9' | cut -c1-5)}
PFX="t$$-"                 # every lab of this test process starts with it (namespaces: LAB-NAME)
LAB="${PFX}${TID}"         # the test's main lab name: [a-z][a-z0-9-]*, at most 15 characters
T=$(mktemp -d "${TMPDIR:-/tmp}/vpclab-sys-$TID.XXXXXX")

MAIN_PID=$BASHPID
PASS=0
FAIL=0
LABS=()                    # labs brought up (for cleanup)
ROUTER_PIDS=()             # router pids seen in status (killed only if `down` leaves them)
BG_PIDS=()                 # background helpers we started (listeners)

# ---------------------------------------------------------------- assertions
ok()     { PASS=$((PASS + 1)); echo "ok - $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
# check DESC EXPECTED GOT: string equality
check() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (expected '$2', got '$3')"; fi
}
# check_rc DESC EXPECTED_RC GOT_RC [EXTRA]
check_rc() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (expected exit $2, got exit $3)${4:+: $4}"; fi
}
# check_grew DESC BEFORE AFTER: a counter must have increased
check_grew() {
	if [[ "$2" =~ ^[0-9]+$ && "$3" =~ ^[0-9]+$ ]] && [ "$3" -gt "$2" ]; then ok "$1 ($2 -> $3)"
	else not_ok "$1 (expected counter to grow from '$2', got '$3')"; fi
}
# check_same DESC BEFORE AFTER: a counter must not have moved
check_same() {
	if [[ "$2" =~ ^[0-9]+$ ]] && [ "$2" = "$3" ]; then ok "$1 (stays $2)"
	else not_ok "$1 (expected counter to stay '$2', got '$3')"; fi
}
# check_match DESC REGEX TEXT
check_match() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then ok "$1"
	else not_ok "$1 (expected output matching /$2/, got: $(printf '%s' "$3" | head -c 300 | tr '\n' '|'))"; fi
}
check_nomatch() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then
		not_ok "$1 (expected no match of /$2/, got: $(printf '%s' "$3" | head -c 300 | tr '\n' '|'))"
	else ok "$1"; fi
}
diag() { echo "# $*"; }

# ---------------------------------------------------------------- waiting on events
# Tests synchronise on the event itself (a socket, a counter, a file, a process state), never on
# a fixed sleep: wait_for DESC TIMEOUT_S CMD... runs CMD every 0.05 s until it succeeds (0) or
# TIMEOUT_S (decimals allowed) has passed (1, with a diagnostic naming DESC on stderr).
_now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $((10#$t / 1000)); }
# poll_until TIMEOUT_S CMD...: the same without a word (for events that may rightly not come)
poll_until() {
	local end; end=$(( $(_now_ms) + $(awk -v s="$1" 'BEGIN { printf "%d", s * 1000 }') )); shift
	while :; do
		"$@" && return 0
		[ "$(_now_ms)" -lt "$end" ] || return 1
		sleep 0.05
	done
}
wait_for() {
	local desc=$1 limit=$2; shift 2
	poll_until "$limit" "$@" && return 0
	diag "waited ${limit} s for $desc, in vain" >&2
	return 1
}
# pid_alive PID: a running process (a zombie has finished: it counts as dead)
pid_alive() {
	[[ "${1:-}" =~ ^[0-9]+$ ]] && kill -0 "$1" 2>/dev/null || return 1
	local st; st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
	[ "$st" != Z ]
}
pid_gone() { ! pid_alive "$1"; }
# lines_ge FILE N [REGEX]: FILE holds at least N lines (matching REGEX)
lines_ge() { [ "$(grep -cE -- "${3:-.}" "$1" 2>/dev/null || true)" -ge "$2" ] 2>/dev/null; }
# counter_ge LAB KEY N: the status counter KEY of LAB has reached N
counter_ge() { local v; v=$(status_get "$1" "$2"); [[ "$v" =~ ^[0-9]+$ ]] && [ "$v" -ge "$3" ]; }
# listening NS PROTO PORT: a socket listens on PORT (tcp or udp) in namespace NS
listening() {
	local flag=-ltnH
	[ "$2" = udp ] && flag=-lunH
	ip netns exec "$1" ss $flag "sport = :$3" 2>/dev/null | grep -q .
}
# raw_open NS: a raw socket (an ICMP listener) is open in namespace NS
raw_open() { ip netns exec "$1" ss -wanH 2>/dev/null | grep -q .; }

# ---------------------------------------------------------------- cleanup
_kill_pid() { kill "$1" 2>/dev/null; }
cleanup() {
	local p l ns
	# a background child killed before it exec'd still carries the traps: only the test cleans up
	[ "$BASHPID" = "$MAIN_PID" ] || exit 1
	trap - EXIT INT TERM
	for p in "${BG_PIDS[@]}"; do _kill_pid "$p"; done
	for l in "${LABS[@]}"; do timeout 20 "$VPCLAB" down "$l" >/dev/null 2>&1; done
	# leftovers: namespaces of our labs (and whatever still runs inside them: our listeners)
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$PFX"); do
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	# cgroups of our labs that down could not remove (their processes are gone by now)
	for l in /sys/fs/cgroup/vpclab/"$PFX"* /sys/fs/cgroup/*/vpclab/"$PFX"*; do
		[ -d "$l" ] || continue
		for p in "$l"/*/; do [ -d "$p" ] && rmdir "$p" 2>/dev/null; done
		rmdir "$l" 2>/dev/null
	done
	# their /etc/netns files (resolv.conf) when down could not remove them: ours only
	for ns in /etc/netns/"$PFX"*; do [ -d "$ns" ] && rm -rf "$ns"; done
	# a router that `down` failed to stop: only the pids status reported for our labs
	for p in "${ROUTER_PIDS[@]}"; do
		if [ -r "/proc/$p/cmdline" ] && tr '\0' ' ' <"/proc/$p/cmdline" | grep -q vpclab; then
			kill -9 "$p" 2>/dev/null
		fi
	done
	for l in "${LABS[@]}"; do
		case "$l" in "$PFX"*) [ -d "/run/vpclab/$l" ] && rm -rf "/run/vpclab/$l" ;; esac
	done
	rm -rf "$T"
	echo "# $(basename "$0"): $PASS passed, $FAIL failed"
	if [ -n "${SYS_RESULTS:-}" ]; then echo "$PASS $FAIL $(basename "$0") $PFX" >>"$SYS_RESULTS"; fi
	[ "$FAIL" -eq 0 ] && exit 0
	exit 1
}
trap cleanup EXIT
trap '[ "$BASHPID" = "$MAIN_PID" ] && not_ok "interrupted"; exit 130' INT TERM

# ---------------------------------------------------------------- labs
# lab_name FILE: the `name:` of a lab file
lab_name() { sed -n 's/^name:[[:space:]]*\([a-z0-9-]*\).*/\1/p' "$1" | head -n 1; }

# lab_up FILE: `vpclab up FILE`, one assertion. On failure the test stops here (what follows
# would only time out); the cleanup still runs.
lab_up() {
	local f=$1 name out rc pid
	name=$(lab_name "$f"); [ -n "$name" ] || name=$(basename "$f" .yaml)
	LABS+=("$name")
	out=$(timeout 30 "$VPCLAB" up "$f" 2>&1); rc=$?
	if [ "$rc" -ne 0 ]; then
		not_ok "vpclab up $(basename "$f") [$name] (expected exit 0, got exit $rc): $(printf '%s' "$out" | head -c 600 | tr '\n' '|')"
		exit 1
	fi
	ok "vpclab up $(basename "$f") [$name]"
	pid=$(status_get "$name" pid 2>/dev/null)
	[[ "$pid" =~ ^[0-9]+$ ]] && ROUTER_PIDS+=("$pid")
	return 0
}
lab_down() { timeout 20 "$VPCLAB" down "${1:-$LAB}"; }

# on NAME cmd...: run in the namespace of instance NAME of $LAB (NAME may also be LAB-NAME).
# (The brief asked for `in NAME cmd`; `in` is a bash reserved word and cannot name a function.)
ns_of() { case "$1" in "$PFX"*) echo "$1" ;; *) echo "$LAB-$1" ;; esac; }
on() { local ns; ns=$(ns_of "$1"); shift; ip netns exec "$ns" "$@"; }
# on_bg NAME cmd...: like on, in the background; the pid is remembered for cleanup
on_bg() { local ns; ns=$(ns_of "$1"); shift; ip netns exec "$ns" "$@" & BG_PIDS+=($!); }

# ip_of NAME: the IPv4 address on eth0 of instance NAME (read from its namespace)
ip_of() { on "$1" ip -4 -o addr show dev eth0 2>/dev/null | awk '{split($4,a,"/"); print a[1]; exit}'; }
# ns_with_ip IP: the one namespace of this test holding IP (empty when none or ambiguous)
ns_with_ip() {
	local ns hits=()
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$PFX"); do
		ip -n "$ns" -4 -o addr show 2>/dev/null | grep -q " $1/" && hits+=("$ns")
	done
	[ "${#hits[@]}" -eq 1 ] && echo "${hits[0]}"
}
# _dest TO -> "NS IP". TO is NAME (its own IP), IP (the namespace that holds it),
# or NAME@IP (listen in NAME, send to IP: appliances, overlapping VPCs).
_dest() {
	local to=$1 ns ip
	if [[ "$to" == *@* ]]; then ns=$(ns_of "${to%@*}"); ip=${to#*@}
	elif [[ "$to" =~ ^[0-9.]+$ ]]; then ip=$to; ns=$(ns_with_ip "$ip")
	else ns=$(ns_of "$to"); ip=$(ip netns exec "$ns" ip -4 -o addr show dev eth0 2>/dev/null | awk '{split($4,a,"/"); print a[1]; exit}')
	fi
	echo "$ns $ip"
}

# ---------------------------------------------------------------- counters
# status_get LAB KEY...: a value from `vpclab status LAB --json` (keys: pid, forwarded,
# drops.REASON, port.NAME.FIELD)
status_get() {
	local lab=$1; shift
	timeout 10 "$VPCLAB" status "$lab" --json 2>/dev/null | "$PY" -c '
import json, sys
try:
    d = json.load(sys.stdin)
except Exception:
    print("no-json"); sys.exit(0)
for key in sys.argv[1:]:
    parts = key.split(".")
    v = d
    try:
        if parts[0] == "port":
            v = [p for p in d["ports"] if p["name"] == parts[1]][0][parts[2]]
        else:
            for p in parts:
                v = v[p]
    except Exception:
        v = "missing:" + key
    print("null" if v is None else v)
' "$@"
}
# drops [LAB] REASON: the drop counter REASON of LAB (default $LAB)
drops() { if [ $# -ge 2 ]; then status_get "$1" "drops.$2"; else status_get "$LAB" "drops.$1"; fi; }
counter() { status_get "$LAB" "$1"; }
# port_packets NAME: rx_packets + tx_packets of port NAME in $LAB
port_packets() {
	local r t
	{ read -r r; read -r t; } < <(status_get "$LAB" "port.$1.rx_packets" "port.$1.tx_packets")
	if [[ "$r" =~ ^[0-9]+$ && "$t" =~ ^[0-9]+$ ]]; then echo $((r + t)); else echo "$r/$t"; fi
}

# ---------------------------------------------------------------- traffic
_wait_listen() { # NS PROTO PORT
	wait_for "a $2 listener on port $3 in $1" 2 listening "$@"
}
_wait_file() { # FILE TOKEN TRIES (of 0.05 s)
	local i
	for i in $(seq 1 "${3:-20}"); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
	return 1
}
_tok=0
# _tcp FROM TO PORT [SRC]: 0 when a line sent from FROM arrived at TO's listener
_tcp() {
	local from=$1 port=$3 src=${4:-} ns ip out tok lpid rc
	read -r ns ip <<<"$(_dest "$2")"
	[ -n "$ns" ] && [ -n "$ip" ] || { echo "no-destination"; return 2; }
	_tok=$((_tok + 1)); tok="tok-$$-$_tok-$RANDOM"; out="$T/tcp.$_tok"
	: >"$out"
	ip netns exec "$ns" timeout 5 nc -l -n "$port" >"$out" 2>/dev/null </dev/null &
	lpid=$!; BG_PIDS+=("$lpid")
	_wait_listen "$ns" tcp "$port" || { kill "$lpid" 2>/dev/null; echo "listener-not-up"; return 2; }
	echo "$tok" | on "$from" timeout 4 nc -n -N -w 1 ${src:+-s "$src"} "$ip" "$port" >/dev/null 2>&1
	rc=$?
	_wait_file "$out" "$tok" 10; local got=$?
	kill "$lpid" 2>/dev/null; wait "$lpid" 2>/dev/null
	[ "$got" -eq 0 ] && { echo "delivered"; return 0; }
	echo "not delivered (client exit $rc)"; return 1
}
_udp() { # FROM TO PORT [SRC]
	local from=$1 port=$3 src=${4:-} ns ip out tok lpid
	read -r ns ip <<<"$(_dest "$2")"
	[ -n "$ns" ] && [ -n "$ip" ] || { echo "no-destination"; return 2; }
	_tok=$((_tok + 1)); tok="tok-$$-$_tok-$RANDOM"; out="$T/udp.$_tok"
	: >"$out"
	ip netns exec "$ns" timeout 4 nc -u -l -n "$port" >"$out" 2>/dev/null </dev/null &
	lpid=$!; BG_PIDS+=("$lpid")
	_wait_listen "$ns" udp "$port" || { kill "$lpid" 2>/dev/null; echo "listener-not-up"; return 2; }
	echo "$tok" | on "$from" timeout 3 nc -u -n -w 1 ${src:+-s "$src"} "$ip" "$port" >/dev/null 2>&1
	_wait_file "$out" "$tok" 16; local got=$?
	kill "$lpid" 2>/dev/null; wait "$lpid" 2>/dev/null
	[ "$got" -eq 0 ] && { echo "delivered"; return 0; }
	echo "not delivered"; return 1
}
# tcp_ok FROM TO PORT [SRC]: a TCP connection from FROM to TO:PORT carries a line
tcp_ok() {
	local got; got=$(_tcp "$@")
	if [ "$got" = delivered ]; then ok "tcp $1 -> $2:$3${4:+ from $4} allowed"
	else not_ok "tcp $1 -> $2:$3${4:+ from $4} allowed (expected delivered, got $got)"; fi
}
tcp_blocked() {
	local got; got=$(_tcp "$@")
	if [ "${got#not delivered}" != "$got" ]; then ok "tcp $1 -> $2:$3${4:+ from $4} blocked"
	else not_ok "tcp $1 -> $2:$3${4:+ from $4} blocked (expected not delivered, got $got)"; fi
}
udp_ok() {
	local got; got=$(_udp "$@")
	if [ "$got" = delivered ]; then ok "udp $1 -> $2:$3${4:+ from $4} allowed"
	else not_ok "udp $1 -> $2:$3${4:+ from $4} allowed (expected delivered, got $got)"; fi
}
udp_blocked() {
	local got; got=$(_udp "$@")
	if [ "$got" = "not delivered" ]; then ok "udp $1 -> $2:$3${4:+ from $4} blocked"
	else not_ok "udp $1 -> $2:$3${4:+ from $4} blocked (expected not delivered, got $got)"; fi
}
# tcp_reaches FROM IP PORT NAME...: starts a listener on PORT in every NAME, sends one line from
# FROM to IP:PORT, prints the NAMEs whose listener got it (space-separated; "none" for none).
# For overlapping VPCs: the same IP exists in several namespaces and only one may answer.
tcp_reaches() {
	local from=$1 ip=$2 port=$3 n ns tok res="" pids=(); shift 3
	_tok=$((_tok + 1)); tok="tok-$$-$_tok-$RANDOM"
	for n in "$@"; do
		ns=$(ns_of "$n"); : >"$T/reach.$_tok.$n"
		ip netns exec "$ns" timeout 5 nc -l -n "$port" >"$T/reach.$_tok.$n" 2>/dev/null </dev/null &
		pids+=($!); BG_PIDS+=($!)
	done
	for n in "$@"; do _wait_listen "$(ns_of "$n")" tcp "$port"; done
	# a connection goes to one namespace: once the client got through, wait for its line there
	if echo "$tok" | on "$from" timeout 4 nc -n -N -w 1 "$ip" "$port" >/dev/null 2>&1; then
		local files=(); for n in "$@"; do files+=("$T/reach.$_tok.$n"); done
		wait_for "line $tok at a listener" 2 grep -qs "$tok" "${files[@]}"
	fi
	for n in "$@"; do grep -q "$tok" "$T/reach.$_tok.$n" 2>/dev/null && res="$res $n"; done
	for n in "${pids[@]}"; do kill "$n" 2>/dev/null; wait "$n" 2>/dev/null; done
	res=${res# }; echo "${res:-none}"
}
# udp_reply_ok FROM TO PORT: a datagram from FROM reaches TO's listener and TO's answer comes
# back to FROM's ephemeral port (stateful SG replies, stateless ACL ephemeral rules)
_udp_reply() {
	local from=$1 port=$3 ns ip tok lpid got
	read -r ns ip <<<"$(_dest "$2")"
	[ -n "$ns" ] && [ -n "$ip" ] || { echo "no-destination"; return 2; }
	_tok=$((_tok + 1)); tok="rep-$$-$_tok-$RANDOM"
	echo "$tok" | ip netns exec "$ns" timeout 4 nc -u -l -n "$port" >"$T/urq.$_tok" 2>/dev/null &
	lpid=$!; BG_PIDS+=("$lpid")
	_wait_listen "$ns" udp "$port" || { kill "$lpid" 2>/dev/null; echo "listener-not-up"; return 2; }
	got=$(echo "req-$tok" | on "$from" timeout 3 nc -u -n -w 1 "$ip" "$port" 2>/dev/null)
	kill "$lpid" 2>/dev/null; wait "$lpid" 2>/dev/null
	if [[ "$got" == *"$tok"* ]]; then echo "answered"; return 0; fi
	if grep -q "req-$tok" "$T/urq.$_tok" 2>/dev/null; then echo "request arrived, no answer"; else echo "request lost"; fi
	return 1
}
udp_reply_ok() {
	local got; got=$(_udp_reply "$@")
	if [ "$got" = answered ]; then ok "udp $1 -> $2:$3 answered"
	else not_ok "udp $1 -> $2:$3 answered (expected the answer back, got: $got)"; fi
}
# udp_reply_blocked FROM TO PORT: the request arrives but the answer does not come back
udp_reply_blocked() {
	local got; got=$(_udp_reply "$@")
	if [ "$got" = "request arrived, no answer" ]; then ok "udp $1 -> $2:$3 arrives, answer blocked"
	else not_ok "udp $1 -> $2:$3 arrives, answer blocked (expected request arrived, no answer; got: $got)"; fi
}
# tcp_probe FROM IP PORT: "connected", "refused" (a RST came back) or "silent" (nothing in 1 s)
tcp_probe() {
	local out rc
	out=$(on "$1" timeout 4 nc -v -z -n -w 1 "$2" "$3" 2>&1); rc=$?
	if [ "$rc" -eq 0 ]; then echo connected
	elif [[ "$out" == *refused* ]]; then echo refused
	else echo silent; fi
}
# _ping FROM IP [ping options]: 0 when a reply came back (two tries: the first may wait for ARP)
_ping() {
	local from=$1 ip=$2; shift 2
	on "$from" ping -n -c 1 -W 1 "$@" "$ip" >/dev/null 2>&1 && return 0
	on "$from" ping -n -c 1 -W 1 "$@" "$ip" >/dev/null 2>&1
}
# ping_ok FROM TO [ping options]   (TO: instance name or IP)
ping_ok() {
	local from=$1 to=$2 ip; shift 2
	ip=$to; [[ "$to" =~ ^[0-9.]+$ ]] || ip=$(ip_of "$to")
	if _ping "$from" "$ip" "$@"; then ok "ping $from -> $to${1:+ $*} answered"
	else not_ok "ping $from -> $to ($ip)${1:+ $*} answered (expected a reply, got none)"; fi
}
ping_blocked() {
	local from=$1 to=$2 ip; shift 2
	ip=$to; [[ "$to" =~ ^[0-9.]+$ ]] || ip=$(ip_of "$to")
	if on "$from" ping -n -c 2 -i 0.3 -W 1 "$@" "$ip" >/dev/null 2>&1; then
		not_ok "ping $from -> $to ($ip)${1:+ $*} blocked (expected no reply, got a reply)"
	else ok "ping $from -> $to${1:+ $*} blocked"; fi
}

# need_vpclab: stop early (one failure) when there is no binary to test
if [ ! -x "$VPCLAB" ]; then
	not_ok "vpclab binary $VPCLAB exists (expected an executable, got none; run make)"
	exit 1
fi
