#!/usr/bin/env bash
# `make bench`, the NAT gateway part (issue 3): a private instance reaching an internet host through
# a NAT gateway and the internet gateway, against the Linux kernel doing the same job in the same
# run: the same kind of namespaces joined by veth pairs through a router namespace that forwards
# and does nftables masquerade (source NAT to its public address, conntrack for the replies).
#   tcp throughput   iperf3, one TCP stream, client -> internet host, BENCH_SECONDS (5) s
#   connection rate  new TCP connections per second for BENCH_SECONDS s: python3 clients
#                    (BENCH_CLIENTS, default 2, in parallel) connect, wait for the server's close,
#                    close; the server accepts and closes at once (its side keeps the TIME_WAIT):
#                    lib.sh's rate.py and rate_clients, shared with nlb.sh
# MTUs as in AWS: 9001 inside the VPC, 1500 towards the internet, on both sides of the comparison.
# Prints a table test / vpclab / kernel / ratio (vpclab/kernel). Installs nothing (make deps
# brings iperf3 and nftables). Every namespace starts with n$$-; everything is removed on exit.
NAME=bench-nat PREFIX=n
. "$(dirname "$0")/lib.sh"
LAB="$P-nat"
# tcp_gbps NS_SERVER NS_CLIENT IP: iperf3 single stream, Gbit/s received
tcp_gbps() {
	local srv=$1 cli=$2 ip=$3 spid
	ip netns exec "$srv" iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
	spid=$!; PIDS+=("$spid")
	wait_port "$srv" 5201
	ip netns exec "$cli" timeout $((SECS + 20)) iperf3 -c "$ip" -p 5201 -t "$SECS" -J >"$T/tcp.json" 2>"$T/tcp.err"
	kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
	iperf_gbps "$T/tcp.json"
}

# conn_rate NS_SERVER NS_CLIENT IP: new connections per second, all clients together
conn_rate() {
	local srv=$1 cli=$2 ip=$3 spid rate
	ip netns exec "$srv" "$PY" "$T/rate.py" server $((SECS + 10)) 5300 &
	spid=$!; PIDS+=("$spid")
	wait_port "$srv" 5300
	rate=$(rate_clients "$cli" "$ip" 5300 "$cli")
	kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
	echo "$rate"
}

# ------------------------------------------------------------------ vpclab
cat >"$T/nat.yaml" <<EOF
name: $LAB
vpcs:
  - name: bench
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
    nat_gateways:
      - { name: nat, subnet: public, elastic_ip: nat-eip }
    instances:
      - { name: cl, subnet: private, ip: 10.0.1.10 }
elastic_ips:
  - { name: nat-eip, ip: 203.0.113.20 }
internet:
  hosts:
    - { name: sv, ip: 198.51.100.10 }
EOF
echo "bench-nat: vpclab NAT gateway ($SECS s per test, $CLIENTS connection-rate clients)"
v_tcp=error v_rate=error v_nat="" rc=0
if [ ! -x "$VPCLAB" ]; then
	echo "bench-nat: $VPCLAB missing (make)"; rc=1
elif ! out=$(timeout 30 "$VPCLAB" up "$T/nat.yaml" 2>&1); then
	echo "bench-nat: vpclab up failed: $out"; rc=1
else
	v_tcp=$(tcp_gbps "$LAB-sv" "$LAB-cl" 198.51.100.10)
	v_rate=$(conn_rate "$LAB-sv" "$LAB-cl" 198.51.100.10)
	v_nat=$(timeout 10 "$VPCLAB" nat nat --lab "$LAB" --json 2>/dev/null | "$PY" -c '
import json, sys
c = json.load(sys.stdin)["nat_gateways"][0]["counters"]
print("NAT counters: attempts %d, established %d, drops %d, port allocation errors %d" % (
    c["ConnectionAttemptCount"], c["ConnectionEstablishedCount"], c["PacketsDropCount"], c["ErrorPortAllocation"]))' 2>/dev/null)
	timeout 20 "$VPCLAB" down "$LAB" >/dev/null 2>&1
fi

# ------------------------------------------------------------------ kernel reference
echo "bench-nat: kernel reference (veth + forwarding namespace + nftables masquerade)"
for ns in "$KA" "$KR" "$KB"; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
# the veth pairs are born inside the namespaces: nothing appears in the host's namespace
ip -n "$KA" link add eth0 mtu 9001 type veth peer name ra netns "$KR"
ip -n "$KB" link add eth0 mtu 1500 type veth peer name rb netns "$KR"
ip -n "$KR" link set ra mtu 9001 up
ip -n "$KR" link set rb mtu 1500 up
ip -n "$KR" addr add 10.0.1.1/24 dev ra
ip -n "$KR" addr add 203.0.113.20/32 dev rb                 # the "elastic IP" masquerade uses
ip -n "$KR" route add 198.51.100.10/32 dev rb
ip -n "$KA" addr add 10.0.1.10/24 dev eth0; ip -n "$KA" link set eth0 up
ip -n "$KA" route add default via 10.0.1.1
ip -n "$KB" addr add 198.51.100.10/32 dev eth0; ip -n "$KB" link set eth0 up
ip -n "$KB" route add default dev eth0                      # like a vpclab internet host
ip netns exec "$KR" sysctl -qw net.ipv4.ip_forward=1
cat >"$T/nat.nft" <<'EOF'
table ip natgw {
	chain forward {
		type filter hook forward priority filter; policy drop;
		# a NAT gateway: outbound from the private side, and replies only
		ct state established,related accept
		iifname "ra" oifname "rb" ct state new accept
	}
	chain postrouting {
		type nat hook postrouting priority srcnat;
		oifname "rb" masquerade
	}
}
EOF
k_tcp=error k_rate=error
if ! ip netns exec "$KR" nft -f "$T/nat.nft"; then
	echo "bench-nat: nft -f failed"; rc=1
elif ! ip netns exec "$KA" ping -c 1 -W 2 198.51.100.10 >/dev/null 2>&1; then
	echo "bench-nat: kernel reference has no path (ping failed)"; rc=1
else
	k_tcp=$(tcp_gbps "$KB" "$KA" 198.51.100.10)
	k_rate=$(conn_rate "$KB" "$KA" 198.51.100.10)
fi

echo
[ -n "$v_nat" ] && echo "vpclab $v_nat"
printf '%-36s %12s %12s %8s\n' "test" "vpclab" "kernel" "ratio"
printf '%-36s %12s %12s %8s\n' "nat tcp 1 stream (Gbit/s)" "$v_tcp" "$k_tcp" "$(ratio "$v_tcp" "$k_tcp")"
printf '%-36s %12s %12s %8s\n' "nat new tcp connections/s" "$v_rate" "$k_rate" "$(ratio "$v_rate" "$k_rate")"
case "$v_tcp $v_rate $k_tcp $k_rate" in *error*) rc=1 ;; esac
exit "$rc"
