#!/usr/bin/env bash
# Middlebox insertion: subnets a and b route each other's CIDR (a route more specific than the
# local route, equal to a subnet CIDR) to the instance fw (source_dest_check false) in subnet mid.
# Traffic flows only while fw forwards (ip_forward 1), and its TTL shows the extra hop. An
# appliance whose source/destination check is still on drops what is routed to it
# (srcdst_check). SG references do not match traffic that came through a middlebox (AWS: use
# CIDR rules), so hb2, which admits tcp 80 only from group 'ha', never sees ha's connection.
TID=appl; . "$(dirname "$0")/lib.sh"

cat >"$T/lab.yaml" <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    subnets:
      - { name: a, cidr: 10.0.1.0/24, route_table: rt-a }
      - { name: b, cidr: 10.0.2.0/24, route_table: rt-b }
      - { name: mid, cidr: 10.0.3.0/24 }
      - { name: c, cidr: 10.0.4.0/24, route_table: rt-c }
      - { name: d, cidr: 10.0.5.0/24 }
    route_tables:
      - name: rt-a
        routes:
          - { destination: 10.0.2.0/24, target: fw }
      - name: rt-b
        routes:
          - { destination: 10.0.1.0/24, target: fw }
      - name: rt-c
        routes:
          - { destination: 10.0.5.0/24, target: fwc }
    security_groups:
      - name: open
        inbound:
          - { protocol: all, cidr: 10.0.0.0/16 }
      - name: ha
        inbound:
          - { protocol: all, cidr: 10.0.0.0/16 }
      - name: from-ha
        inbound:
          - { protocol: tcp, ports: 80, group: ha }
    instances:
      - { name: ha, subnet: a, ip: 10.0.1.10, security_groups: [ha] }
      - { name: hb, subnet: b, ip: 10.0.2.10, security_groups: [open] }
      - { name: hb2, subnet: b, ip: 10.0.2.11, security_groups: [from-ha] }
      - { name: fw, subnet: mid, ip: 10.0.3.10, security_groups: [open], source_dest_check: false }
      - { name: fwc, subnet: mid, ip: 10.0.3.11, security_groups: [open] }
      - { name: hc, subnet: c, ip: 10.0.4.10, security_groups: [open] }
      - { name: hd, subnet: d, ip: 10.0.5.10, security_groups: [open] }
EOF
lab_up "$T/lab.yaml"
for n in fw fwc; do
	ip netns exec "$LAB-$n" sysctl -qw net.ipv4.ip_forward=0
	ip netns exec "$LAB-$n" sysctl -qw net.ipv4.conf.all.send_redirects=0
	ip netns exec "$LAB-$n" sysctl -qw net.ipv4.conf.eth0.send_redirects=0
done

diag "fw does not forward yet: a <-> b is cut (the route goes through fw, not direct)"
tcp_blocked ha hb 80
ping_blocked ha hb

diag "fw forwards: a <-> b flows through it"
ip netns exec "$LAB-fw" sysctl -qw net.ipv4.ip_forward=1
f=$(port_packets fw)
tcp_ok ha hb 80
tcp_ok hb ha 8080
udp_ok ha hb 5353
ping_ok ha hb
check_grew "fw's port carried the traffic (rx+tx)" "$f" "$(port_packets fw)"
ttl=$(on ha ping -n -c 1 -W 1 10.0.2.10 2>/dev/null | sed -n 's/.*ttl=\([0-9]*\).*/\1/p')
if [[ "$ttl" =~ ^[0-9]+$ ]] && [ "$ttl" -lt 64 ]; then ok "reply TTL $ttl < 64: one forwarding hop (fw)"
else not_ok "reply TTL through fw (expected < 64, got '$ttl')"; fi
tcp_ok ha fw 22                     # fw itself is reachable the normal way

diag "SG references are not preserved through a middlebox"
b=$(drops sg_ingress)
tcp_blocked ha hb2 80
check_grew "drops.sg_ingress grows (group rule does not match forwarded traffic)" "$b" "$(drops sg_ingress)"

diag "an appliance with the source/destination check on drops what is routed to it"
ip netns exec "$LAB-fwc" sysctl -qw net.ipv4.ip_forward=1
b=$(drops srcdst_check)
tcp_blocked hc hd 80
ping_blocked hc hd
check_grew "drops.srcdst_check grows" "$b" "$(drops srcdst_check)"
tcp_ok hc fwc 22                    # fwc's own address is fine
