#!/usr/bin/env bash
# ICMP in security groups: ping is answered only when an inbound rule admits ICMP echo request
# (type 8): protocol icmp with no type (all), or type 8 from the right CIDR. A tcp-only group or
# an echo-reply-only rule (type 0) does not admit it. Default ACLs everywhere.
TID=icmp; . "$(dirname "$0")/lib.sh"

cat >"$T/lab.yaml" <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    subnets:
      - { name: a, cidr: 10.0.1.0/24 }
      - { name: b, cidr: 10.0.2.0/24 }
      - { name: c, cidr: 10.0.3.0/24 }
    security_groups:
      - name: client                     # inbound none, outbound all
      - name: all-icmp
        inbound:
          - { protocol: icmp, cidr: 10.0.0.0/16 }
      - name: echo-from-a
        inbound:
          - { protocol: icmp, icmp_type: 8, cidr: 10.0.1.0/24 }
      - name: reply-only
        inbound:
          - { protocol: icmp, icmp_type: 0, cidr: 10.0.0.0/16 }
      - name: tcp-only
        inbound:
          - { protocol: tcp, cidr: 10.0.0.0/16 }
      - name: proto-1
        inbound:
          - { protocol: 1, cidr: 10.0.0.0/16 }         # 1 = icmp, as a number
      - name: all-proto
        inbound:
          - { protocol: all, cidr: 10.0.1.0/24 }
    instances:
      - { name: ca, subnet: a, ip: 10.0.1.10, security_groups: [client] }
      - { name: cc, subnet: c, ip: 10.0.3.10, security_groups: [client] }
      - { name: pall, subnet: b, ip: 10.0.2.10, security_groups: [all-icmp] }
      - { name: p8, subnet: b, ip: 10.0.2.11, security_groups: [echo-from-a] }
      - { name: p0, subnet: b, ip: 10.0.2.12, security_groups: [reply-only] }
      - { name: ptcp, subnet: b, ip: 10.0.2.13, security_groups: [tcp-only] }
      - { name: pany, subnet: b, ip: 10.0.2.14, security_groups: [all-proto] }
      - { name: pnum, subnet: b, ip: 10.0.2.15, security_groups: [proto-1] }
EOF
lab_up "$T/lab.yaml"

ping_ok ca pall
ping_ok cc pall
ping_ok ca p8
ping_blocked cc p8               # type 8 admitted from 10.0.1.0/24 only
b=$(drops sg_ingress)
ping_blocked ca p0               # echo-reply rule does not admit echo requests
ping_blocked ca ptcp             # tcp-only
check_grew "drops.sg_ingress grows for refused pings" "$b" "$(drops sg_ingress)"
tcp_ok ca ptcp 22                # ...while tcp passes
ping_ok ca pany                  # protocol all includes icmp
ping_blocked cc pany
ping_ok cc pnum                  # protocol 1
tcp_blocked cc pnum 22
ping_ok ca pall -s 1400          # a bigger echo, same rule
