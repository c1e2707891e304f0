#!/usr/bin/env bash
# Isolation between VPCs: with no route between them, nothing crosses (no_route). Two VPCs may
# even have the same CIDR (10.0.0.0/16 in blue and green): an instance reaches only its own VPC's
# host at a given IP, never the twin in the other VPC. Listeners run in both twins at once and
# the test asserts which one received the line.
TID=iso; . "$(dirname "$0")/lib.sh"

cat >"$T/lab.yaml" <<EOF
name: $LAB
vpcs:
  - name: blue
    cidr: 10.0.0.0/16
    subnets:
      - { name: blue-a, cidr: 10.0.1.0/24 }
      - { name: blue-b, cidr: 10.0.2.0/24 }
    security_groups:
      - name: blue-open
        inbound:
          - { protocol: all, cidr: 0.0.0.0/0 }
    instances:
      - { name: b1, subnet: blue-a, ip: 10.0.1.10, security_groups: [blue-open] }
      - { name: b2, subnet: blue-a, ip: 10.0.1.20, security_groups: [blue-open] }
      - { name: b3, subnet: blue-b, ip: 10.0.2.10, security_groups: [blue-open] }
  - name: green
    cidr: 10.0.0.0/16
    subnets:
      - { name: green-a, cidr: 10.0.1.0/24 }
      - { name: green-b, cidr: 10.0.2.0/24 }
    security_groups:
      - name: green-open
        inbound:
          - { protocol: all, cidr: 0.0.0.0/0 }
    instances:
      - { name: g1, subnet: green-a, ip: 10.0.1.10, security_groups: [green-open] }
      - { name: g2, subnet: green-a, ip: 10.0.1.20, security_groups: [green-open] }
      - { name: g3, subnet: green-b, ip: 10.0.2.10, security_groups: [green-open] }
  - name: other
    cidr: 10.1.0.0/16
    subnets:
      - { name: other-a, cidr: 10.1.1.0/24 }
    security_groups:
      - name: other-open
        inbound:
          - { protocol: all, cidr: 0.0.0.0/0 }
    instances:
      - { name: o1, subnet: other-a, ip: 10.1.1.10, security_groups: [other-open] }
EOF
lab_up "$T/lab.yaml"

diag "overlapping CIDRs: each instance reaches its own VPC's host at the same IP"
check "blue b1 -> 10.0.1.20 reaches b2 only (same subnet)" "b2" "$(tcp_reaches b1 10.0.1.20 7000 b2 g2)"
check "green g1 -> 10.0.1.20 reaches g2 only (same subnet)" "g2" "$(tcp_reaches g1 10.0.1.20 7000 b2 g2)"
check "blue b1 -> 10.0.2.10 reaches b3 only (routed)" "b3" "$(tcp_reaches b1 10.0.2.10 7001 b3 g3)"
check "green g1 -> 10.0.2.10 reaches g3 only (routed)" "g3" "$(tcp_reaches g1 10.0.2.10 7001 b3 g3)"
check "green g3 -> 10.0.1.10 reaches g1 only" "g1" "$(tcp_reaches g3 10.0.1.10 7002 b1 g1)"
check "blue b2 -> 10.0.1.10 reaches b1 only" "b1" "$(tcp_reaches b2 10.0.1.10 7002 b1 g1)"
ping_ok b1 10.0.1.20
ping_ok g3 10.0.1.10

diag "no route between VPCs: nothing crosses"
b=$(drops no_route)
tcp_blocked b1 o1 80
ping_blocked b1 o1
tcp_blocked o1 b1@10.0.1.10 80
tcp_blocked o1 g1@10.0.1.10 80
ping_blocked o1 10.0.1.10
udp_blocked g3 o1 53
check_grew "drops.no_route grows" "$b" "$(drops no_route)"
