#!/usr/bin/env bash
# Network ACLs with real traffic: same-subnet traffic skips them; a declared ACL without rules
# denies everything across the subnet boundary; rules are evaluated lowest number first and the
# first match decides; CIDR and ICMP type matching; the VPC's default ACL allows everything.
# Every instance has SG `open` (everything from the VPC) so only the ACLs decide.
TID=nacl; . "$(dirname "$0")/lib.sh"

cat >"$T/lab.yaml" <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    subnets:
      - { name: closed, cidr: 10.0.1.0/24, network_acl: deny-all }
      - { name: order, cidr: 10.0.2.0/24, network_acl: order }
      - { name: open, cidr: 10.0.3.0/24 }             # default ACL
      - { name: open2, cidr: 10.0.4.0/24 }            # default ACL
      - { name: tcponly, cidr: 10.0.5.0/24, network_acl: tcp-icmp }
      - { name: nohost, cidr: 10.0.6.0/24, network_acl: deny-host }
    network_acls:
      - name: deny-all                                # declared without rules: denies everything
      - name: order
        inbound:
          - { rule: 100, action: deny,  protocol: tcp, ports: 8080, cidr: 0.0.0.0/0 }
          - { rule: 110, action: allow, protocol: tcp, ports: 8081, cidr: 0.0.0.0/0 }
          - { rule: 200, action: allow, protocol: tcp, ports: 8080, cidr: 0.0.0.0/0 }
          - { rule: 210, action: deny,  protocol: tcp, ports: 8081, cidr: 0.0.0.0/0 }
          - { rule: 300, action: allow, protocol: 17, cidr: 10.0.3.0/24 }   # 17 = udp
        outbound:
          - { rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0 }
      - name: tcp-icmp
        inbound:
          - { rule: 100, action: allow, protocol: tcp, cidr: 0.0.0.0/0 }
          - { rule: 110, action: allow, protocol: icmp, icmp_type: 8, cidr: 10.0.3.0/24 }
        outbound:
          - { rule: 100, action: allow, protocol: tcp, cidr: 0.0.0.0/0 }
          - { rule: 110, action: allow, protocol: icmp, icmp_type: 0, cidr: 10.0.3.0/24 }
      - name: deny-host                               # block one address, allow the rest
        inbound:
          - { rule: 90, action: deny, protocol: all, cidr: 10.0.3.10/32 }
          - { rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0 }
        outbound:
          - { rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0 }
    security_groups:
      - name: open
        inbound:
          - { protocol: all, cidr: 10.0.0.0/16 }
    instances:
      - { name: c1, subnet: closed, ip: 10.0.1.10, security_groups: [open] }
      - { name: c2, subnet: closed, ip: 10.0.1.11, security_groups: [open] }
      - { name: o1, subnet: order, ip: 10.0.2.10, security_groups: [open] }
      - { name: x1, subnet: open, ip: 10.0.3.10, security_groups: [open] }
      - { name: x2, subnet: open2, ip: 10.0.4.10, security_groups: [open] }
      - { name: t1, subnet: tcponly, ip: 10.0.5.10, security_groups: [open] }
      - { name: h1, subnet: nohost, ip: 10.0.6.10, security_groups: [open] }
EOF
lab_up "$T/lab.yaml"

diag "same subnet skips the ACL: deny-all on 'closed', c1 and c2 still talk"
tcp_ok c1 c2 5000
tcp_ok c2 c1 22
udp_ok c1 c2 5353
ping_ok c1 c2

diag "across the boundary the deny-all ACL applies, both directions"
b=$(drops nacl_in)
tcp_blocked x1 c1 5000
ping_blocked x1 c1
check_grew "drops.nacl_in grows (into 'closed')" "$b" "$(drops nacl_in)"
b=$(drops nacl_out)
tcp_blocked c1 x1 5000
udp_blocked c2 x1 5353
check_grew "drops.nacl_out grows (out of 'closed')" "$b" "$(drops nacl_out)"

diag "rule order: lowest number first, first match decides"
tcp_blocked x1 o1 8080      # 100 deny before 200 allow
tcp_ok x1 o1 8081           # 110 allow before 210 deny
tcp_blocked x1 o1 8082      # no rule: the implicit deny
udp_ok x1 o1 9000           # 300 allow udp from 10.0.3.0/24
udp_blocked x2 o1 9000      # ... but not from 10.0.4.0/24

diag "a deny for one host's /32 before a broad allow"
tcp_blocked x1 h1 80
ping_blocked x1 h1
tcp_ok x2 h1 80
ping_ok x2 h1
tcp_ok h1 x2 80

diag "ICMP type rules: echo request in from 10.0.3.0/24 only, echo reply out"
ping_ok x1 t1
b=$(drops nacl_in)
ping_blocked x2 t1
check_grew "drops.nacl_in grows for the ping from 10.0.4.0/24" "$b" "$(drops nacl_in)"
tcp_ok x2 t1 443
udp_blocked x1 t1 53        # tcp and icmp only

diag "the default ACL allows everything, both ways"
b=$(drops nacl_in); b2=$(drops nacl_out)
tcp_ok x1 x2 22
tcp_ok x1 x2 40000
tcp_ok x2 x1 80
udp_ok x1 x2 53
udp_ok x2 x1 40001
ping_ok x1 x2
ping_ok x2 x1
check_same "drops.nacl_in unchanged by default-ACL traffic" "$b" "$(drops nacl_in)"
check_same "drops.nacl_out unchanged by default-ACL traffic" "$b2" "$(drops nacl_out)"
