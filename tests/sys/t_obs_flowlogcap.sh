#!/usr/bin/env bash
# Flow log files live in /run (memory) and are capped: `up --flow-log-max 1024` rotates an
# instance's NAME.log to NAME.log.1 past 1,024 bytes, keeps one rotated file, and counts in
# `status --json` (flow_logs) the rotations and what the replaced .1 files held. 40 UDP flows
# a -> b make 40 records at a and 40 at b in one window (about 4 KB each): each kept file stays
# within the cap, and kept + discarded records are exactly the 80 written.
TID=oflcp; . "$(dirname "$0")/lib.sh"

cat >"$T/lab.yaml" <<EOF2
name: $LAB
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    subnets:
      - { name: s, cidr: 10.0.1.0/24 }
    instances:
      - { name: a, subnet: s, ip: 10.0.1.10 }
      - { name: b, subnet: s, ip: 10.0.1.20 }
EOF2
LABS+=("$LAB")
out=$(timeout 30 "$VPCLAB" up "$T/lab.yaml" --flow-log-max 100 2>&1); rc=$?
check "up --flow-log-max 100: refused as a usage error" 2 "$rc"
check_match "... naming the option" "flow-log-max" "$out"
out=$(timeout 30 "$VPCLAB" up "$T/lab.yaml" --flow-log-max 1024 --flow-log-interval 600 2>&1); rc=$?
if [ "$rc" -ne 0 ]; then not_ok "vpclab up --flow-log-max 1024 (exit $rc): $out"; exit 1; fi
ok "vpclab up --flow-log-max 1024"
PID=$(status_get "$LAB" pid); [[ "$PID" =~ ^[0-9]+$ ]] && ROUTER_PIDS+=("$PID")
check "status --json: flow_logs.max_bytes" 1024 "$(status_get "$LAB" flow_logs.max_bytes)"

# a sink on b that takes the datagrams (no port-unreachable errors, no extra records)
on_bg b timeout 20 "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", 9000))
while True: s.recv(64)'
_wait_listen "$LAB-b" udp 9000
burst() { # FIRST N
	on a "$PY" -c '
import socket, sys
for i in range(int(sys.argv[1]), int(sys.argv[1]) + int(sys.argv[2])):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", 20000 + i))
    s.sendto(b"x", ("10.0.1.20", 9000)); s.close()' "$1" "$2"
}
burst 0 1
for i in $(seq 1 40); do on a ip neigh show 10.0.1.20 dev eth0 | grep -Eq 'REACHABLE|STALE|DELAY' && break; sleep 0.05; done
burst 1 39
poll_until 5 counter_ge "$LAB" port.b.tx_packets 40 || not_ok "b received the 40 datagrams"
timeout 10 "$VPCLAB" flowlogs --lab "$LAB" >"$T/all.out" 2>&1 # flushes the window

D=/run/vpclab/$LAB/flowlogs
lines() { cat "$@" 2>/dev/null | wc -l; }
for n in a b; do
	sz=$(stat -c %s "$D/$n.log" 2>/dev/null); sz1=$(stat -c %s "$D/$n.log.1" 2>/dev/null)
	if [ -n "$sz" ] && [ "$sz" -le 1024 ] && [ -n "$sz1" ] && [ "$sz1" -le 1024 ]; then
		ok "$n.log ($sz bytes) and $n.log.1 ($sz1 bytes) are within the cap"
	else not_ok "$n.log and $n.log.1 within 1024 bytes (got '$sz' and '$sz1')"; fi
done
check "no third file is kept" "" "$(ls "$D" | grep -v -E '^(a|b)\.log(\.1)?$')"
{ read -r rot; read -r disc; read -r discb; } < <(status_get "$LAB" flow_logs.rotations \
	flow_logs.discarded_records flow_logs.discarded_bytes)
kept=$(lines "$D"/a.log "$D"/a.log.1 "$D"/b.log "$D"/b.log.1)
diag "rotations $rot, discarded $disc records ($discb bytes), kept $kept records"
if [ "$rot" -ge 4 ] 2>/dev/null && [ "$disc" -gt 0 ] 2>/dev/null; then ok "status counts the rotations and the discarded records"
else not_ok "status counts the rotations ($rot, expected >= 4) and the discarded records ($disc, expected > 0)"; fi
check "kept + discarded records are the 80 written" 80 "$((kept + disc))"
out=$(timeout 10 "$VPCLAB" flowlogs a --lab "$LAB")
check "flowlogs a prints a.log.1, then a.log" "$(cat "$D/a.log.1" "$D/a.log")" "$out"
st=$(timeout 10 "$VPCLAB" status "$LAB")
check_match "status (text) tells what the rotations discarded" "^flow logs: $rot rotations, $disc records discarded" "$st"
