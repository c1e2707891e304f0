#!/usr/bin/env bash
# Longest prefix match at the edge (issue 3): a route table with 0.0.0.0/0 -> igw and a more
# specific 198.51.100.0/25 -> blackhole. From the public instance, 198.51.100.10 (inside the /25)
# is unreachable and counted as blackhole, 198.51.100.200 (outside it) is reachable. Inbound from
# the blackholed host reaches the instance but its reply is blackholed, so no connection forms.
# The private subnet turns it around: 0.0.0.0/0 -> blackhole with a more specific
# 198.51.100.128/25 -> the NAT gateway: only the upper half of 198.51.100.0/24 is reachable.
TID=elpm; . "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/edge_lib.sh"

cat >"$T/lab.yaml" <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    internet_gateway: true
    subnets:
      - { name: public, cidr: 10.0.0.0/24, route_table: public }
      - { name: natnet, cidr: 10.0.9.0/24, route_table: natnet }
      - { name: private, cidr: 10.0.1.0/24, route_table: private }
    route_tables:
      - name: public
        routes:
          - { destination: 0.0.0.0/0, target: igw }
          - { destination: 198.51.100.0/25, target: blackhole }
      - name: natnet
        routes:
          - { destination: 0.0.0.0/0, target: igw }
      - name: private
        routes:
          - { destination: 0.0.0.0/0, target: blackhole }
          - { destination: 198.51.100.128/25, target: nat }
    security_groups:
      - name: open
        inbound:
          - { protocol: all, cidr: 0.0.0.0/0 }
    nat_gateways:
      - { name: nat, subnet: natnet, elastic_ip: nat-eip }
    instances:
      - { name: web, subnet: public, ip: 10.0.0.10, security_groups: [open] }
      - { name: priv, subnet: private, ip: 10.0.1.10, security_groups: [open] }
elastic_ips:
  - { name: nat-eip, ip: 203.0.113.20 }
  - { name: web-eip, ip: 203.0.113.60, instance: web }
internet:
  hosts:
    - { name: low, ip: 198.51.100.10 }
    - { name: high, ip: 198.51.100.200 }
    - { name: edge, ip: 198.51.100.127 }
    - { name: other, ip: 192.0.2.10 }
EOF
lab_up "$T/lab.yaml"

diag "public: 0.0.0.0/0 -> igw, 198.51.100.0/25 -> blackhole"
b=$(drops blackhole)
tcp_blocked web low 80
ping_blocked web 198.51.100.10
tcp_blocked web edge 80
check_grew "drops.blackhole grows (198.51.100.10 and .127 are in the /25)" "$b" "$(drops blackhole)"
b=$(drops blackhole)
tcp_ok web high 80
ping_ok web 198.51.100.200
udp_ok web high 53
tcp_ok web other 80
check_same "drops.blackhole does not move for .200 and 192.0.2.10" "$b" "$(drops blackhole)"
check_seen "outside the /25" tcp web high 198.51.100.200 203.0.113.60

diag "inbound from the blackholed half: the request arrives, the reply is blackholed"
b=$(drops blackhole)
tcp_blocked low web@203.0.113.60 80
check_grew "drops.blackhole grows (web's SYN-ACK to 198.51.100.10)" "$b" "$(drops blackhole)"
tcp_ok high web@203.0.113.60 80

diag "private: 0.0.0.0/0 -> blackhole, 198.51.100.128/25 -> nat"
b=$(drops blackhole)
tcp_blocked priv low 80
tcp_blocked priv edge 80
tcp_blocked priv other 80
ping_blocked priv 192.0.2.10
check_grew "drops.blackhole grows (everything but 198.51.100.128/25)" "$b" "$(drops blackhole)"
tcp_ok priv high 80
ping_ok priv 198.51.100.200
check_seen "through the NAT" tcp priv high 198.51.100.200 203.0.113.20
