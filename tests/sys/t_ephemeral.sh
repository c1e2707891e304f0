#!/usr/bin/env bash
# Network ACLs are stateless: the reply of an allowed connection is matched against the other
# direction's rules like any packet, so a server subnet must allow the clients' ephemeral ports
# outbound (and a client subnet inbound). srv1's ACL allows tcp 80 in and out but no ephemeral
# range: the SYN gets in, the SYN-ACK is dropped leaving. srv2 is the same plus the ephemeral rule.
TID=eph; . "$(dirname "$0")/lib.sh"

cat >"$T/lab.yaml" <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    subnets:
      - { name: cli, cidr: 10.0.1.0/24 }                         # default ACL
      - { name: srv1, cidr: 10.0.2.0/24, network_acl: no-eph }
      - { name: srv2, cidr: 10.0.3.0/24, network_acl: with-eph }
      - { name: srv3, cidr: 10.0.4.0/24, network_acl: both-eph }
      - { name: srv4, cidr: 10.0.5.0/24, network_acl: udp-no-eph }
    network_acls:
      - name: no-eph
        inbound:
          - { rule: 100, action: allow, protocol: tcp, ports: 80, cidr: 10.0.1.0/24 }
        outbound:
          - { rule: 100, action: allow, protocol: tcp, ports: 80, cidr: 10.0.1.0/24 }
      - name: with-eph
        inbound:
          - { rule: 100, action: allow, protocol: tcp, ports: 80, cidr: 10.0.1.0/24 }
        outbound:
          - { rule: 100, action: allow, protocol: tcp, ports: 80, cidr: 10.0.1.0/24 }
          - { rule: 110, action: allow, protocol: tcp, ports: 1024-65535, cidr: 10.0.1.0/24 }
      - name: both-eph
        inbound:
          - { rule: 100, action: allow, protocol: tcp, ports: 80, cidr: 10.0.1.0/24 }
          - { rule: 110, action: allow, protocol: tcp, ports: 1024-65535, cidr: 10.0.1.0/24 }
          - { rule: 120, action: allow, protocol: udp, ports: 53, cidr: 10.0.1.0/24 }
        outbound:
          - { rule: 100, action: allow, protocol: tcp, ports: 80, cidr: 10.0.1.0/24 }
          - { rule: 110, action: allow, protocol: tcp, ports: 1024-65535, cidr: 10.0.1.0/24 }
          - { rule: 120, action: allow, protocol: udp, ports: 1024-65535, cidr: 10.0.1.0/24 }
      - name: udp-no-eph
        inbound:
          - { rule: 100, action: allow, protocol: udp, ports: 53, cidr: 10.0.1.0/24 }
        outbound:
          - { rule: 100, action: allow, protocol: udp, ports: 53, cidr: 10.0.1.0/24 }
    security_groups:
      - name: open
        inbound:
          - { protocol: all, cidr: 10.0.0.0/16 }
    instances:
      - { name: c, subnet: cli, ip: 10.0.1.10, security_groups: [open] }
      - { name: s1, subnet: srv1, ip: 10.0.2.10, security_groups: [open] }
      - { name: s2, subnet: srv2, ip: 10.0.3.10, security_groups: [open] }
      - { name: s3, subnet: srv3, ip: 10.0.4.10, security_groups: [open] }
      - { name: s4, subnet: srv4, ip: 10.0.5.10, security_groups: [open] }
EOF
lab_up "$T/lab.yaml"

diag "no outbound ephemeral rule on the server subnet: the reply cannot leave"
bi=$(drops nacl_in); bo=$(drops nacl_out)
tcp_blocked c s1 80
check_grew "drops.nacl_out grows (SYN-ACK to an ephemeral port)" "$bo" "$(drops nacl_out)"
check_same "drops.nacl_in unchanged (the SYN itself was allowed in)" "$bi" "$(drops nacl_in)"

diag "with the outbound ephemeral rule: works"
tcp_ok c s2 80
tcp_ok c s2 80
tcp_blocked c s2 81           # only port 80 may come in

diag "server-initiated: the reply into srv2 needs an inbound ephemeral rule"
tcp_blocked s2 c 80
tcp_ok s3 c 80

diag "udp too: the answer to an ephemeral port needs its own outbound rule"
udp_reply_blocked c s4 53
udp_reply_ok c s3 53
