#!/usr/bin/env bash
# The NAT gateway passes replies only (issue 3). The 350 s idle timeout itself is not waited for;
# what is checked instead:
#  - a TCP connection initiated from the internet to the NAT's elastic IP fails, on a port nobody
#    uses and on the very NAT port of a live translation (from another source port of the same
#    host, and from another host using the translated flow's own port: the mapping is per
#    destination, not a full cone); PacketsDropCount and drops.nat_no_mapping grow, and the live
#    connection is unharmed;
#  - a TCP segment (a bare ACK) from a private instance that belongs to no connection is answered
#    with a RST by the gateway (what a late packet after the idle timeout gets) and not forwarded;
#  - the gateway answers no ping, neither on its elastic IP nor on its private IP.
TID=enati; . "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/edge_lib.sh"

cat >"$T/lab.yaml" <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    internet_gateway: true
    subnets:
      - { name: public, cidr: 10.0.0.0/24, route_table: public }
      - { name: private, cidr: 10.0.1.0/24, route_table: private }
    route_tables:
      - name: public
        routes:
          - { destination: 0.0.0.0/0, target: igw }
      - name: private
        routes:
          - { destination: 0.0.0.0/0, target: nat }
    security_groups:
      - name: open
        inbound:
          - { protocol: all, cidr: 0.0.0.0/0 }
    nat_gateways:
      - { name: nat, subnet: public, elastic_ip: nat-eip }
    instances:
      - { name: priv, subnet: private, ip: 10.0.1.10, security_groups: [open] }
elastic_ips:
  - { name: nat-eip, ip: 203.0.113.20 }
internet:
  hosts:
    - { name: ext, ip: 198.51.100.10 }
    - { name: ext2, ip: 192.0.2.10 }
EOF
lab_up "$T/lab.yaml"
NATEIP=203.0.113.20
NATIP=$(nat_get "$LAB" nat private_ip)

diag "a live translation: priv holds a connection to ext:8080"
edge_bg "$T/srv" ext name-server 8080 ext
_wait_listen "$LAB-ext" tcp 8080
edge_bg "$T/long" priv longconn 198.51.100.10 8080 6 0.3
LONG_PID=$!
_wait_file "$T/long" ' ok ' 60
NATPORT=$(timeout 10 "$VPCLAB" nat nat --lab "$LAB" --json | "$PY" -c '
import json, sys
tr = json.load(sys.stdin)["nat_gateways"][0]["translations"]
print([t["nat_port"] for t in tr if t["protocol"] == 6 and t["destination_port"] == 8080][0])' 2>/dev/null)
if [[ "$NATPORT" =~ ^[0-9]+$ ]]; then ok "the translation lists its NAT port ($NATPORT)"
else not_ok "the translation lists its NAT port (got '$NATPORT')"; NATPORT=40000; fi

diag "connections initiated from the internet to the NAT's elastic IP"
p=$(nat_get "$LAB" nat PacketsDropCount); d=$(drops nat_no_mapping); a=$(nat_get "$LAB" nat ConnectionAttemptCount)
edge_bg "$T/priv-l" priv hold-server 2222 20
_wait_listen "$LAB-priv" tcp 2222
check_match "ext -> NAT EIP:2222 fails" '^error' "$(edge ext tcp-client "$NATEIP" 2222 2)"
check_match "ext (from port 9999) -> NAT EIP:$NATPORT fails (mapping is for ext:8080 only)" '^error' \
	"$(edge ext from-port "$NATEIP" "$NATPORT" 9999 2)"
check_match "ext2 (from port 8080) -> NAT EIP:$NATPORT fails (another destination)" '^error' \
	"$(edge ext2 from-port "$NATEIP" "$NATPORT" 8080 2)"
check_nomatch "nothing reached priv" '^peer ' "$(cat "$T/priv-l")"
check_grew "NAT PacketsDropCount grows" "$p" "$(nat_get "$LAB" nat PacketsDropCount)"
check_grew "drops.nat_no_mapping grows" "$d" "$(drops nat_no_mapping)"
check_same "ConnectionAttemptCount does not count inbound SYNs" "$a" "$(nat_get "$LAB" nat ConnectionAttemptCount)"
wait "$LONG_PID" 2>/dev/null
check_nomatch "the live connection is unharmed (no failure in its 6 s)" ' fail ' "$(cat "$T/long")"
n=$(grep -c ' ok ' "$T/long")
if [ "$n" -ge 15 ]; then ok "the live connection echoed all along ($n lines)"
else not_ok "the live connection echoed all along (expected >= 15 lines, got $n)"; fi

diag "a TCP segment of no connection, from the inside: RST from the gateway"
s0=$(port_packets ext)
out=$(edge priv stray-ack 10.0.1.10 198.51.100.10 8080 45678 2)
check "a bare ACK to ext:8080 from an unknown flow gets a RST back" rst "$out"
check_same "ext saw none of it (rx+tx)" "$s0" "$(port_packets ext)"

diag "the gateway answers no ping"
ping_blocked ext "$NATEIP"
ping_blocked priv "$NATIP"
