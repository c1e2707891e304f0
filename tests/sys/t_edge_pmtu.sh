#!/usr/bin/env bash
# Traceroute and path MTU discovery through the NAT gateway (issue 3).
# Traceroute: the NAT gateway is a hop (it decrements TTL and answers Time Exceeded from its
# private IP); the VPC router is not. Probed with ping -t (and tracepath when installed) and with
# UDP probes whose ICMP errors are read through IP_RECVERR: TTL 1 -> Time Exceeded from the NAT's
# private IP, TTL 2 -> Port Unreachable from the internet host, translated back through the NAT.
# PMTUD: instances have MTU 9001, the internet gateway 1500. ext advertises a jumbo MSS (advmss on
# its route) so TCP really sends 9000-byte segments: the router answers fragmentation-needed, the
# instance learns PMTU 1500 (route cache) and a 20 MB upload completes, but only where the
# security group and network ACL admit ICMP type 3 (AWS: no inbound ICMP rule, no PMTUD): 'blind'
# has no such SG rule and its upload stalls. ping -M do -s 2000 gets "Frag needed (mtu = 1500)".
TID=epmtu; . "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/edge_lib.sh"

cat >"$T/lab.yaml" <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    internet_gateway: true
    subnets:
      - { name: public, cidr: 10.0.0.0/24, route_table: public }
      - { name: private, cidr: 10.0.1.0/24, route_table: private, network_acl: priv-acl }
    route_tables:
      - name: public
        routes:
          - { destination: 0.0.0.0/0, target: igw }
      - name: private
        routes:
          - { destination: 0.0.0.0/0, target: nat }
    network_acls:
      - name: priv-acl                  # AWS's advice (reference 3.5): ICMP 3/4 for PMTUD, 11/0 for traceroute
        inbound:
          - { rule: 100, action: allow, protocol: tcp, ports: 1024-65535, cidr: 0.0.0.0/0 }
          - { rule: 110, action: allow, protocol: udp, ports: 1024-65535, cidr: 0.0.0.0/0 }
          - { rule: 120, action: allow, protocol: icmp, icmp_type: 3, icmp_code: 4, cidr: 0.0.0.0/0 }
          - { rule: 130, action: allow, protocol: icmp, icmp_type: 11, icmp_code: 0, cidr: 0.0.0.0/0 }
          - { rule: 140, action: allow, protocol: icmp, icmp_type: 3, icmp_code: 3, cidr: 0.0.0.0/0 }
          - { rule: 150, action: allow, protocol: icmp, icmp_type: 0, cidr: 0.0.0.0/0 }
        outbound:
          - { rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0 }
    security_groups:
      - name: icmp-errors
        inbound:
          - { protocol: icmp, icmp_type: 3, cidr: 0.0.0.0/0 }
          - { protocol: icmp, icmp_type: 11, icmp_code: 0, cidr: 0.0.0.0/0 }
    nat_gateways:
      - { name: nat, subnet: public, elastic_ip: nat-eip }
    instances:
      - { name: pub, subnet: public, ip: 10.0.0.10, security_groups: [icmp-errors] }
      - { name: priv, subnet: private, ip: 10.0.1.10, security_groups: [icmp-errors] }
      - { name: blind, subnet: private, ip: 10.0.1.11 }        # default SG: no ICMP from outside
elastic_ips:
  - { name: nat-eip, ip: 203.0.113.20 }
  - { name: pub-eip, ip: 203.0.113.60, instance: pub }
internet:
  hosts:
    - { name: ext, ip: 198.51.100.10 }
EOF
lab_up "$T/lab.yaml"
NATIP=$(nat_get "$LAB" nat private_ip)
if in_cidr "$NATIP" 10.0.0.0/24; then ok "the NAT gateway has a private IP in its subnet ($NATIP)"
else not_ok "the NAT gateway has a private IP in its subnet (expected one in 10.0.0.0/24, got '$NATIP')"; fi
check "instance MTU 9001" 9001 "$(on priv cat /sys/class/net/eth0/mtu)"

diag "traceroute: the NAT gateway is hop 1, the internet host hop 2"
out=$(on priv ping -n -c 1 -t 1 -W 2 198.51.100.10 2>&1)
check_match "ping -t 1 from priv: Time to live exceeded from the NAT's private IP" "From $NATIP .*Time to live exceeded" "$out"
out=$(on priv ping -n -c 1 -t 2 -W 2 198.51.100.10 2>&1)
check_match "ping -t 2 from priv: ext answers (the NAT is the only hop)" "bytes from 198.51.100.10" "$out"
check "udp probe TTL 1 from priv: Time Exceeded (11/0) from the NAT" "11 0 $NATIP" "$(edge priv udp-probe 198.51.100.10 33434 1 2)"
check "udp probe TTL 2 from priv: Port Unreachable (3/3) from ext, translated back" "3 3 198.51.100.10" \
	"$(edge priv udp-probe 198.51.100.10 33435 2 2)"
check "udp probe TTL 1 from pub: the VPC router is no hop, ext answers 3/3" "3 3 198.51.100.10" \
	"$(edge pub udp-probe 198.51.100.10 33436 1 2)"
if command -v tracepath >/dev/null; then
	out=$(on priv timeout 20 tracepath -n -m 3 198.51.100.10 2>&1)
	check_match "tracepath: hop 1 is the NAT gateway" "^ 1: +$NATIP" "$out"
elif command -v traceroute >/dev/null; then
	out=$(on priv timeout 20 traceroute -n -I -m 3 -w 1 198.51.100.10 2>&1)
	check_match "traceroute -I: hop 1 is the NAT gateway" "^ 1 +$NATIP" "$out"
else
	diag "neither tracepath nor traceroute installed: the ping/UDP probes above stand in"
fi
b=$(drops sg_ingress)
out=$(on blind ping -n -c 1 -t 1 -W 2 198.51.100.10 2>&1)
check_nomatch "blind (no SG rule for ICMP): no Time Exceeded reaches it" "Time to live exceeded" "$out"
check "blind's udp probe TTL 1: nothing comes back" none "$(edge blind udp-probe 198.51.100.10 33437 1 2)"
check_grew "drops.sg_ingress grows (the errors stopped at blind's SG)" "$b" "$(drops sg_ingress)"

diag "path MTU discovery: a 20 MB upload with jumbo segments from priv through the NAT"
ip -n "$LAB-ext" route change default dev eth0 advmss 8960   # ext invites 8960-byte segments
on priv ip route flush cache >/dev/null 2>&1
check_nomatch "no PMTU cached before" "mtu 1500" "$(on priv ip route get 198.51.100.10)"
m=$(drops mtu_exceeded)
edge_bg "$T/sink" ext sink 7100 20
_wait_listen "$LAB-ext" tcp 7100
up=$(edge priv upload 198.51.100.10 7100 20000000 20)
wait_sink() { local i; for i in $(seq 1 100); do [ -s "$1" ] && break; sleep 0.1; done; head -n 1 "$1"; }
check "ext received all 20000000 bytes" 20000000 "$(wait_sink "$T/sink")"
check_match "priv's upload completed" "^sent 20000000 " "$up"
check_match "priv learned PMTU 1500 (route cache)" "mtu 1500" "$(on priv ip route get 198.51.100.10)"
check_grew "drops.mtu_exceeded grows (the jumbo segments were refused at the IGW)" "$m" "$(drops mtu_exceeded)"

diag "the same upload from blind: fragmentation-needed is dropped by its SG, the transfer stalls"
edge_bg "$T/sink2" ext sink 7101 10
_wait_listen "$LAB-ext" tcp 7101
up=$(edge blind upload 198.51.100.10 7101 20000000 5)
check_match "blind's upload stalls (PMTUD blocked by the SG, as in AWS)" "^stalled " "$up"
got=$(wait_sink "$T/sink2")
if [[ "$got" =~ ^[0-9]+$ ]] && [ "$got" -lt 20000000 ]; then ok "ext got less than 20 MB from blind ($got)"
else not_ok "ext got less than 20 MB from blind (got '$got')"; fi
check_nomatch "blind learned no PMTU" "mtu 1500" "$(on blind ip route get 198.51.100.10)"

diag "ping -M do -s 2000: fragmentation needed, mtu 1500"
out=$(on pub ping -n -c 2 -i 0.3 -W 1 -M do -s 2000 198.51.100.10 2>&1)
check_match "pub (elastic IP): Frag needed from its subnet's router, mtu 1500" \
	"From 10\.0\.0\.1 .*Frag needed.*mtu = 1500|message too long, mtu=1500" "$out"
check_match "pub: the router (10.0.0.1) sent it" "From 10\.0\.0\.1 " "$out"
out=$(on pub ping -n -c 1 -W 1 -M do -s 1472 198.51.100.10 2>&1)
check_match "pub: 1472 bytes + 28 = 1500 with DF still pass" "bytes from 198.51.100.10" "$out"
out=$(on priv ping -n -c 2 -i 0.3 -W 1 -M do -s 2000 198.51.100.10 2>&1)
check_match "priv (through the NAT): mtu 1500" "Frag needed.*mtu = 1500|message too long, mtu=1500" "$out"
out=$(on pub ping -n -c 1 -W 1 -M do -s 8000 10.0.1.10 2>&1)
check_nomatch "inside the VPC 9001 holds: no frag needed pub -> priv at 8000 bytes" "Frag needed|message too long" "$out"
