#!/usr/bin/env bash
# `make bench`, the apply part (issue 10): a 1,000-instance lab (genlab.sh, every instance in one
# security group) keeps two streams going between i0 and i1 (ping, and UDP datagrams echoed by i1
# on a port its group admits from 0.0.0.0/0: a flow AWS does not track, which every apply must
# recheck) while `vpclab apply` narrows another rule of the group (tcp 22 from 0.0.0.0/0 to
# 10.0.0.0/8) and widens it back, APPLY_ROUNDS (10) times. Reports the router time (`router_ms`
# of --json) and the wall time of the command, which loads and checks the 1,000 instances
# (reference: `vpclab check` of the same file, timed in the same run), the streams' losses (must
# be 0), ping's round trips during the applies against those outside, the tap drop counters
# before and after; then adding one instance and removing it again (APPLY_ADDS rounds).
# Every namespace starts with a$$-; everything is removed on exit.
NAME=bench-apply PREFIX=a
. "$(dirname "$0")/lib.sh"
LAB="$P-apply"
N=${APPLY_INSTANCES:-1000}
K=${APPLY_ROUNDS:-10}
ADDS=${APPLY_ADDS:-3}
COUNT=${APPLY_PACKETS:-2000} # per stream, one every 2 ms: longer than the applies
GOAL_MS=50

now() { echo "$EPOCHREALTIME"; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) * 1000 }'; }
# stats V...: "median max" of the numbers
stats() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (!NR) { print "- -"; exit }
	m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.2f %.2f\n", m, v[NR] }'; }
fail() { echo "bench-apply: $*"; rc=1; }

# The lab: genlab's, every instance in group bench (the rule that changes: tcp 22 from 0.0.0.0/0
# or 10.0.0.0/8; the stream's udp 5000 stays untracked), and the same with one more instance.
bash "$REPO/tests/bench/genlab.sh" "$LAB" "$N" | awk '
/^    instances:/ { print "    security_groups:\n      - name: bench\n        inbound:"
	print "          - { protocol: icmp, cidr: 10.0.0.0/16 }"
	print "          - { protocol: udp, ports: 5000, cidr: 0.0.0.0/0 }"
	print "          - { protocol: tcp, ports: 22, cidr: 0.0.0.0/0 }"
	print "        outbound:\n          - { protocol: all, cidr: 0.0.0.0/0 }" }
/^      - \{ name: i/ { sub(/ }$/, ", security_groups: [bench] }") }
{ print }' >"$T/wide.yaml" || exit 1
sed 's|ports: 22, cidr: 0.0.0.0/0|ports: 22, cidr: 10.0.0.0/8|' "$T/wide.yaml" >"$T/narrow.yaml"
sed 's|^    instances:|&\n      - { name: extra, subnet: s0, ip: 10.0.1.250, security_groups: [bench] }|' \
	"$T/wide.yaml" >"$T/add.yaml"

cat >"$T/udp.py" <<'EOF'
# server PORT SECS: echoes datagrams. client IP PORT COUNT GAP: sends COUNT numbered datagrams,
# one every GAP s, says "go" once the first is answered, then "sent received" (distinct echoes).
import socket, sys, threading, time
if sys.argv[1] == "server":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", int(sys.argv[2]))); s.settimeout(0.5)
    end = time.time() + float(sys.argv[3])
    while time.time() < end:
        try:
            d, a = s.recvfrom(64); s.sendto(d, a)
        except OSError:
            pass
    sys.exit(0)
ip, port, n, gap = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.connect((ip, port)); s.settimeout(0.2)
got, done = set(), threading.Event()
def rx():
    while not done.is_set():
        try:
            got.add(int(s.recv(64)))
        except (OSError, ValueError):
            pass
threading.Thread(target=rx, daemon=True).start()
for i in range(50):                  # the first echo: the path is there (not counted)
    s.send(b"-1"); time.sleep(0.1)
    if -1 in got: break
print("go" if -1 in got else "no path", flush=True)
got.discard(-1)
t0 = time.monotonic()
for i in range(n):
    s.send(b"%d" % i)
    d = t0 + (i + 1) * gap - time.monotonic()
    if d > 0: time.sleep(d)
time.sleep(1); done.set()
print(n, len(got), flush=True)
EOF

# tapdrops: "i0 i1 all" tap drop counters from status --json
tapdrops() {
	timeout 20 "$VPCLAB" status "$LAB" --json 2>/dev/null | "$PY" -c '
import json, sys
p = json.load(sys.stdin)["ports"]
d = {x["name"]: x["tap_dropped"] or 0 for x in p}
print(d.get("i0", "-"), d.get("i1", "-"), sum(d.values()))' 2>/dev/null || echo "- - -"
}

# apply FILE: one timed `vpclab apply --json`; sets A_WALL, A_ROUTER, A_CHANGES, A_ENDED
apply() {
	local t0 t1 out
	t0=$(now)
	out=$(timeout 60 "$VPCLAB" apply "$1" --json 2>"$T/apply.err")
	t1=$(now)
	A_WALL=$(ms "$t0" "$t1")
	read -r A_ROUTER A_CHANGES A_ENDED < <(printf '%s' "$out" | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
print("%.3f" % d["router_ms"] if d.get("applied") else "error", len(d["changes"]), d.get("ended", "-"))' 2>/dev/null)
	[ -n "$A_ROUTER" ] && [ "$A_ROUTER" != error ] && return 0
	fail "apply $(basename "$1") failed: $(head -c 300 "$T/apply.err") $(printf '%s' "$out" | head -c 300)"
	A_ROUTER=error
	return 1
}

rc=0
echo "bench-apply: $N instances, $K applies of one rule under two streams of $COUNT packets, $ADDS adds/removes"
[ -x "$VPCLAB" ] || { echo "bench-apply: $VPCLAB missing (make)"; exit 1; }

# the reference: the CLI's own load and check of the same files
check_w=() checkadd_w=()
for i in $(seq 1 "$K"); do
	t0=$(now); "$VPCLAB" check "$T/narrow.yaml" >/dev/null || fail "check narrow.yaml failed"; t1=$(now)
	check_w+=("$(ms "$t0" "$t1")")
done
for i in $(seq 1 "$ADDS"); do
	t0=$(now); "$VPCLAB" check "$T/add.yaml" >/dev/null || fail "check add.yaml failed"; t1=$(now)
	checkadd_w+=("$(ms "$t0" "$t1")")
done

t0=$(now)
if ! out=$(timeout 120 "$VPCLAB" up "$T/wide.yaml" 2>&1); then echo "bench-apply: vpclab up: $out"; exit 1; fi
t1=$(now)
echo "bench-apply: up in $(ms "$t0" "$t1") ms"

# the streams, i0 -> i1
ip netns exec "$LAB-i1" "$PY" "$T/udp.py" server 5000 $((COUNT / 500 + 30)) &
PIDS+=($!)
for i in $(seq 1 50); do ip netns exec "$LAB-i1" ss -lunH 'sport = :5000' | grep -q . && break; sleep 0.1; done
ip netns exec "$LAB-i0" ping -c 1 -W 2 10.0.2.10 >/dev/null || fail "no ping path from i0 to i1"
read -r d0_i0 d0_i1 d0_all < <(tapdrops)
ip netns exec "$LAB-i0" timeout $((COUNT / 500 + 30)) "$PY" "$T/udp.py" client 10.0.2.10 5000 "$COUNT" 0.002 >"$T/udp.out" 2>&1 &
udp_pid=$!; PIDS+=("$udp_pid")
for i in $(seq 1 100); do grep -q . "$T/udp.out" && break; sleep 0.05; done
grep -q '^go' "$T/udp.out" || fail "the UDP stream has no path: $(cat "$T/udp.out")"
ip netns exec "$LAB-i0" timeout $((COUNT / 500 + 30)) ping -D -n -i 0.002 -c "$COUNT" -W 1 10.0.2.10 >"$T/ping.out" 2>&1 &
ping_pid=$!; PIDS+=("$ping_pid")
for i in $(seq 1 100); do grep -q 'bytes from' "$T/ping.out" && break; sleep 0.05; done
# untracked: the UDP stream's entries AWS would not track (i1's side)
untracked() {
	timeout 20 "$VPCLAB" flows "$LAB" --json 2>/dev/null | "$PY" -c '
import json, sys
print(sum(1 for i in json.load(sys.stdin)["interfaces"] for f in i["flows"]
          if f["protocol"] in (17, "udp") and f["to"].endswith(":5000") and f.get("tracked") is False))' 2>/dev/null || echo "?"
}
un0=$(untracked)
[ "$un0" = 1 ] || fail "the UDP stream has $un0 untracked entries, not 1 (i1's)"

# the applies, while both streams run
rule_r=() rule_w=() ended=0
w0=$(now)
for i in $(seq 1 "$K"); do
	f=narrow; [ $((i % 2)) = 0 ] && f=wide
	apply "$T/$f.yaml" || break
	rule_r+=("$A_ROUTER") rule_w+=("$A_WALL")
	[ "$A_CHANGES" = 2 ] || fail "apply $f.yaml: $A_CHANGES changes, not 2 (one rule out, one in)"
	ended=$((ended + ${A_ENDED:-0}))
done
w1=$(now)
un1=$(untracked)
[ "$un1" = 1 ] || fail "after the applies the UDP stream has $un1 untracked entries, not 1"
kill -0 "$ping_pid" 2>/dev/null && kill -0 "$udp_pid" 2>/dev/null ||
	fail "a stream ended before the applies did (make APPLY_PACKETS larger)"
wait "$ping_pid" "$udp_pid"
read -r d1_i0 d1_i1 d1_all < <(tapdrops)
[ "$ended" = 0 ] || fail "the applies ended $ended flows; they should end none"

read -r p_sent p_recv < <(awk '/packets transmitted/ { print $1, $4 }' "$T/ping.out")
read -r u_sent u_recv < <(tail -n 1 "$T/udp.out")
[[ "$p_sent" =~ ^[0-9]+$ && "$p_recv" =~ ^[0-9]+$ ]] || { fail "ping: $(tail -n 3 "$T/ping.out")"; p_sent=0 p_recv=-; }
[[ "$u_sent" =~ ^[0-9]+$ && "$u_recv" =~ ^[0-9]+$ ]] || { fail "udp: $(tail -n 3 "$T/udp.out")"; u_sent=0 u_recv=-; }
p_lost=$((p_sent - ${p_recv/-/0})) u_lost=$((u_sent - ${u_recv/-/0}))
[ "$p_lost" = 0 ] || fail "ping lost $p_lost of $p_sent"
[ "$u_lost" = 0 ] || fail "the UDP stream lost $u_lost of $u_sent"
# ping's round trips (ms) whose reply came while the applies ran, and the others
read -r rtt_in rtt_out < <(awk -v a="$w0" -v b="$w1" '
/bytes from/ { t = substr($1, 2, length($1) - 2) + 0; r = $0; sub(/.*time=/, "", r); r += 0
	if (t >= a && t <= b + r / 1000) { if (r > i) i = r } else if (r > o) o = r }
END { printf "%.2f %.2f\n", i, o }' "$T/ping.out")

# one instance more, and that one less
add_r=() add_w=() rm_r=() rm_w=() answered=0 left=0
for i in $(seq 1 "$ADDS"); do
	apply "$T/add.yaml" || break
	add_r+=("$A_ROUTER") add_w+=("$A_WALL")
	ip netns exec "$LAB-i0" ping -c 1 -W 2 10.0.1.250 >/dev/null 2>&1 && answered=$((answered + 1))
	apply "$T/wide.yaml" || break
	rm_r+=("$A_ROUTER") rm_w+=("$A_WALL")
	ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$LAB-extra" && left=$((left + 1))
done
[ "$answered" = "${#add_r[@]}" ] || fail "the added instance answered $answered of ${#add_r[@]} times"
[ "$left" = 0 ] || fail "the removed instance's namespace was left $left times"
timeout 60 "$VPCLAB" down "$LAB" >/dev/null 2>&1 || fail "vpclab down failed"

read -r rr_med rr_max < <(stats "${rule_r[@]}")
read -r rw_med rw_max < <(stats "${rule_w[@]}")
read -r ck_med _ < <(stats "${check_w[@]}")
read -r ar_med ar_max < <(stats "${add_r[@]}")
read -r aw_med aw_max < <(stats "${add_w[@]}")
read -r rmr_med rmr_max < <(stats "${rm_r[@]}")
read -r rmw_med rmw_max < <(stats "${rm_w[@]}")
read -r ca_med _ < <(stats "${checkadd_w[@]}")
awk -v m="$rr_med" -v g="$GOAL_MS" 'BEGIN { exit !(m + 0 > g) }' &&
	fail "one rule: median router time $rr_med ms is over the goal ($GOAL_MS ms)"

echo
echo "$N instances; the UDP stream's entry AWS does not track (rechecked by each apply): $un0 before, $un1 after"
printf '%-36s %10s %10s %-18s %8s\n' "test (ms)" "median" "max" "reference" "ratio"
printf '%-36s %10s %10s %-18s %8s\n' "apply 1 rule: router time" "$rr_med" "$rr_max" "goal $GOAL_MS" "$(ratio "$rr_med" "$GOAL_MS")"
printf '%-36s %10s %10s %-18s %8s\n' "apply 1 rule: wall time" "$rw_med" "$rw_max" "check $ck_med" "$(ratio "$rw_med" "$ck_med")"
printf '%-36s %10s %10s %-18s %8s\n' "add 1 instance: router time" "$ar_med" "$ar_max" "goal $GOAL_MS" "$(ratio "$ar_med" "$GOAL_MS")"
printf '%-36s %10s %10s %-18s %8s\n' "add 1 instance: wall time" "$aw_med" "$aw_max" "check $ca_med" "$(ratio "$aw_med" "$ca_med")"
printf '%-36s %10s %10s %-18s %8s\n' "remove 1 instance: router time" "$rmr_med" "$rmr_max" "goal $GOAL_MS" "$(ratio "$rmr_med" "$GOAL_MS")"
printf '%-36s %10s %10s %-18s %8s\n' "remove 1 instance: wall time" "$rmw_med" "$rmw_max" "check $ck_med" "$(ratio "$rmw_med" "$ck_med")"
printf '%-36s %10s %10s %-18s %8s\n' "ping rtt max during the applies" "-" "$rtt_in" "outside $rtt_out" "$(ratio "$rtt_in" "$rtt_out")"
printf '%-36s %21s\n' "ping lost / sent" "$p_lost / $p_sent"
printf '%-36s %21s\n' "udp (untracked flow) lost / sent" "$u_lost / $u_sent"
printf '%-36s %21s\n' "tap drops i0 i1 all, before" "$d0_i0 $d0_i1 $d0_all"
printf '%-36s %21s\n' "tap drops i0 i1 all, after" "$d1_i0 $d1_i1 $d1_all"
exit "$rc"
