#!/usr/bin/env bash
# The VPC router itself: it answers ARP for every address of the subnet (no L2 flooding), but
# never answers ping on its own .1 (router_addr); traffic to an address of the VPC that no
# interface holds is dropped (no_host); broadcast is not carried (broadcast); across subnets it
# does not decrement the TTL (reference 11.2: instance to instance across subnets is one hop).
TID=rtr; . "$(dirname "$0")/lib.sh"

cat >"$T/lab.yaml" <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    subnets:
      - { name: a, cidr: 10.0.1.0/24 }
      - { name: b, cidr: 10.0.2.0/24 }
    instances:
      - { name: x, subnet: a, ip: 10.0.1.10 }
      - { name: x2, subnet: a, ip: 10.0.1.11 }
      - { name: y, subnet: b, ip: 10.0.2.10 }
EOF
lab_up "$T/lab.yaml"
ping_ok x y

diag "the router does not answer ping on its addresses"
b=$(drops router_addr)
ping_blocked x 10.0.1.1
ping_blocked x 10.0.2.1
ping_blocked y 10.0.2.1
check_grew "drops.router_addr grows" "$b" "$(drops router_addr)"
out=$(on x timeout 3 nc -n -z -w 1 10.0.1.1 22 2>&1); rc=$?
if [ "$rc" -ne 0 ]; then ok "tcp to the router 10.0.1.1:22 fails"; else not_ok "tcp to the router 10.0.1.1:22 fails (expected failure, got a connection)"; fi

diag "nobody at the address: dropped, counted"
b=$(drops no_host)
ping_blocked x 10.0.1.77
tcp_blocked x y@10.0.2.99 80
check_grew "drops.no_host grows (10.0.1.77, 10.0.2.99)" "$b" "$(drops no_host)"
ping_blocked x 10.0.200.5          # in the VPC CIDR, in no subnet

diag "ARP: the router answers for any address of the subnet, with its own MAC"
on x ping -n -c 1 -W 1 10.0.1.77 >/dev/null 2>&1
n77=$(on x ip neigh show 10.0.1.77 dev eth0 | awk '{print $3}')
ngw=$(on x ip neigh show 10.0.1.1 dev eth0 | awk '{print $3}')
check_match "x has a neighbour entry (lladdr) for 10.0.1.77" "^([0-9a-f]{2}:){5}[0-9a-f]{2}$" "$n77"
check "10.0.1.77 resolves to the router's MAC (same as 10.0.1.1)" "$ngw" "$n77"
on x ping -n -c 1 -W 1 10.0.1.11 >/dev/null 2>&1
n11=$(on x ip neigh show 10.0.1.11 dev eth0 | awk '{print $3}')
check "a same-subnet peer resolves to the router's MAC too (no L2 between namespaces)" "$ngw" "$n11"
x2mac=$(on x2 cat /sys/class/net/eth0/address)
if [ "$n11" != "$x2mac" ]; then ok "x2's own MAC is not learnt by x"; else not_ok "x2's own MAC is not learnt by x (expected router MAC, got x2's $x2mac)"; fi

diag "no broadcast"
b=$(drops broadcast)
out=$(on x ping -n -b -c 2 -i 0.3 -W 1 10.0.1.255 2>&1); rc=$?
if [ "$rc" -ne 0 ]; then ok "ping to the subnet broadcast gets no reply"; else not_ok "ping to the subnet broadcast gets no reply (expected none, got: $(echo "$out" | grep -m1 'bytes from'))"; fi
check_grew "drops.broadcast grows" "$b" "$(drops broadcast)"

diag "TTL: the VPC router is not a hop"
ttl=$(on x ping -n -c 1 -W 1 10.0.2.10 2>/dev/null | sed -n 's/.*ttl=\([0-9]*\).*/\1/p')
check "reply TTL across subnets (y's 64 unchanged)" "64" "$ttl"
ttl=$(on x ping -n -c 1 -W 1 10.0.1.11 2>/dev/null | sed -n 's/.*ttl=\([0-9]*\).*/\1/p')
check "reply TTL within the subnet" "64" "$ttl"
