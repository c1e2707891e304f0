#!/usr/bin/env bash
# Security groups with real traffic: stateful replies need no outbound rule (`outbound: []`
# still answers an allowed inbound connection but starts nothing); group references match the
# members of the referenced group (several groups on one interface merge); the implicit `default`
# group admits only its own members and lets everything out. All subnets use the default ACL.
TID=sg; . "$(dirname "$0")/lib.sh"

cat >"$T/lab.yaml" <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    subnets:
      - { name: a, cidr: 10.0.1.0/24 }
      - { name: b, cidr: 10.0.2.0/24 }
    security_groups:
      - name: web
        inbound:
          - { protocol: tcp, ports: 80, cidr: 0.0.0.0/0 }
      - name: db
        inbound:
          - { protocol: tcp, ports: 5432, group: web }
      - name: quiet                      # answers, never starts
        inbound:
          - { protocol: tcp, ports: 80, cidr: 10.0.0.0/16 }
          - { protocol: icmp, cidr: 10.0.0.0/16 }
        outbound: []
      - name: other
        inbound:
          - { protocol: tcp, ports: 9000, cidr: 10.0.0.0/16 }
    instances:
      - { name: web, subnet: a, ip: 10.0.1.10, security_groups: [web] }
      - { name: web2, subnet: b, ip: 10.0.2.11, security_groups: [other, web] }
      - { name: other, subnet: a, ip: 10.0.1.20, security_groups: [other] }
      - { name: db, subnet: b, ip: 10.0.2.10, security_groups: [db] }
      - { name: quiet, subnet: b, ip: 10.0.2.30, security_groups: [quiet] }
      - { name: d1, subnet: a, ip: 10.0.1.40 }          # no groups: default
      - { name: d2, subnet: b, ip: 10.0.2.40 }          # no groups: default
EOF
lab_up "$T/lab.yaml"

diag "group reference: db admits tcp 5432 from members of 'web' only"
tcp_ok web db 5432
tcp_ok web2 db 5432            # 'web' as its second group, same subnet as db
b=$(drops sg_ingress)
tcp_blocked other db 5432
check_grew "drops.sg_ingress grows (other -> db:5432)" "$b" "$(drops sg_ingress)"
tcp_blocked d1 db 5432
tcp_blocked web db 5433        # right group, wrong port
ping_blocked web db            # no icmp rule
tcp_ok db web 80               # web: tcp 80 from anywhere; db: outbound all (absent)
tcp_ok d2 web 80

diag "stateful: outbound [] still answers allowed inbound connections"
tcp_ok web quiet 80
tcp_ok other quiet 80
ping_ok d1 quiet
b=$(drops sg_egress)
tcp_blocked quiet web 80
ping_blocked quiet web
udp_blocked quiet d2 53
check_grew "drops.sg_egress grows (quiet starts a connection)" "$b" "$(drops sg_egress)"
tcp_blocked web quiet 81       # inbound only 80

diag "default group: members talk on any port and protocol, others are refused"
tcp_ok d1 d2 22
tcp_ok d1 d2 40000
tcp_ok d2 d1 8080
udp_ok d1 d2 5353
ping_ok d1 d2
ping_ok d2 d1
b=$(drops sg_ingress)
tcp_blocked other d1 22
tcp_blocked web d2 8080
ping_blocked other d1
check_grew "drops.sg_ingress grows (non-members -> default)" "$b" "$(drops sg_ingress)"
tcp_ok d1 other 9000           # default lets everything out; 'other' admits 9000
