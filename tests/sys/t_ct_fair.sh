#!/usr/bin/env bash
# Connection tracking is one lab-wide pool with a limit (VPCLAB_CT_LIMIT, here 256 entries) and
# per-interface fairness (dataplane/ct.h): an interface may open a flow only while the entries
# charged to it are fewer than the pool has free. The flooder opens 400 UDP flows to the target
# (each tracked at both ends, both charged to the flooder): it stops at a quarter of the pool
# (64 flows), the rest are DROP_CT_FULL counted at the flooder, and the flooder cannot open a TCP
# connection either, while a third instance still connects to the target.
TID=ctfair; . "$(dirname "$0")/lib.sh"

cat >"$T/lab.yaml" <<EOF2
name: $LAB
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    subnets:
      - { name: a, cidr: 10.0.1.0/24 }
    instances:
      - { name: flooder, subnet: a, ip: 10.0.1.10 }
      - { name: target, subnet: a, ip: 10.0.1.20 }
      - { name: third, subnet: a, ip: 10.0.1.30 }
EOF2
LABS+=("$LAB")
out=$(VPCLAB_CT_LIMIT=12x timeout 30 "$VPCLAB" up "$T/lab.yaml" 2>&1); rc=$?
if [ "$rc" -ne 0 ]; then ok "up refuses a VPCLAB_CT_LIMIT that is not a number (exit $rc)"
else not_ok "up refuses a VPCLAB_CT_LIMIT that is not a number (got exit 0)"; fi
check_match "... and names it" "VPCLAB_CT_LIMIT" "$out"
check "... leaving no namespace behind" 0 "$(ip netns list | grep -c "^$LAB-")"

export VPCLAB_CT_LIMIT=256
lab_up "$T/lab.yaml"
unset VPCLAB_CT_LIMIT

# a UDP sink on the target that counts what arrives
on_bg target timeout 30 "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 9000))
n = 0
while True:
    s.recv(64)
    n += 1
    with open(sys.argv[1], "w") as f:
        f.write("%d\n" % n)
' "$T/sink.count"
_wait_listen "$LAB-target" udp 9000 || not_ok "the UDP sink listens on target:9000"

full0=$(status_get "$LAB" port.flooder.ct_full)
drops0=$(drops ct_full)
check "the flooder starts with no ct_full drop" 0 "$full0"

# 400 new flows: one datagram from each of 400 source ports (bounded in count). The first goes
# alone and the flood waits for the target's ARP entry, so the kernel queues none of them.
flood() { # FIRST COUNT
	on flooder timeout 20 "$PY" -c '
import socket, sys
first, n = int(sys.argv[1]), int(sys.argv[2])
for i in range(first, first + n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", 20000 + i))
    s.sendto(b"x", ("10.0.1.20", 9000))
    s.close()
' "$1" "$2"
}
flood 0 1
for i in $(seq 1 40); do
	on flooder ip neigh show 10.0.1.20 dev eth0 | grep -Eq 'REACHABLE|STALE|DELAY' && break
	sleep 0.05
done
flood 1 399
# the router works through the flooder's frames: wait until all 400 are counted
full=""
for i in $(seq 1 50); do
	{ read -r full; read -r rx; } < <(status_get "$LAB" port.flooder.ct_full port.flooder.rx_packets)
	[[ "$full" =~ ^[0-9]+$ ]] && [ "$full" -ge 336 ] && break
	sleep 0.1
done
# charged < free: 2n < 256 - 2n, so the flooder's flows stop at 64 and 336 are refused
check "flows refused to the flooder (ct_full at its interface)" 336 "$full"
check_grew "the lab's ct_full drop counter" "$drops0" "$(drops ct_full)"
{ read -r cf; read -r ct; read -r tf; } < <(status_get "$LAB" port.flooder.connections \
	port.target.connections port.target.ct_full)
check "the flooder's table holds its share" 64 "$cf"
check "the target tracks the flooder's 64 flows" 64 "$ct"
check "nothing refused is counted at the target" 0 "$tf"
sunk=""
for i in $(seq 1 20); do sunk=$(cat "$T/sink.count" 2>/dev/null); [ "$sunk" = 64 ] && break; sleep 0.05; done
check "the target received only the admitted flows" 64 "$sunk"

diag "the pool keeps room for the others; the flooder is held at its share"
tcp_ok third target 8080
ping_ok third target
tcp_blocked flooder target 8081
check_grew "the flooder's TCP attempt is ct_full too" "$full" "$(status_get "$LAB" port.flooder.ct_full)"
{ read -r thf; } < <(status_get "$LAB" port.third.ct_full)
check "nothing refused to the third instance" 0 "$thf"
