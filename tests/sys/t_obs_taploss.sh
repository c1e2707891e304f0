#!/usr/bin/env bash
# Losses in the tap queues are counted where a user looks (status, control/host/link_stats.c):
# with the router stopped (SIGSTOP), instance a sends 3,000 datagrams to b; its tap's queue
# keeps what it can hold and the kernel drops the rest. Once the router runs again, `status
# --json` shows a's tap_dropped_out > 0, equal to the device's own TX dropped counter
# (`ip -s link` in a's namespace), tap_dropped = out + in, and the text status has the column.
TID=otapl; . "$(dirname "$0")/lib.sh"

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
lab_up "$T/lab.yaml"
PID=$(status_get "$LAB" pid)
ping_ok a b # the ARP entry is there: the datagrams go straight to the tap

{ read -r d0; read -r o0; } < <(status_get "$LAB" port.a.tap_dropped port.a.tap_dropped_out)
check "a's tap has dropped nothing yet" "0 0" "$d0 $o0"

# the device's own counters: "tx_dropped rx_dropped" of eth0 in NAME's namespace
dev_drops() {
	on "$1" ip -s -j link show dev eth0 | "$PY" -c '
import json, sys
s = json.load(sys.stdin)[0]["stats64"]
print(s["tx"]["dropped"], s["rx"]["dropped"])'
}

kill -STOP "$PID"
on a timeout 10 "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(3000):
    try:
        s.sendto(b"x" * 64, ("10.0.1.20", 9000))
    except OSError:
        pass
'
kill -CONT "$PID"
read -r tx rx < <(dev_drops a)
diag "a's eth0 (the tap) as the kernel counts it: tx dropped $tx, rx dropped $rx"
if [ "$tx" -gt 0 ] 2>/dev/null; then ok "the kernel dropped frames in a's tap queue ($tx)"
else not_ok "the kernel dropped frames in a's tap queue (tx dropped: '$tx')"; fi
{ read -r d1; read -r o1; read -r i1; } < <(status_get "$LAB" port.a.tap_dropped port.a.tap_dropped_out port.a.tap_dropped_in)
check "status --json: a's tap_dropped_out is the device's TX dropped" "$tx" "$o1"
check "status --json: a's tap_dropped_in is the device's RX dropped" "$rx" "$i1"
check "status --json: tap_dropped is their sum" "$((tx + rx))" "$d1"
check "status --json: b's tap dropped nothing" 0 "$(status_get "$LAB" port.b.tap_dropped)"
st=$(timeout 10 "$VPCLAB" status "$LAB")
check_match "status (text) has a TAPDROP column" "DROPS +TAPDROP" "$st"
check_match "status (text) shows a's tap drops" "^a +instance .* $((tx + rx))\$" "$st"
ping_ok a b
