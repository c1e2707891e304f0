#!/usr/bin/env bash
# `make bench`, the network load balancer part (issue 11): in one lab, a client instance reaching
# two targets through an internal network load balancer (two nodes, cross-zone, the client's
# address preserved), against the same client straight to one target (the direct path).
#   tcp throughput   iperf3, one TCP stream, BENCH_SECONDS (5) s; both targets run iperf3 servers
#   connection rate  new TCP connections per second for BENCH_SECONDS s, as in nat.sh: python3
#                    clients (BENCH_CLIENTS, default 2) connect, wait for the server's close, close
# iperf3 opens a control and a data connection: the load balancer hashes each flow (AWS: the
# 5-tuple) and may send them to different targets, where the test stalls; such a try is seen at
# once (the two connections on two targets) and started again (NLB_TRIES, default 8).
# Prints a table test / nlb / direct / ratio (nlb/direct). Installs nothing (make deps brings
# iperf3). Every namespace starts with e$$-; everything is removed on exit.
NAME=bench-nlb PREFIX=e
. "$(dirname "$0")/lib.sh"
LAB="$P-nlb"
TRIES=${NLB_TRIES:-8}
NODE=10.0.1.50 T1=10.0.1.21 T2=10.0.2.22

# established connections to port 5201 in a namespace (iperf3's control and data)
conns() { ip netns exec "$1" ss -tnH state established "sport = :5201" | wc -l; }

# tcp_gbps IP NS_SERVER...: iperf3 single stream from cl to IP, every NS_SERVER running a server;
# Gbit/s received. A try whose two connections land on two servers is stopped and tried again.
tcp_gbps() {
	local ip=$1 try ns cpid spids i a b split
	shift
	for try in $(seq 1 "$TRIES"); do
		spids=()
		for ns in "$@"; do
			ip netns exec "$ns" iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
			spids+=($!); PIDS+=($!)
		done
		for ns in "$@"; do wait_port "$ns" 5201; done
		ip netns exec "$LAB-cl" timeout $((SECS + 20)) iperf3 -c "$ip" -p 5201 -t "$SECS" -J >"$T/tcp.json" 2>"$T/tcp.err" &
		cpid=$!; PIDS+=("$cpid")
		split=no
		if [ $# -gt 1 ]; then
			# both connections are up within a few ms; poll until they are (at most 3 s)
			for i in $(seq 1 300); do
				a=$(conns "$1"); b=$(conns "$2")
				[ $((a + b)) -ge 2 ] && break
				kill -0 "$cpid" 2>/dev/null || break
				sleep 0.01
			done
			[ "$a" -ge 1 ] && [ "$b" -ge 1 ] && split=yes
		fi
		[ "$split" = yes ] && kill "$cpid" 2>/dev/null
		wait "$cpid" 2>/dev/null
		for i in "${spids[@]}"; do kill "$i" 2>/dev/null; wait "$i" 2>/dev/null; done
		[ "$split" = no ] && break
		echo "bench-nlb: iperf3 try $try: control and data went to different targets; again" >&2
	done
	iperf_gbps "$T/tcp.json"
}

# conn_rate IP PORT: new connections per second from cl to IP:PORT, all clients together
conn_rate() { rate_clients "$LAB-cl" "$1" "$2" "to $1"; }

# The lab: targets in two zones behind an internal load balancer with a node in each (cross-zone:
# node a sends to both), listeners 5201 (iperf3) and 5300 (connection rate); health checks on
# 5300, where the targets' `run` server (lib.sh's rate.py, accepting and closing at once on
# every port until `down`) answers. The client lives in a third subnet. The direct
# connection rate goes to t1's port 5301: with the client's address preserved, a connection
# straight to t1:5300 reusing a source port of an earlier one through the load balancer has the
# same addresses and ports at t1 (AWS warns of such socket reuse), and its replies can be taken
# for the load balancer's.
cat >"$T/nlb.yaml" <<EOF
name: $LAB
vpcs:
  - name: bench
    cidr: 10.0.0.0/16
    subnets:
      - { name: a, cidr: 10.0.1.0/24, az: a }
      - { name: b, cidr: 10.0.2.0/24, az: b }
      - { name: c, cidr: 10.0.3.0/24, az: a }
    security_groups:
      - name: tgt
        inbound: [ { protocol: tcp, ports: 5201-5301, cidr: 10.0.0.0/16 } ]
    instances:
      - { name: t1, subnet: a, ip: $T1, security_groups: [tgt], run: "exec $PY $T/rate.py server 0 5300 5301" }
      - { name: t2, subnet: b, ip: $T2, security_groups: [tgt], run: "exec $PY $T/rate.py server 0 5300 5301" }
      - { name: cl, subnet: c, ip: 10.0.3.10 }
    target_groups:
      - name: iperf
        protocol: tcp
        port: 5201
        targets: [t1, t2]
        health_check: { protocol: tcp, port: 5300, interval: 5, timeout: 2, healthy: 2, unhealthy: 2 }
      - name: rate
        protocol: tcp
        port: 5300
        targets: [t1, t2]
        health_check: { protocol: tcp, interval: 5, timeout: 2, healthy: 2, unhealthy: 2 }
    load_balancers:
      - name: nlb
        type: network
        scheme: internal
        subnets: [ { subnet: a, ip: $NODE }, { subnet: b, ip: 10.0.2.50 } ]
        cross_zone: true
        listeners:
          - { protocol: tcp, port: 5201, forward: iperf }
          - { protocol: tcp, port: 5300, forward: rate }
EOF

# healthy: every target of both groups healthy
healthy() {
	timeout 10 "$VPCLAB" lb "$LAB" nlb --json 2>/dev/null | "$PY" -c '
import json, sys
lb = json.load(sys.stdin)["load_balancers"][0]
sys.exit(0 if all(t["state"] == "healthy" for g in lb["target_groups"] for t in g["targets"]) else 1)' 2>/dev/null
}

echo "bench-nlb: internal network load balancer over two targets against the direct path ($SECS s per test, $CLIENTS connection-rate clients)"
n_tcp=error n_rate=error d_tcp=error d_rate=error n_cnt="" rc=0
if [ ! -x "$VPCLAB" ]; then
	echo "bench-nlb: $VPCLAB missing (make)"; rc=1
elif ! out=$(timeout 30 "$VPCLAB" up "$T/nlb.yaml" 2>&1); then
	echo "bench-nlb: vpclab up failed: $out"; rc=1
else
	# two passing checks 5 s apart: about 10 s
	for i in $(seq 1 100); do healthy && break; sleep 0.3; done
	if ! healthy; then
		echo "bench-nlb: the targets are not all healthy after 30 s"; rc=1
	else
		n_tcp=$(tcp_gbps "$NODE" "$LAB-t1" "$LAB-t2")
		d_tcp=$(tcp_gbps "$T1" "$LAB-t1")
		n_rate=$(conn_rate "$NODE" 5300)
		d_rate=$(conn_rate "$T1" 5301)
		n_cnt=$(timeout 10 "$VPCLAB" lb "$LAB" nlb --json 2>/dev/null | "$PY" -c '
import json, sys
c = json.load(sys.stdin)["load_balancers"][0]["counters"]
print("load balancer counters: " + ", ".join("%s %s" % (k, c[k]) for k in
    ("NewFlowCount", "ActiveFlowCount", "TCP_Client_Reset_Count", "TCP_Target_Reset_Count") if k in c))' 2>/dev/null)
	fi
	timeout 20 "$VPCLAB" down "$LAB" >/dev/null 2>&1
fi

echo
[ -n "$n_cnt" ] && echo "$n_cnt"
printf '%-36s %12s %12s %8s\n' "test" "nlb" "direct" "ratio"
printf '%-36s %12s %12s %8s\n' "nlb tcp 1 stream (Gbit/s)" "$n_tcp" "$d_tcp" "$(ratio "$n_tcp" "$d_tcp")"
printf '%-36s %12s %12s %8s\n' "nlb new tcp connections/s" "$n_rate" "$d_rate" "$(ratio "$n_rate" "$d_rate")"
case "$n_tcp $n_rate $d_tcp $d_rate" in *error*) rc=1 ;; esac
exit "$rc"
