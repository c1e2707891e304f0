#!/usr/bin/env bash
# Route tables: longest prefix match between an appliance route and more specific blackhole
# routes, the local route beating 0.0.0.0/0, and a table with no matching route.
# Subnet 'app' routes 0.0.0.0/0 and 10.1.0.0/16 to the instance fw (source_dest_check false)
# and 192.0.2.0/25 and 10.1.5.0/24 to blackhole. fw holds every probed address on its lo, so a
# packet that reaches it is answered: an answer proves the route, silence plus the blackhole
# counter proves the drop. fw does not forward (ip_forward 0): it answers for itself only.
TID=route; . "$(dirname "$0")/lib.sh"

cat >"$T/lab.yaml" <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    subnets:
      - { name: app, cidr: 10.0.1.0/24, route_table: via-fw }
      - { name: edge, cidr: 10.0.2.0/24 }             # no route_table: the main table
      - { name: iso, cidr: 10.0.3.0/24 }              # (which 'mainrt' replaces)
    route_tables:
      - name: via-fw
        routes:
          - { destination: 0.0.0.0/0, target: fw }
          - { destination: 192.0.2.0/25, target: blackhole }
          - { destination: 10.1.0.0/16, target: fw }
          - { destination: 10.1.5.0/24, target: blackhole }
      - name: mainrt
        main: true
        routes:
          - { destination: 203.0.113.0/24, target: fw }
    security_groups:
      - name: open
        inbound:
          - { protocol: all, cidr: 0.0.0.0/0 }
    instances:
      - { name: c, subnet: app, ip: 10.0.1.10, security_groups: [open] }
      - { name: fw, subnet: edge, ip: 10.0.2.10, security_groups: [open], source_dest_check: false }
      - { name: iso, subnet: iso, ip: 10.0.3.10, security_groups: [open] }
EOF
lab_up "$T/lab.yaml"
for a in 192.0.2.200 192.0.2.10 10.1.9.9 10.1.5.5 203.0.113.7 198.51.100.1; do
	ip -n "$LAB-fw" addr add "$a/32" dev lo
done
ip netns exec "$LAB-fw" sysctl -qw net.ipv4.ip_forward=0
# fw answers from addresses on its lo: make its ARP requests carry its own IP (arp_announce 2),
# so this test is about routes, not ARP (t_srcdst.sh covers ARP from a foreign sender IP)
ip netns exec "$LAB-fw" sysctl -qw net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.eth0.arp_announce=2

diag "0.0.0.0/0 -> fw vs 192.0.2.0/25 -> blackhole"
ping_ok c 192.0.2.200
tcp_ok c fw@192.0.2.200 80
b=$(drops blackhole); f=$(port_packets fw)
ping_blocked c 192.0.2.10
tcp_blocked c fw@192.0.2.10 80
check_grew "drops.blackhole grows (192.0.2.10 hits the /25 blackhole)" "$b" "$(drops blackhole)"
check_same "fw saw none of the blackholed packets (rx+tx)" "$f" "$(port_packets fw)"

diag "10.1.0.0/16 -> fw vs 10.1.5.0/24 -> blackhole"
ping_ok c 10.1.9.9
b=$(drops blackhole)
ping_blocked c 10.1.5.5
check_grew "drops.blackhole grows (10.1.5.5 hits the /24 blackhole)" "$b" "$(drops blackhole)"
ping_ok c 203.0.113.7

diag "the local route wins over 0.0.0.0/0: c reaches iso directly (fw does not forward)"
ping_ok c iso
tcp_ok c iso 22
tcp_ok iso c 22

diag "a declared main table serves the subnets without route_table; nothing else leaves"
ping_ok iso 203.0.113.7
tcp_ok iso fw@203.0.113.7 443
b=$(drops no_route)
ping_blocked iso 198.51.100.1
ping_blocked iso 192.0.2.200
check_grew "drops.no_route grows" "$b" "$(drops no_route)"
