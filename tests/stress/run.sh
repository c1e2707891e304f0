#!/usr/bin/env bash
# `make stress` (root; not part of `make check`): issue 9's measurements, each in its own lab, with
# bounded traffic inside its own namespaces (s$$-*), about 5 minutes in all. Per scenario it prints
# what was applied and one result line, then a table:
#   1 nat-exhaustion  ping between two other instances, idle and while one instance retries SYNs
#                     through a NAT gateway whose ports toward the destination are all in use
#                     (VPCLAB_NAT_PORTS=STRESS_NAT_PORTS, default 1024-4095, narrows the range;
#                     "not supported" and the full range filled when the router ignores it;
#                     STRESS_NAT_PORTS=full fills the full range, as issue 9 measured)
#   2 syn-flood       a bounded SYN flood at an allowed port: unrelated ping, and how many of 16
#                     connects from a third instance succeed (VPCLAB_CT_LIMIT: a small pool)
#   3 concurrent-up   20 rounds of 3 concurrent `up`s of one lab: rounds with exactly one success
#   4 down-stopped    `down` of a router stopped with SIGSTOP: exit code, time, what is left
#   5 soak            SOAK_SECONDS (60) of mixed traffic: the router's VmRSS at start and end; then
#                     `flows --json` on ~50,000 flows: its time and the ping max RTT meanwhile
#   6 churn           ordinary connection churn (100 connect+close/s, 20 s) into a small pool
#                     (VPCLAB_CT_LIMIT=4096): failed connects and ct_full drops
# Usage: bash tests/stress/run.sh [SCENARIO...]   (1-6 or names; VPCLAB=path to the binary)
set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd)
VPCLAB=${VPCLAB:-$REPO/bin/vpclab}
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
RAW="$REPO/tests/stress/raw.py"
SOAK_SECONDS=${SOAK_SECONDS:-60}
[ "$(id -u)" -eq 0 ] || { echo "stress: needs root"; exit 3; }
[ -x "$VPCLAB" ] || { echo "stress: $VPCLAB missing (make)"; exit 1; }
for t in nft ip ping timeout; do command -v "$t" >/dev/null || { echo "stress: $t missing (make deps)"; exit 1; }; done

P="s$$"
T=$(mktemp -d "${TMPDIR:-/tmp}/vpclab-stress.XXXXXX")
PIDS=() LABS=() RESULTS=()
cleanup() {
	local p ns l
	trap - EXIT INT TERM
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for l in "${LABS[@]}"; do
		p=$(cat "/run/vpclab/$l/pid" 2>/dev/null) && kill -CONT "$p" 2>/dev/null
		timeout 30 "$VPCLAB" down "$l" >/dev/null 2>&1
	done
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$P"); do
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { echo "stress: $*"; }
# result NAME APPLIED HELD: one line now, one table row at the end
result() {
	echo "result $1: $3"
	RESULTS+=("$1|$2|$3")
}
nsx() { local lab=$1 host=$2; shift 2; ip netns exec "$lab-$host" "$@"; }
now_ms() { date +%s%3N; }
# ping_stats LAB FROM TO COUNT INTERVAL -> "avg A max M loss L%" (ms)
ping_stats() {
	nsx "$1" "$2" ping -q -n -c "$4" -i "$5" -W 1 "$3" 2>/dev/null | awk '
		/packet loss/ { for (i = 1; i <= NF; i++) if ($i ~ /%$/) loss = $i }
		/^rtt|^round-trip/ { split($4, v, "/"); avg = v[2]; max = v[3] }
		END { printf "avg %s max %s loss %s", avg ? avg : "-", max ? max : "-", loss ? loss : "-" }'
}
# drops LAB -> the router's non-zero drop counters, "reason=N ..." (status --json)
drops() {
	timeout 10 "$VPCLAB" status "$1" --json 2>/dev/null | "$PY" -c '
import json, sys
try:
    d = json.load(sys.stdin)["drops"]
    print(" ".join("%s=%d" % (k, v) for k, v in sorted(d.items()) if v) or "none")
except Exception:
    print("?")'
}
# conns LAB -> connections tracked over all interfaces (status --json)
conns() {
	timeout 10 "$VPCLAB" status "$1" --json 2>/dev/null | "$PY" -c '
import json, sys
try:
    print(sum(p.get("connections", 0) for p in json.load(sys.stdin)["ports"]))
except Exception:
    print("?")'
}
router_pid() { cat "/run/vpclab/$1/pid" 2>/dev/null; }
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
# nat_counter LAB NAME -> the NAT gateway's counter NAME (first gateway), or "?"
nat_counter() {
	timeout 10 "$VPCLAB" nat --lab "$1" --json 2>/dev/null | "$PY" -c '
import json, sys
try:
    print(json.load(sys.stdin)["nat_gateways"][0]["counters"][sys.argv[1]])
except Exception:
    print("?")' "$2"
}
# nat_wait LAB NAME SECS: polls until the counter is above 0 (the router works through its queue
# after the sender is done); prints its last value
nat_wait() {
	local v i
	for i in $(seq $(($3 * 5))); do
		v=$(nat_counter "$1" "$2")
		[ "$v" != "?" ] && [ "$v" -gt 0 ] && break
		sleep 0.2
	done
	echo "$v"
}
up_lab() { # LAB FILE [ENV...]: brings it up, remembered for cleanup
	local lab=$1 file=$2
	shift 2
	LABS+=("$lab")
	if ! env "$@" timeout 60 "$VPCLAB" up "$file" >"$T/up.out" 2>&1; then
		say "up $lab failed: $(tail -n 3 "$T/up.out")"
		return 1
	fi
}
# A VPC with a public subnet (NAT gateway), a private one behind it, and internet host sv.
lab_file() { # LAB FILE INSTANCES...: private instances (name:ip:sg); sg svc opens tcp 8080
	local lab=$1 file=$2 i n a g
	shift 2
	{
		cat <<EOF
name: $lab
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    internet_gateway: true
    subnets:
      - { name: public, cidr: 10.0.0.0/24, route_table: public }
      - { name: private, cidr: 10.0.1.0/24, route_table: private }
    route_tables:
      - name: public
        routes:
          - { destination: 0.0.0.0/0, target: igw }
      - name: private
        routes:
          - { destination: 0.0.0.0/0, target: nat }
    security_groups:
      - name: open
        inbound:
          - { protocol: all, cidr: 10.0.0.0/16 }
      - name: svc
        inbound:
          - { protocol: all, cidr: 10.0.0.0/16 }
          - { protocol: tcp, ports: 8080, cidr: 0.0.0.0/0 }
    nat_gateways:
      - { name: nat, subnet: public, elastic_ip: nat-eip }
    instances:
EOF
		for i in "$@"; do
			IFS=: read -r n a g <<<"$i"
			echo "      - { name: $n, subnet: private, ip: $a, security_groups: [$g] }"
		done
		cat <<EOF
elastic_ips:
  - { name: nat-eip, ip: 203.0.113.20 }
internet:
  hosts:
    - { name: sv, ip: 198.51.100.10 }
EOF
	} >"$file"
}
# Drops, inside a namespace, what a scenario must not see answered (nft, that namespace only).
ns_drop() { # LAB HOST RULE
	printf 'table inet stress {\n\tchain c {\n\t\ttype filter hook %s priority 0; policy accept;\n\t\t%s drop\n\t}\n}\n' \
		"$3" "$4" | nsx "$1" "$2" nft -f -
}

# ---------------------------------------------------------------- 1: NAT exhaustion
s_nat() {
	local lab="$P-n" narrow=${STRESS_NAT_PORTS:-1024-4095} n fill=0 supported errs=0 idle busy rp env=()
	lab_file "$lab" "$T/n.yaml" a:10.0.1.10:open b:10.0.1.11:open c:10.0.1.12:open
	[ "$narrow" != full ] && env=("VPCLAB_NAT_PORTS=$narrow")
	up_lab "$lab" "$T/n.yaml" "${env[@]}" || { result nat-exhaustion "up failed" "-"; return; }
	ns_drop "$lab" sv input "tcp dport 9" # the destination never answers: ports stay in use
	idle=$(ping_stats "$lab" b 10.0.1.12 100 0.01)
	say "1 nat-exhaustion: idle b->c ping: $idle"
	# range + 256 new flows from source ports 1024 up (wrapping to 1): the last 256 find no port
	supported="full range (STRESS_NAT_PORTS=full)"
	if [ "$narrow" != full ]; then
		fill=$((${narrow#*-} - ${narrow%-*} + 1 + 256))
		nsx "$lab" a "$PY" "$RAW" syn 10.0.1.10 198.51.100.10 9 "$fill" 20000 >/dev/null
		errs=$(nat_wait "$lab" ErrorPortAllocation 3)
		supported="VPCLAB_NAT_PORTS=$narrow"
	fi
	if [ "$errs" = "?" ] || [ "$errs" -eq 0 ]; then
		[ "$narrow" != full ] && supported="VPCLAB_NAT_PORTS not supported (router used the full range)"
		say "1 nat-exhaustion: $supported; filling all 64,512 ports"
		nsx "$lab" a "$PY" "$RAW" syn 10.0.1.10 198.51.100.10 9 $((64512 + 256 - fill)) 20000 \
			$((1024 + fill)) >/dev/null
		fill=$((64512 + 256))
		errs=$(nat_wait "$lab" ErrorPortAllocation 15)
	fi
	say "1 nat-exhaustion: filled ($supported); ErrorPortAllocation $errs"
	# a retries SYNs of the 256 flows that found no port, 2,000/s, while b pings c
	nsx "$lab" a timeout 20 "$PY" "$RAW" syn 10.0.1.10 198.51.100.10 9 20000 2000 \
		$((1 + (1023 + fill - 256) % 65535)) 256 >/dev/null &
	rp=$!
	PIDS+=("$rp")
	busy=$(ping_stats "$lab" b 10.0.1.12 100 0.02)
	kill "$rp" 2>/dev/null; wait "$rp" 2>/dev/null
	n=$(nat_counter "$lab" ErrorPortAllocation)
	say "1 nat-exhaustion: during 2,000 SYN/s retries into the full NAT: b->c ping $busy"
	result nat-exhaustion "$supported; full dst + 2000 SYN/s retries; port errors $errs -> $n" \
		"idle $idle | exhausted $busy"
	timeout 30 "$VPCLAB" down "$lab" >/dev/null 2>&1
}

# ---------------------------------------------------------------- 2: SYN flood
s_flood() {
	local lab="$P-f" n=60000 rate=20000 idle busy ok sp fp cp
	lab_file "$lab" "$T/f.yaml" t:10.0.1.20:svc f:10.0.1.21:open l:10.0.1.22:open \
		b:10.0.1.11:open c:10.0.1.12:open
	up_lab "$lab" "$T/f.yaml" VPCLAB_CT_LIMIT=16384 || { result syn-flood "up failed" "-"; return; }
	ns_drop "$lab" f output "tcp flags & rst == rst" # the flooder never resets its half-open flows
	ip netns exec "$lab-t" "$PY" "$RAW" serve 8080 60 &
	sp=$!
	disown "$sp" # servers are killed, or ended by `down`: no "Terminated" report
	PIDS+=("$sp")
	for _ in $(seq 50); do nsx "$lab" t ss -ltnH 'sport = :8080' | grep -q . && break; sleep 0.1; done
	idle=$(ping_stats "$lab" b 10.0.1.12 100 0.01)
	ok=$(nsx "$lab" l "$PY" "$RAW" connects 10.0.1.20 8080 16 2)
	say "2 syn-flood: idle b->c ping: $idle; l->t connects before: $ok/16"
	nsx "$lab" f timeout 30 "$PY" "$RAW" syn 10.0.1.21 10.0.1.20 8080 "$n" "$rate" >"$T/flood.out" &
	fp=$!
	PIDS+=("$fp")
	sleep 1 # let the flood reach the table (measuring *during* it is the point)
	nsx "$lab" l "$PY" "$RAW" connects 10.0.1.20 8080 16 2 >"$T/conn.out" &
	cp=$!
	busy=$(ping_stats "$lab" b 10.0.1.12 100 0.02)
	wait "$cp"
	ok=$(awk '{print $2}' "$T/conn.out")
	wait "$fp" 2>/dev/null
	local dr
	dr=$(drops "$lab")
	say "2 syn-flood: flood $(cat "$T/flood.out") SYNs at t:8080; b->c ping $busy; l->t ${ok:-0}/16 connects; drops: $dr"
	result syn-flood "$n SYNs at ${rate}/s, VPCLAB_CT_LIMIT=16384" \
		"legit ${ok:-0}/16 | idle $idle | flood $busy | drops $dr"
	kill "$sp" 2>/dev/null
	timeout 30 "$VPCLAB" down "$lab" >/dev/null 2>&1
}

# ---------------------------------------------------------------- 3: concurrent ups
s_ups() {
	local lab="$P-u" r k good=0 both=0 none=0 oks
	lab_file "$lab" "$T/u.yaml" a:10.0.1.10:open
	LABS+=("$lab")
	for r in $(seq 20); do
		for k in 1 2 3; do timeout 60 "$VPCLAB" up "$T/u.yaml" >"$T/u.$k" 2>&1 & done
		oks=0
		for k in 1 2 3; do wait -n && oks=$((oks + 1)); done
		case $oks in 1) good=$((good + 1)) ;; 0) none=$((none + 1)) ;; *) both=$((both + 1)) ;; esac
		[ "$r" -eq 1 ] && say "3 concurrent-up: round 1: $(for k in 1 2 3; do tr -s '\n' ' ' <"$T/u.$k" | cut -c1-60; done | paste -sd'|')"
		timeout 60 "$VPCLAB" down "$lab" >/dev/null 2>&1
	done
	say "3 concurrent-up: 20 rounds of 3 concurrent ups: $good exactly one, $none none, $both several"
	result concurrent-up "20 rounds x 3 concurrent up" "$good/20 exactly one success ($none none, $both several)"
}

# ---------------------------------------------------------------- 4: down of a stopped router
s_stopped() {
	local lab="$P-k" pid t0 rc ms left=() alive
	lab_file "$lab" "$T/k.yaml" a:10.0.1.10:open b:10.0.1.11:open
	up_lab "$lab" "$T/k.yaml" || { result down-stopped "up failed" "-"; return; }
	pid=$(router_pid "$lab")
	kill -STOP "$pid"
	t0=$(now_ms)
	timeout 60 "$VPCLAB" down "$lab" >"$T/down.out" 2>&1
	rc=$?
	ms=$(($(now_ms) - t0))
	alive=no
	case $(awk '/^State/ {print $2}' "/proc/$pid/status" 2>/dev/null) in
	''|Z) ;;               # gone (a zombie is dead; its parent reaps it)
	*) alive="yes ($(awk '/^State/ {print $2 $3}' "/proc/$pid/status"))" ;;
	esac
	ip netns list | grep -q "^$lab-" && left+=("namespaces")
	[ -e "/run/vpclab/$lab" ] && left+=("/run/vpclab/$lab")
	[ "$alive" != no ] && left+=("router")
	# does the next up work at once?
	local next=ok
	timeout 60 "$VPCLAB" up "$T/k.yaml" >"$T/up2.out" 2>&1 || next="refused: $(head -n 1 "$T/up2.out")"
	say "4 down-stopped: down exit $rc in ${ms} ms; router alive: $alive; left: ${left[*]:-nothing}; next up: $next"
	result down-stopped "kill -STOP router; down" "exit $rc, ${ms} ms, left: ${left[*]:-nothing}, next up: $next"
	kill -CONT "$pid" 2>/dev/null
	timeout 30 "$VPCLAB" down "$lab" >/dev/null 2>&1
}

# ---------------------------------------------------------------- 5: soak and a big dump
s_soak() {
	local lab="$P-s" pid r0 r1 t0 ms nflows ping p sp ch=()
	lab_file "$lab" "$T/s.yaml" a:10.0.1.10:svc b:10.0.1.11:svc c:10.0.1.12:svc d:10.0.1.13:svc
	up_lab "$lab" "$T/s.yaml" || { result soak "up failed" "-"; return; }
	pid=$(router_pid "$lab")
	ns_drop "$lab" d input "udp dport 9" # the ~50,000 UDP flows get no answers
	ip netns exec "$lab-sv" "$PY" "$RAW" serve 8080 $((SOAK_SECONDS + 30)) &
	sp=$!
	PIDS+=("$sp")
	disown "$sp"
	ip netns exec "$lab-b" "$PY" "$RAW" serve 8080 $((SOAK_SECONDS + 30)) &
	PIDS+=($!)
	disown $!
	for _ in $(seq 50); do nsx "$lab" sv ss -ltnH 'sport = :8080' | grep -q . && break; sleep 0.1; done
	r0=$(rss_kb "$pid")
	say "5 soak: $SOAK_SECONDS s of mixed traffic (TCP churn via NAT and inside the VPC at 100/s each, pings, UDP at 2,000/s over 256 flows); router VmRSS $r0 kB"
	nsx "$lab" a "$PY" "$RAW" churn 198.51.100.10 8080 "$SOAK_SECONDS" 100 >"$T/churn1" & ch+=($!)
	nsx "$lab" c "$PY" "$RAW" churn 10.0.1.11 8080 "$SOAK_SECONDS" 100 >"$T/churn2" & ch+=($!)
	nsx "$lab" c timeout $((SOAK_SECONDS + 5)) "$PY" "$RAW" udp 10.0.1.12 10.0.1.13 9 $((SOAK_SECONDS * 2000)) 2000 1024 256 >/dev/null & ch+=($!)
	ping=$(ping_stats "$lab" b 10.0.1.12 $((SOAK_SECONDS * 5)) 0.2)
	wait "${ch[@]}"
	r1=$(rss_kb "$pid")
	say "5 soak: churn via NAT $(cat "$T/churn1"), inside $(cat "$T/churn2"); b->c ping $ping; VmRSS $r1 kB"
	# ~50,000 flows, then the dump while b pings c every 10 ms
	nsx "$lab" a "$PY" "$RAW" udp 10.0.1.10 10.0.1.13 9 50000 25000 >/dev/null
	local tracked
	tracked=$(conns "$lab")
	nsx "$lab" b ping -q -n -c 300 -i 0.01 -W 1 10.0.1.12 >"$T/dping" 2>&1 &
	p=$!
	sleep 0.5
	t0=$(now_ms)
	timeout 60 "$VPCLAB" flows "$lab" --json >"$T/flows.json" 2>/dev/null
	ms=$(($(now_ms) - t0))
	wait "$p"
	local r2
	r2=$(rss_kb "$pid")
	nflows=$("$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
n = 0
def walk(o):
    global n
    if isinstance(o, dict):
        if "proto" in o or "protocol" in o: n += 1; return
        for v in o.values(): walk(v)
    elif isinstance(o, list):
        for v in o: walk(v)
walk(d)
print(n)' "$T/flows.json" 2>/dev/null || echo "?")
	local dmax
	dmax=$(awk '/^rtt|^round-trip/ { split($4, v, "/"); print v[3] }' "$T/dping")
	say "5 soak: flows --json with $tracked connections tracked: ${ms} ms, $nflows entries shown; b->c ping max ${dmax:-?} ms meanwhile; VmRSS after $r2 kB"
	result soak "${SOAK_SECONDS}s mixed; flows --json on $tracked tracked" \
		"VmRSS $r0 -> $r1 kB (after dump $r2); flows ${ms} ms ($nflows shown), ping max ${dmax:-?} ms"
	kill "$sp" 2>/dev/null
	timeout 30 "$VPCLAB" down "$lab" >/dev/null 2>&1
}

# ---------------------------------------------------------------- 6: connection churn
s_churn() {
	local lab="$P-c" sp out dr
	lab_file "$lab" "$T/c.yaml" a:10.0.1.10:open b:10.0.1.11:svc
	up_lab "$lab" "$T/c.yaml" VPCLAB_CT_LIMIT=4096 || { result churn "up failed" "-"; return; }
	ip netns exec "$lab-b" "$PY" "$RAW" serve 8080 40 &
	sp=$!
	PIDS+=("$sp")
	disown "$sp"
	for _ in $(seq 50); do nsx "$lab" b ss -ltnH 'sport = :8080' | grep -q . && break; sleep 0.1; done
	out=$(nsx "$lab" a "$PY" "$RAW" churn 10.0.1.11 8080 20 100)
	dr=$(drops "$lab")
	say "6 churn: a->b TCP connect+close at 100/s for 20 s with VPCLAB_CT_LIMIT=4096: $out; drops: $dr"
	result churn "100 conn/s for 20 s, VPCLAB_CT_LIMIT=4096" "$out | drops $dr"
	kill "$sp" 2>/dev/null
	timeout 30 "$VPCLAB" down "$lab" >/dev/null 2>&1
}

want=("$@")
[ "${#want[@]}" -eq 0 ] && want=(1 2 3 4 5 6)
start=$(date +%s)
say "vpclab $("$VPCLAB" --version 2>/dev/null | head -n 1) ($VPCLAB)"
for w in "${want[@]}"; do
	case $w in
	1|nat*) s_nat ;;
	2|syn*|flood) s_flood ;;
	3|*up*) s_ups ;;
	4|down*) s_stopped ;;
	5|soak) s_soak ;;
	6|churn) s_churn ;;
	*) say "unknown scenario $w" ;;
	esac
done
echo
printf '%-15s | %-58s | %s\n' scenario applied held
for r in "${RESULTS[@]}"; do
	IFS='|' read -r a b c <<<"$r"
	printf '%-15s | %-58s | %s\n' "$a" "$b" "$c"
done
echo "stress: ${#RESULTS[@]} scenarios in $(($(date +%s) - start)) s"
