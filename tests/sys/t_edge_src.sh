#!/usr/bin/env bash
# The source address an internet host observes (issue 3): an instance with an elastic IP is seen
# as the EIP; an instance in a map_public_ip subnet (or with public_ip: true) as the public IP it
# was given from internet.public_pool; a private instance behind a NAT gateway as the NAT's
# elastic IP. Each over TCP, UDP and ICMP echo, and each answer must come back to the instance
# (the reverse translation). Two internet hosts, so the NAT's per-destination state is exercised.
# Instances never see their public address on their own interface (AWS: 1:1 NAT at the IGW).
TID=esrc; . "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/edge_lib.sh"

cat >"$T/lab.yaml" <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    internet_gateway: true
    subnets:
      - { name: public, cidr: 10.0.0.0/24, route_table: public }
      - { name: auto, cidr: 10.0.2.0/24, route_table: public, map_public_ip: true }
      - { name: private, cidr: 10.0.1.0/24, route_table: private }
    route_tables:
      - name: public
        routes:
          - { destination: 0.0.0.0/0, target: igw }
      - name: private
        routes:
          - { destination: 0.0.0.0/0, target: nat }
    nat_gateways:
      - { name: nat, subnet: public, elastic_ip: nat-eip }
    instances:
      - { name: eipi, subnet: public, ip: 10.0.0.10 }
      - { name: pubi, subnet: public, ip: 10.0.0.11, public_ip: true }
      - { name: auto1, subnet: auto, ip: 10.0.2.10 }
      - { name: auto2, subnet: auto, ip: 10.0.2.11 }
      - { name: priv, subnet: private, ip: 10.0.1.10 }
elastic_ips:
  - { name: nat-eip, ip: 203.0.113.66 }
  - { name: web-eip, ip: 203.0.113.65, instance: eipi }
internet:
  public_pool: 203.0.113.64/28
  hosts:
    - { name: ext, ip: 198.51.100.10 }
    - { name: ext2, ip: 192.0.2.10 }
EOF
lab_up "$T/lab.yaml"

diag "addresses handed out (status --json)"
check "eipi's public_ip is its elastic IP" 203.0.113.65 "$(public_ip_of eipi)"
A1=$(public_ip_of auto1); A2=$(public_ip_of auto2); P1=$(public_ip_of pubi)
for n in auto1:$A1 auto2:$A2 pubi:$P1; do
	if in_cidr "${n#*:}" 203.0.113.64/28; then ok "${n%%:*} got a public IP from public_pool 203.0.113.64/28 (${n#*:})"
	else not_ok "${n%%:*} got a public IP from public_pool 203.0.113.64/28 (expected an address in it, got '${n#*:}')"; fi
done
n_distinct=$(printf '%s\n' "$A1" "$A2" "$P1" 203.0.113.65 203.0.113.66 | sort -u | wc -l)
check "auto-assigned public IPs are distinct and never an elastic IP" 5 "$n_distinct"
check "priv (private subnet) has no public IP" null "$(public_ip_of priv)"
check "the NAT gateway's elastic IP" 203.0.113.66 "$(nat_get "$LAB" nat elastic_ip)"
check_nomatch "eipi does not hold its public address on eth0 (1:1 NAT at the IGW)" '203\.0\.113\.' \
	"$(on eipi ip -4 -o addr show)"

for h in ext:198.51.100.10 ext2:192.0.2.10; do
	host=${h%%:*} hip=${h#*:}
	diag "TCP to $host ($hip)"
	check_seen "elastic IP" tcp eipi "$host" "$hip" 203.0.113.65
	check_seen "public_ip: true" tcp pubi "$host" "$hip" "$P1"
	check_seen "map_public_ip" tcp auto1 "$host" "$hip" "$A1"
	check_seen "map_public_ip" tcp auto2 "$host" "$hip" "$A2"
	check_seen "NAT gateway" tcp priv "$host" "$hip" 203.0.113.66
done

diag "UDP to ext"
check_seen "elastic IP" udp eipi ext 198.51.100.10 203.0.113.65
check_seen "map_public_ip" udp auto1 ext 198.51.100.10 "$A1"
check_seen "NAT gateway" udp priv ext 198.51.100.10 203.0.113.66
check_seen "NAT gateway" udp priv ext2 192.0.2.10 203.0.113.66

diag "ICMP echo to ext"
check_seen "elastic IP" icmp eipi ext 198.51.100.10 203.0.113.65
check_seen "map_public_ip" icmp auto2 ext 198.51.100.10 "$A2"
check_seen "NAT gateway" icmp priv ext 198.51.100.10 203.0.113.66

diag "the NAT gateway translated, the IGW never dropped these"
check_grew "NAT ConnectionEstablishedCount counts the TCP connections" 0 "$(nat_get "$LAB" nat ConnectionEstablishedCount)"
check "no igw_no_public_ip drop" 0 "$(drops igw_no_public_ip)"
check "no igw_no_mapping drop" 0 "$(drops igw_no_mapping)"
