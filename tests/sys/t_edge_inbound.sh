#!/usr/bin/env bash
# Inbound from the internet (issue 3): an elastic IP admits exactly what the instance's security
# groups and its subnet's network ACL admit (SG miss -> sg_ingress, NACL deny -> nacl_in, source
# CIDR honoured). There is no path to a private instance: not to its private IP (inet_no_host or
# an IGW drop), not through the NAT gateway's elastic IP on any port or protocol
# (nat_no_mapping), and an address that maps to nothing is dropped (igw_no_mapping). Outbound, an
# instance without a public IP cannot use the internet even with a 0.0.0.0/0 -> igw route
# (igw_no_public_ip), and an instance with a public IP in a subnet without an igw route cannot
# either (no_route), nor can the internet complete a connection to it.
TID=einb; . "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/edge_lib.sh"

cat >"$T/lab.yaml" <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    internet_gateway: true
    subnets:
      - { name: public, cidr: 10.0.0.0/24, route_table: public, network_acl: pub-acl }
      - { name: private, cidr: 10.0.1.0/24, route_table: private }
      - { name: iso, cidr: 10.0.3.0/24 }                  # main table: local route only
    route_tables:
      - name: public
        routes:
          - { destination: 0.0.0.0/0, target: igw }
      - name: private
        routes:
          - { destination: 0.0.0.0/0, target: nat }
    network_acls:
      - name: pub-acl
        inbound:
          - { rule: 90, action: deny, protocol: tcp, ports: 23, cidr: 0.0.0.0/0 }
          - { rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0 }
        outbound:
          - { rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0 }
    security_groups:
      - name: web
        inbound:
          - { protocol: tcp, ports: 80, cidr: 0.0.0.0/0 }
          - { protocol: tcp, ports: 23, cidr: 0.0.0.0/0 }        # the NACL denies it anyway
          - { protocol: tcp, ports: 22, cidr: 198.51.100.0/24 }
          - { protocol: udp, ports: 5353, cidr: 0.0.0.0/0 }
      - name: open
        inbound:
          - { protocol: all, cidr: 0.0.0.0/0 }
    nat_gateways:
      - { name: nat, subnet: public, elastic_ip: nat-eip }
    instances:
      - { name: web, subnet: public, ip: 10.0.0.10, security_groups: [web] }
      - { name: nopub, subnet: public, ip: 10.0.0.11, security_groups: [open] }
      - { name: db, subnet: private, ip: 10.0.1.10, security_groups: [open] }
      - { name: isoi, subnet: iso, ip: 10.0.3.10, security_groups: [open], public_ip: true }
elastic_ips:
  - { name: nat-eip, ip: 203.0.113.20 }
  - { name: web-eip, ip: 203.0.113.60, instance: web }
  - { name: spare, ip: 203.0.113.61 }                    # allocated, associated with nothing
internet:
  hosts:
    - { name: ext, ip: 198.51.100.10 }
    - { name: far, ip: 192.0.2.10 }
EOF
lab_up "$T/lab.yaml"

diag "elastic IP: what the security group and the network ACL admit, nothing more"
tcp_ok ext web@203.0.113.60 80
udp_ok ext web@203.0.113.60 5353
tcp_ok ext web@203.0.113.60 22
b=$(drops sg_ingress)
tcp_blocked ext web@203.0.113.60 8080
check_grew "drops.sg_ingress grows (no SG rule for tcp 8080)" "$b" "$(drops sg_ingress)"
b=$(drops sg_ingress)
tcp_blocked far web@203.0.113.60 22
check_grew "drops.sg_ingress grows (tcp 22 only from 198.51.100.0/24; far is 192.0.2.10)" "$b" "$(drops sg_ingress)"
b=$(drops sg_ingress)
ping_blocked ext 203.0.113.60
check_grew "drops.sg_ingress grows (no ICMP rule: the EIP does not answer ping)" "$b" "$(drops sg_ingress)"
b=$(drops nacl_in); s=$(drops sg_ingress)
tcp_blocked ext web@203.0.113.60 23
check_grew "drops.nacl_in grows (NACL rule 90 denies tcp 23 before rule 100)" "$b" "$(drops nacl_in)"
check_same "drops.sg_ingress did not move (the NACL decided first)" "$s" "$(drops sg_ingress)"

diag "no path from the internet to a private address"
b=$(drops_sum inet_no_host igw_private_dst igw_no_mapping no_route)
tcp_blocked ext web@10.0.0.10 80
tcp_blocked ext db@10.0.1.10 5432
ping_blocked ext 10.0.1.10
check_grew "inet_no_host/igw drops grow (internet -> private IPs)" "$b" "$(drops_sum inet_no_host igw_private_dst igw_no_mapping no_route)"

diag "the NAT gateway's elastic IP passes nothing inbound"
b=$(drops nat_no_mapping); p=$(nat_get "$LAB" nat PacketsDropCount)
for port in 22 80 5432 1024 40000; do tcp_blocked ext db@203.0.113.20 "$port"; done
udp_blocked ext db@203.0.113.20 53
ping_blocked ext 203.0.113.20
check_grew "drops.nat_no_mapping grows (internet -> NAT EIP)" "$b" "$(drops nat_no_mapping)"
check_grew "NAT PacketsDropCount grows" "$p" "$(nat_get "$LAB" nat PacketsDropCount)"
check "NAT ConnectionAttemptCount stays 0 (nothing inbound is an attempt)" 0 "$(nat_get "$LAB" nat ConnectionAttemptCount)"

diag "addresses that map to nothing"
b=$(drops igw_no_mapping)
tcp_blocked ext web@203.0.113.61 80
ping_blocked ext 203.0.113.61
check_grew "drops.igw_no_mapping grows (elastic IP 'spare' is associated with nothing)" "$b" "$(drops igw_no_mapping)"
b=$(drops_sum igw_no_mapping inet_no_host)
tcp_blocked ext web@203.0.113.99 80
check_grew "igw_no_mapping or inet_no_host grows (203.0.113.99: in the pool, never handed out)" "$b" "$(drops_sum igw_no_mapping inet_no_host)"

diag "no public IP: no internet, even with a route to the igw"
b=$(drops igw_no_public_ip)
tcp_blocked nopub ext 80
ping_blocked nopub 198.51.100.10
check_grew "drops.igw_no_public_ip grows" "$b" "$(drops igw_no_public_ip)"
check "nopub has no public IP" null "$(public_ip_of nopub)"

diag "a public IP in a subnet without an igw route: no internet either way"
ISO=$(public_ip_of isoi)
if in_cidr "$ISO" 203.0.113.0/24; then ok "isoi (public_ip: true) got a public IP ($ISO)"
else not_ok "isoi (public_ip: true) got a public IP (expected one in 203.0.113.0/24, got '$ISO')"; fi
b=$(drops no_route)
tcp_blocked isoi ext 80
check_grew "drops.no_route grows (isoi -> internet)" "$b" "$(drops no_route)"
tcp_blocked ext "isoi@$ISO" 80

diag "and the allowed paths still work after all that"
tcp_ok ext web@203.0.113.60 80
tcp_ok db ext 80
tcp_ok web ext 443
