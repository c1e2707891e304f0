#!/usr/bin/env bash
# Bulk TCP through the router with the namespaces' default offloads (TSO/GSO, checksum offload):
# 10 MB each way across two subnets with custom ACLs and SGs in the path, and within a subnet,
# compared by SHA-256. A router that ignores the vnet header breaks checksums or large segments
# and this stalls or corrupts. Also: jumbo frames (MTU 9001) pass whole with DF set, and a UDP
# datagram larger than the MTU (IP fragments; only the first carries the ports) arrives whole
# through port-based ACL and SG rules (AWS forwards UDP fragments; even a NAT gateway does).
TID=bulk; . "$(dirname "$0")/lib.sh"

cat >"$T/lab.yaml" <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    subnets:
      - { name: a, cidr: 10.0.1.0/24, network_acl: acl-a }
      - { name: b, cidr: 10.0.2.0/24, network_acl: acl-b }
    network_acls:
      - name: acl-a
        inbound:
          - { rule: 100, action: allow, protocol: tcp, ports: 1024-65535, cidr: 10.0.2.0/24 }
          - { rule: 110, action: allow, protocol: icmp, cidr: 10.0.2.0/24 }
        outbound:
          - { rule: 100, action: allow, protocol: tcp, ports: 7000-7001, cidr: 10.0.2.0/24 }
          - { rule: 110, action: allow, protocol: icmp, cidr: 10.0.2.0/24 }
          - { rule: 120, action: allow, protocol: udp, ports: 7002, cidr: 10.0.2.0/24 }
      - name: acl-b
        inbound:
          - { rule: 100, action: allow, protocol: tcp, ports: 7000-7001, cidr: 10.0.1.0/24 }
          - { rule: 110, action: allow, protocol: icmp, cidr: 10.0.1.0/24 }
          - { rule: 120, action: allow, protocol: udp, ports: 7002, cidr: 10.0.1.0/24 }
        outbound:
          - { rule: 100, action: allow, protocol: tcp, ports: 1024-65535, cidr: 10.0.1.0/24 }
          - { rule: 110, action: allow, protocol: icmp, cidr: 10.0.1.0/24 }
    security_groups:
      - name: client
        outbound:
          - { protocol: tcp, ports: 7000-7001, cidr: 10.0.0.0/16 }
          - { protocol: udp, ports: 7002, cidr: 10.0.0.0/16 }
          - { protocol: icmp, cidr: 10.0.0.0/16 }
      - name: server
        inbound:
          - { protocol: tcp, ports: 7000-7001, group: client }
          - { protocol: udp, ports: 7002, group: client }
          - { protocol: icmp, cidr: 10.0.0.0/16 }
    instances:
      - { name: cl, subnet: a, ip: 10.0.1.10, security_groups: [client] }
      - { name: sv, subnet: b, ip: 10.0.2.10, security_groups: [server] }
      - { name: sv2, subnet: a, ip: 10.0.1.20, security_groups: [server] }
EOF
lab_up "$T/lab.yaml"
head -c 10485760 /dev/urandom >"$T/data"
want=$(sha256sum <"$T/data" | cut -d' ' -f1)

# upload FROM TO IP PORT: FROM sends the file, TO's listener stores it
upload() {
	local from=$1 to=$2 ip=$3 port=$4 lpid t0 t1
	rm -f "$T/recv"
	ip netns exec "$LAB-$to" timeout 30 nc -l -n "$port" >"$T/recv" </dev/null 2>/dev/null &
	lpid=$!; BG_PIDS+=("$lpid")
	_wait_listen "$LAB-$to" tcp "$port"
	t0=$(date +%s.%N)
	on "$from" timeout 25 nc -n -N -w 5 "$ip" "$port" <"$T/data" >/dev/null 2>&1
	wait "$lpid" 2>/dev/null
	t1=$(date +%s.%N)
	check "10 MB $from -> $to:$port arrives intact ($(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f s", b-a}'))" \
		"$want $(stat -c %s "$T/data")" "$(sha256sum <"$T/recv" | cut -d' ' -f1) $(stat -c %s "$T/recv" 2>/dev/null)"
}
# download FROM TO IP PORT: TO's listener serves the file, FROM connects and reads it
download() {
	local from=$1 to=$2 ip=$3 port=$4 lpid
	rm -f "$T/recv"
	ip netns exec "$LAB-$to" timeout 30 nc -l -n -N "$port" <"$T/data" >/dev/null 2>&1 &
	lpid=$!; BG_PIDS+=("$lpid")
	_wait_listen "$LAB-$to" tcp "$port"
	on "$from" timeout 25 nc -n -d -w 5 "$ip" "$port" >"$T/recv" 2>/dev/null
	kill "$lpid" 2>/dev/null; wait "$lpid" 2>/dev/null
	check "10 MB $to:$port -> $from arrives intact" \
		"$want $(stat -c %s "$T/data")" "$(sha256sum <"$T/recv" | cut -d' ' -f1) $(stat -c %s "$T/recv" 2>/dev/null)"
}

upload cl sv 10.0.2.10 7000
download cl sv 10.0.2.10 7001
upload cl sv2 10.0.1.20 7000           # same subnet
ping_ok cl sv -M do -s 8972            # 9000-byte IP packet: a jumbo frame, DF set
ping_ok cl sv2 -M do -s 8972
check "no tap_write drops" "0" "$(drops tap_write)"

# big_udp FROM TO IP SIZE: one UDP datagram of SIZE bytes to port 7002; prints the size received
big_udp() {
	local lpid
	ip netns exec "$LAB-$2" timeout 4 "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", 7002)); s.settimeout(2)
try: print(len(s.recv(65535)))
except socket.timeout: print("nothing")' >"$T/big.$2" 2>/dev/null &
	lpid=$!; BG_PIDS+=("$lpid")
	_wait_listen "$LAB-$2" udp 7002
	on "$1" "$PY" -c 'import socket, sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x" * int(sys.argv[2]), (sys.argv[1], 7002))' "$3" "$4"
	wait "$lpid" 2>/dev/null
	cat "$T/big.$2"
}
diag "UDP datagrams larger than the MTU: IP fragments"
check "8000-byte udp datagram cl -> sv (one frame, control)" "8000" "$(big_udp cl sv 10.0.2.10 8000)"
check "12000-byte udp datagram cl -> sv2 (fragments, same subnet: SG port rule only)" "12000" "$(big_udp cl sv2 10.0.1.20 12000)"
check "12000-byte udp datagram cl -> sv (fragments through ACL and SG port rules)" "12000" "$(big_udp cl sv 10.0.2.10 12000)"
ping_ok cl sv -s 12000                 # fragmented echo request and reply
