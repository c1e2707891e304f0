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
      - name: app                        # restricted outbound, one rule by group reference
        outbound:
          - { protocol: tcp, ports: 80, cidr: 0.0.0.0/0 }
          - { protocol: tcp, ports: 5432, group: db }
      - name: db-open
        inbound:
          - { protocol: tcp, ports: 22, cidr: 10.0.0.0/16 }
          - { protocol: tcp, ports: 5432, cidr: 10.0.0.0/16 }
      - name: peers                      # refers to itself: members talk to members
        inbound:
          - { protocol: all, group: peers }
      - name: udpsrv                     # answers udp 53, starts nothing
        inbound:
          - { protocol: udp, ports: 53, cidr: 10.0.0.0/16 }
        outbound: []
    instances:
      - { name: web, subnet: a, ip: 10.0.1.10, security_groups: [web] }
      - { name: web2, subnet: b, ip: 10.0.2.11, security_groups: [other, web] }
      - { name: other, subnet: a, ip: 10.0.1.20, security_groups: [other] }
      - { name: db, subnet: b, ip: 10.0.2.10, security_groups: [db] }
      - { name: quiet, subnet: b, ip: 10.0.2.30, security_groups: [quiet] }
      - { name: d1, subnet: a, ip: 10.0.1.40 }          # no groups: default
      - { name: d2, subnet: b, ip: 10.0.2.40 }          # no groups: default
      - { name: app, subnet: a, ip: 10.0.1.50, security_groups: [app] }
      - { name: db2, subnet: b, ip: 10.0.2.20, security_groups: [db, db-open] }
      - { name: dns, subnet: b, ip: 10.0.2.53, security_groups: [udpsrv] }
      - { name: k1, subnet: a, ip: 10.0.1.60, security_groups: [peers] }
      - { name: k2, subnet: b, ip: 10.0.2.60, security_groups: [peers] }
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
udp_reply_ok d1 dns 53         # udp answer with outbound []
b=$(drops sg_egress)
udp_blocked dns d1 53
check_grew "drops.sg_egress grows (dns starts a udp flow)" "$b" "$(drops sg_egress)"

diag "restricted outbound: app may send tcp 80 anywhere and tcp 5432 to members of 'db'"
tcp_ok app web 80
tcp_ok app db2 5432            # db2 is in 'db' (egress by group) and 'db-open' (ingress)
b=$(drops sg_egress)
tcp_blocked app db2 22         # db2 would admit 22, app may not send it
tcp_blocked app other 9000
ping_blocked app web
check_grew "drops.sg_egress grows (app's restricted outbound)" "$b" "$(drops sg_egress)"
tcp_ok d1 db2 22               # the same port from a sender with open outbound

diag "a group that refers to itself"
tcp_ok k1 k2 5000
udp_ok k2 k1 5001
ping_ok k1 k2
tcp_blocked d1 k1 5000
tcp_blocked d2 k2 5000

diag "security groups apply inside a subnet too"
tcp_blocked d1 web 22          # same subnet a, web admits only 80
tcp_ok other web 80

diag "a port the SG admits with nothing listening answers RST; a refused port stays silent"
check "d1 -> web:80 (allowed, no listener)" "refused" "$(tcp_probe d1 10.0.1.10 80)"
check "d1 -> web:22 (not allowed by web)" "silent" "$(tcp_probe d1 10.0.1.10 22)"

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
