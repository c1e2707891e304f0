#!/usr/bin/env bash
# `make bench` (not part of make check): throughput of the vpclab router against the Linux kernel
# doing the same job. Two instances in two subnets, a network ACL on each subnet and security
# groups in the path; iperf3 TCP single stream (5 s) and UDP 64-byte datagrams (-l 64 -b 0, 5 s,
# packets/s that arrived). Then the same two namespaces joined by the kernel: a forwarding
# namespace with two veth pairs, ip_forward and an equivalent nftables ruleset (stateless ACL
# chains plus a conntrack-based security group). Prints both and the ratio vpclab/kernel.
# Installs nothing: `make deps` brings iperf3 and nftables. Every namespace starts with b$$-.
NAME=bench PREFIX=b
. "$(dirname "$0")/lib.sh"
LAB="$P-vpc"

# iperf NS_SERVER NS_CLIENT IP tcp|udp: prints one number (Gbit/s for tcp, received packets/s for udp)
iperf() {
	local srv=$1 cli=$2 ip=$3 mode=$4 spid i args=()
	ip netns exec "$srv" iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
	spid=$!; PIDS+=("$spid")
	for i in $(seq 1 50); do
		ip netns exec "$srv" ss -ltnH 'sport = :5201' | grep -q . && break; sleep 0.1
	done
	[ "$mode" = udp ] && args=(-u -l 64 -b 0)
	ip netns exec "$cli" timeout $((SECS + 20)) iperf3 -c "$ip" -p 5201 -t "$SECS" "${args[@]}" -J >"$T/$mode.json" 2>"$T/$mode.err"
	kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
	"$PY" - "$T/$mode.json" "$mode" <<'EOF'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
    if sys.argv[2] == "tcp":
        print("%.2f" % (d["end"]["sum_received"]["bits_per_second"] / 1e9))
    else:
        s = d["end"]["sum"]
        print("%.0f" % ((s["packets"] - s["lost_packets"]) / s["seconds"]))
except Exception as e:
    print("error")
EOF
}

# ------------------------------------------------------------------ vpclab
cat >"$T/bench.yaml" <<EOF
name: $LAB
vpcs:
  - name: bench
    cidr: 10.0.0.0/16
    subnets:
      - { name: a, cidr: 10.0.1.0/24, network_acl: acl-a }
      - { name: b, cidr: 10.0.2.0/24, network_acl: acl-b }
    network_acls:
      - name: acl-a
        inbound:
          - { rule: 100, action: allow, protocol: tcp, ports: 1024-65535, cidr: 10.0.2.0/24 }
          - { rule: 110, action: allow, protocol: udp, ports: 1024-65535, cidr: 10.0.2.0/24 }
        outbound:
          - { rule: 100, action: allow, protocol: tcp, ports: 5201, cidr: 10.0.2.0/24 }
          - { rule: 110, action: allow, protocol: udp, ports: 5201, cidr: 10.0.2.0/24 }
      - name: acl-b
        inbound:
          - { rule: 100, action: allow, protocol: tcp, ports: 5201, cidr: 10.0.1.0/24 }
          - { rule: 110, action: allow, protocol: udp, ports: 5201, cidr: 10.0.1.0/24 }
        outbound:
          - { rule: 100, action: allow, protocol: tcp, ports: 1024-65535, cidr: 10.0.1.0/24 }
          - { rule: 110, action: allow, protocol: udp, ports: 1024-65535, cidr: 10.0.1.0/24 }
    security_groups:
      - name: client                   # nothing in, everything out
      - name: server
        inbound:
          - { protocol: tcp, ports: 5201, group: client }
          - { protocol: udp, ports: 5201, group: client }
        outbound: []                   # replies only
    instances:
      - { name: cl, subnet: a, ip: 10.0.1.10, security_groups: [client] }
      - { name: sv, subnet: b, ip: 10.0.2.10, security_groups: [server] }
EOF
echo "bench: vpclab router ($SECS s per test)"
v_tcp=error v_udp=error rc=0
if [ ! -x "$VPCLAB" ]; then
	echo "bench: $VPCLAB missing (make)"; rc=1
elif ! out=$(timeout 30 "$VPCLAB" up "$T/bench.yaml" 2>&1); then
	echo "bench: vpclab up failed: $out"; rc=1
else
	v_tcp=$(iperf "$LAB-sv" "$LAB-cl" 10.0.2.10 tcp)
	v_udp=$(iperf "$LAB-sv" "$LAB-cl" 10.0.2.10 udp)
	timeout 20 "$VPCLAB" down "$LAB" >/dev/null 2>&1
fi

# ------------------------------------------------------------------ kernel reference
echo "bench: kernel reference (veth + forwarding namespace + nftables)"
for ns in "$KA" "$KR" "$KB"; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
# the veth pairs are born inside the namespaces: nothing appears in the host's namespace
ip -n "$KA" link add eth0 mtu 9001 type veth peer name ra netns "$KR"
ip -n "$KB" link add eth0 mtu 9001 type veth peer name rb netns "$KR"
ip -n "$KR" link set ra mtu 9001 up
ip -n "$KR" link set rb mtu 9001 up
ip -n "$KR" addr add 10.0.1.1/24 dev ra
ip -n "$KR" addr add 10.0.2.1/24 dev rb
ip -n "$KA" addr add 10.0.1.10/24 dev eth0; ip -n "$KA" link set eth0 up
ip -n "$KB" addr add 10.0.2.10/24 dev eth0; ip -n "$KB" link set eth0 up
ip -n "$KA" route add default via 10.0.1.1
ip -n "$KB" route add default via 10.0.2.1
ip netns exec "$KR" sysctl -qw net.ipv4.ip_forward=1
cat >"$T/vpc.nft" <<'EOF'
table ip vpc {
	# network ACLs: stateless, each subnet's rules on the way out and in; return = allowed so far
	chain acl_a_out { ip daddr 10.0.2.0/24 tcp dport 5201 return; ip daddr 10.0.2.0/24 udp dport 5201 return; drop; }
	chain acl_b_in  { ip saddr 10.0.1.0/24 tcp dport 5201 return; ip saddr 10.0.1.0/24 udp dport 5201 return; drop; }
	chain acl_b_out { ip daddr 10.0.1.0/24 tcp dport 1024-65535 return; ip daddr 10.0.1.0/24 udp dport 1024-65535 return; drop; }
	chain acl_a_in  { ip saddr 10.0.2.0/24 tcp dport 1024-65535 return; ip saddr 10.0.2.0/24 udp dport 1024-65535 return; drop; }
	chain forward {
		type filter hook forward priority filter; policy drop;
		iifname "ra" oifname "rb" jump acl_a_out
		iifname "ra" oifname "rb" jump acl_b_in
		iifname "rb" oifname "ra" jump acl_b_out
		iifname "rb" oifname "ra" jump acl_a_in
		# security groups: stateful; the client may start anything, the server only answers
		ct state established,related accept
		iifname "ra" oifname "rb" ip saddr 10.0.1.10 ip daddr 10.0.2.10 meta l4proto { tcp, udp } th dport 5201 ct state new accept
	}
}
EOF
if ! ip netns exec "$KR" nft -f "$T/vpc.nft"; then echo "bench: nft -f failed"; exit 1; fi
k_tcp=$(iperf "$KB" "$KA" 10.0.2.10 tcp)
k_udp=$(iperf "$KB" "$KA" 10.0.2.10 udp)

echo
printf '%-32s %12s %12s %8s\n' "test" "vpclab" "kernel" "ratio"
printf '%-32s %12s %12s %8s\n' "tcp 1 stream (Gbit/s)" "$v_tcp" "$k_tcp" "$(ratio "$v_tcp" "$k_tcp")"
printf '%-32s %12s %12s %8s\n' "udp 64 B (packets/s received)" "$v_udp" "$k_udp" "$(ratio "$v_udp" "$k_udp")"
case "$v_tcp $v_udp $k_tcp $k_udp" in *error*) rc=1 ;; esac
exit "$rc"
