#!/usr/bin/env bash
# Source/destination check: an instance may only send with its own private IP as source. s1
# (check on, the default) and s2 (source_dest_check false) each get a second address on eth0
# inside their namespace and send from it: s1's spoofed packets are dropped (srcdst_check),
# s2's pass. The receivers admit everything (SG open), so only the check decides. s1 and s2 use
# arp_announce=2 (ARP always from their own IP) so that those checks do not depend on ARP; s3
# keeps the default and sends its very first packet from a loopback address: with the check off
# the router must still answer its ARP (sender IP = that address) for the packet to leave.
TID=sdc; . "$(dirname "$0")/lib.sh"

cat >"$T/lab.yaml" <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    subnets:
      - { name: a, cidr: 10.0.1.0/24 }
      - { name: b, cidr: 10.0.2.0/24 }
    security_groups:
      - name: open
        inbound:
          - { protocol: all, cidr: 0.0.0.0/0 }
    instances:
      - { name: s1, subnet: a, ip: 10.0.1.10, security_groups: [open] }
      - { name: s2, subnet: a, ip: 10.0.1.11, security_groups: [open], source_dest_check: false }
      - { name: r, subnet: b, ip: 10.0.2.10, security_groups: [open] }
      - { name: r2, subnet: a, ip: 10.0.1.20, security_groups: [open] }
      - { name: s3, subnet: a, ip: 10.0.1.12, security_groups: [open], source_dest_check: false }
EOF
lab_up "$T/lab.yaml"
ip -n "$LAB-s1" addr add 10.0.1.99/32 dev eth0
ip -n "$LAB-s1" addr add 198.51.100.9/32 dev lo
ip -n "$LAB-s2" addr add 10.0.1.98/32 dev eth0
ip -n "$LAB-s2" addr add 198.51.100.7/32 dev lo
ip -n "$LAB-s3" addr add 203.0.113.9/32 dev lo
for n in s1 s2; do
	ip netns exec "$LAB-$n" sysctl -qw net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.eth0.arp_announce=2
done

diag "own address: fine"
udp_ok s1 r 7000
tcp_ok s1 r 7001

diag "spoofed source with the check on: dropped"
b=$(drops srcdst_check)
udp_blocked s1 r 7000 10.0.1.99
tcp_blocked s1 r 7001 10.0.1.99
ping_blocked s1 r -I 10.0.1.99
udp_blocked s1 r 7002 198.51.100.9
udp_blocked s1 r2 7003 10.0.1.99     # also inside the subnet
check_grew "drops.srcdst_check grows" "$b" "$(drops srcdst_check)"
sd_s1=$(status_get "$LAB" port.s1.source_dest_check)
check "status shows s1 source_dest_check true" "True" "$sd_s1"

diag "spoofed source with source_dest_check false: passes"
b=$(drops srcdst_check)
udp_ok s2 r 7000 10.0.1.98
udp_ok s2 r 7004 198.51.100.7
udp_ok s2 r2 7005 10.0.1.98
check_same "drops.srcdst_check unchanged for s2" "$b" "$(drops srcdst_check)"
check "status shows s2 source_dest_check false" "False" "$(status_get "$LAB" port.s2.source_dest_check)"
udp_ok s2 r 7006

diag "ARP with a foreign sender IP from an instance whose check is off"
b=$(drops bad_arp)
udp_ok s3 r 7007 203.0.113.9
check_same "drops.bad_arp unchanged (s3's ARP for its gateway, sender 203.0.113.9, answered)" "$b" "$(drops bad_arp)"
