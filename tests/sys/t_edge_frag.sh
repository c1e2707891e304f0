#!/usr/bin/env bash
# Fragmentation at the internet gateway (AWS: 1500 bytes through an IGW; larger packets are
# fragmented, or dropped with fragmentation-needed when DF is set). Instances have MTU 9001, so
# their kernel sends a 4000-byte datagram whole; the router cuts it and the internet host's
# kernel reassembles it: the receiver's socket gets all 4000 bytes in one datagram. The same
# through the NAT gateway. ping -s 3000 -M dont gets its answer (the reply comes back in
# fragments the host cut itself, which follow their first fragment through the IGW); -M do gets
# fragmentation-needed from the subnet's router, and only that counts as mtu_exceeded.
TID=efrag; . "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/edge_lib.sh"

cat >"$T/lab.yaml" <<EOF2
name: $LAB
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
      - name: ping-and-errors
        inbound:
          - { protocol: icmp, icmp_type: 3, cidr: 0.0.0.0/0 }
    nat_gateways:
      - { name: nat, subnet: public, elastic_ip: nat-eip }
    instances:
      - { name: pub, subnet: public, ip: 10.0.0.10, security_groups: [ping-and-errors] }
      - { name: priv, subnet: private, ip: 10.0.1.10 }
elastic_ips:
  - { name: nat-eip, ip: 203.0.113.21 }
  - { name: pub-eip, ip: 203.0.113.61, instance: pub }
internet:
  hosts:
    - { name: ext, ip: 198.51.100.10 }
EOF2
lab_up "$T/lab.yaml"

# udp.py recv PORT TIMEOUT: print the size and source of the first datagram (one recv: whole
# datagrams only). udp.py send IP PORT SIZE: one datagram of SIZE payload bytes, DF clear.
cat >"$T/udp.py" <<'PYEOF'
import socket, sys
if sys.argv[1] == "recv":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", int(sys.argv[2])))
    s.settimeout(float(sys.argv[3]))
    try:
        data, a = s.recvfrom(65535)
        ok = all(b == (i * 7 + 3) & 255 for i, b in enumerate(data))
        print(len(data), a[0], "intact" if ok else "corrupt", flush=True)
    except socket.timeout:
        print("timeout", flush=True)
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, 10, 0)   # IP_MTU_DISCOVER = IP_PMTUDISC_DONT: no DF
    n = int(sys.argv[4])
    s.sendto(bytes((i * 7 + 3) & 255 for i in range(n)), (sys.argv[2], int(sys.argv[3])))
PYEOF
udp_big() { # FROM PORT SIZE: what ext received
	on_bg ext "$PY" "$T/udp.py" recv "$2" 5 >"$T/recv.$2"
	_wait_listen "$LAB-ext" udp "$2" || { echo "no listener"; return; }
	on "$1" "$PY" "$T/udp.py" send 198.51.100.10 "$2" "$3"
	local i; for i in $(seq 1 100); do [ -s "$T/recv.$2" ] && break; sleep 0.05; done
	cat "$T/recv.$2"
}

check "instance MTU 9001" 9001 "$(on pub cat /sys/class/net/eth0/mtu)"
m=$(drops mtu_exceeded)
tx=$(status_get "$LAB" "port.ext.tx_packets")
check "a 4000-byte UDP datagram from pub (EIP) arrives whole at ext" "4000 203.0.113.61 intact" \
	"$(udp_big pub 7001 4000)"
tx2=$(status_get "$LAB" "port.ext.tx_packets")
if [[ "$tx" =~ ^[0-9]+$ && "$tx2" =~ ^[0-9]+$ ]] && [ $((tx2 - tx)) -ge 3 ]; then
	ok "the router sent it to ext in fragments ($((tx2 - tx)) frames)"
else
	not_ok "the router sent it to ext in fragments (ext tx_packets $tx -> $tx2)"
fi
check "a 4000-byte UDP datagram from priv (through the NAT) arrives whole, from the NAT's EIP" \
	"4000 203.0.113.21 intact" "$(udp_big priv 7002 4000)"
out=$(on pub ping -n -c 2 -i 0.3 -W 2 -M dont -s 3000 198.51.100.10 2>&1)
check_match "ping -M dont -s 3000 from pub: answered (fragments both ways)" "3008 bytes from 198.51.100.10" "$out"
check_same "none of that counts as mtu_exceeded" "$m" "$(drops mtu_exceeded)"

out=$(on pub ping -n -c 2 -i 0.3 -W 1 -M do -s 3000 198.51.100.10 2>&1)
check_match "ping -M do -s 3000 from pub: fragmentation needed from the subnet's router, mtu 1500" \
	"From 10\.0\.0\.1 .*Frag needed.*mtu = 1500|message too long, mtu=1500" "$out"
check_grew "drops.mtu_exceeded grows for the DF packet" "$m" "$(drops mtu_exceeded)"
