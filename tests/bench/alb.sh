#!/usr/bin/env bash
# `make bench`, the application load balancer part (issue 11): in one lab, a client instance
# sending HTTP requests through an internal application load balancer (http listener 80, round
# robin over two targets) against the same client through haproxy (Debian package) configured the
# same way on an instance `hap` in the subnet of the load balancer's node: mode http, round robin
# over the same two targets, keep-alive on both sides (connections to the targets reused),
# X-Forwarded-For/-Proto/-Port and an X-Amzn-Trace-Id added, one thread (an ALB node's proxy is
# one event loop), HTTP health checks like the target group's.
#   requests/s and latency   wrk, one thread, BENCH_HTTP_CONNS (16) keep-alive connections,
#                            BENCH_SECONDS (5) s, the same for both; ALB_ROUNDS (3) rounds
#                            alternating alb and haproxy, each side's best round shown (the
#                            machine is shared: the best round is the least disturbed one)
# The targets are haproxy too (`http-request return`, one thread): one target alone answers the
# client about three times as fast as either proxy path, so the proxies are what is measured. Requests/s counts 2xx answers only; any other
# answer or socket error is told on stderr. Before measuring, both paths must reach both targets.
# Prints a table test / alb / haproxy / ratio (alb/haproxy). Installs nothing (make bench
# installs haproxy and wrk). Every namespace starts with h$$-; everything is removed on exit.
NAME=bench-alb PREFIX=h NEEDS="haproxy wrk curl"
. "$(dirname "$0")/lib.sh"
LAB="$P-alb"
CONNS=${BENCH_HTTP_CONNS:-16}
ROUNDS=${ALB_ROUNDS:-3}
NODE=10.0.1.50 HAP=10.0.1.60 T1=10.0.1.21 T2=10.0.2.22

# haproxy's common part: foreground (the `run:` process is haproxy itself), one thread, the
# ALB's timeouts (connect 10 s, idle 60 s)
hap_head() {
	cat <<EOF
global
	nbthread 1
	maxconn 1000
defaults
	mode http
	option http-keep-alive
	timeout connect 10s
	timeout client 60s
	timeout server 60s
	timeout http-keep-alive 60s
EOF
}
# the targets: answer every request at once with their own name
for t in t1 t2; do
	{ hap_head; printf 'frontend web\n\tbind :80\n\thttp-request return status 200 content-type text/plain string %s\n' "$t"; } >"$T/$t.cfg"
done
# the proxy, as the ALB's listener and target group: round robin, keep-alive to the targets and
# reused across clients (http-reuse always), the ALB's added headers, health checks GET / every
# 5 s expecting 200 (2 to fall, 2 to rise)
{ hap_head; cat <<EOF
frontend alb
	bind $HAP:80
	option forwardfor
	http-request set-header X-Forwarded-Proto http
	http-request set-header X-Forwarded-Port 80
	http-request set-header X-Amzn-Trace-Id "Root=1-%[date,hex,lower]-%[rand(4294967295),hex,lower]%[rand(4294967295),hex,lower]%[rand(4294967295),hex,lower]"
	default_backend tg
backend tg
	balance roundrobin
	http-reuse always
	option httpchk GET /
	http-check expect status 200
	default-server check inter 5s fall 2 rise 2
	server t1 $T1:80
	server t2 $T2:80
EOF
} >"$T/hap.cfg"
if ! out=$(haproxy -c -q -f "$T/hap.cfg" 2>&1) || ! out=$(haproxy -c -q -f "$T/t1.cfg" 2>&1); then
	echo "bench-alb: haproxy refuses the configuration: $out"; exit 1
fi

# The lab: targets in two zones, the load balancer with a node in each (the client uses node a's
# address: one node's proxy against one haproxy), hap beside node a, the client in a third
# subnet. The targets admit port 80 from the load balancer's group and from hap's only.
cat >"$T/alb.yaml" <<EOF
name: $LAB
vpcs:
  - name: bench
    cidr: 10.0.0.0/16
    subnets:
      - { name: a, cidr: 10.0.1.0/24, az: a }
      - { name: b, cidr: 10.0.2.0/24, az: b }
      - { name: c, cidr: 10.0.3.0/24, az: a }
    security_groups:
      - name: alb-sg
        inbound: [ { protocol: tcp, ports: 80, cidr: 10.0.0.0/16 } ]
      - name: hap-sg
        inbound: [ { protocol: tcp, ports: 80, cidr: 10.0.0.0/16 } ]
      - name: tgt
        inbound:
          - { protocol: tcp, ports: 80, group: alb-sg }
          - { protocol: tcp, ports: 80, group: hap-sg }
    instances:
      - { name: t1, subnet: a, ip: $T1, security_groups: [tgt], run: "exec haproxy -db -f $T/t1.cfg" }
      - { name: t2, subnet: b, ip: $T2, security_groups: [tgt], run: "exec haproxy -db -f $T/t2.cfg" }
      - { name: hap, subnet: a, ip: $HAP, security_groups: [hap-sg], run: "exec haproxy -db -f $T/hap.cfg" }
      - { name: cl, subnet: c, ip: 10.0.3.10 }
    target_groups:                     # round robin: the default algorithm
      - name: web
        protocol: http
        port: 80
        targets: [t1, t2]
        health_check: { protocol: http, path: /, interval: 5, timeout: 2, healthy: 2, unhealthy: 2 }
    load_balancers:
      - name: alb
        type: application
        scheme: internal
        subnets: [ { subnet: a, ip: $NODE }, { subnet: b, ip: 10.0.2.50 } ]
        security_groups: [alb-sg]
        listeners:
          - { protocol: http, port: 80, idle_timeout: 60, default: web }
EOF

# healthy: every target of the load balancer healthy
healthy() {
	timeout 10 "$VPCLAB" lb "$LAB" alb --json 2>/dev/null | "$PY" -c '
import json, sys
lb = json.load(sys.stdin)["load_balancers"][0]
sys.exit(0 if all(t["state"] == "healthy" for g in lb["target_groups"] for t in g["targets"]) else 1)' 2>/dev/null
}

# both_targets IP: the answers of 4 requests from cl to IP name both targets (round robin)
both_targets() {
	local i seen=""
	for i in 1 2 3 4; do
		seen+=" $(ip netns exec "$LAB-cl" curl -s -m 5 "http://$1/" 2>/dev/null)"
	done
	[[ "$seen" == *t1* && "$seen" == *t2* ]]
}

# wrk_run IP TAG ROUND: one measurement from cl, appended to $T/TAG.res as "requests/s p50_ms p99_ms"
# (2xx answers only) or "error"; non-2xx answers and socket errors are told on stderr
wrk_run() {
	local n=$3
	ip netns exec "$LAB-cl" timeout $((SECS + 20)) wrk -t1 -c"$CONNS" -d"${SECS}s" --latency \
		"http://$1/" >"$T/$2.$n.txt" 2>&1
	"$PY" - "$T/$2.$n.txt" "$2" <<'EOF' >>"$T/$2.res"
import re, sys
t = open(sys.argv[1]).read()
def ms(v, unit):
    return float(v) * {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}[unit]
try:
    m = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m),", t)
    n, secs = int(m[1]), ms(m[2], m[3]) / 1e3
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
    bad = int(bad[1]) if bad else 0
    sock = re.search(r"Socket errors: (.*)", t)
    lat = {p: ms(v, u) for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s|m)\s*$", t, re.M)}
    if bad or sock:
        print("bench-alb: %s: %d non-2xx answers%s" % (sys.argv[2], bad,
              ", socket errors " + sock[1] if sock else ""), file=sys.stderr)
    print("%.0f %.2f %.2f" % ((n - bad) / secs, lat["50"], lat["99"]))
except Exception:
    print("error")
EOF
}

# best TAG: the round with the most requests/s, "error error error" when none measured
best() { awk '$1 ~ /^[0-9]/ && $1 + 0 > b { b = $1 + 0; l = $0 } END { print (l == "" ? "error error error" : l) }' "$T/$1.res" 2>/dev/null || echo "error error error"; }

echo "bench-alb: internal application load balancer over two HTTP targets against haproxy configured the same way ($SECS s per test, wrk $CONNS connections, $ROUNDS rounds)"
a_res="error error error" h_res="error error error" a_cnt="" rc=0
if [ ! -x "$VPCLAB" ]; then
	echo "bench-alb: $VPCLAB missing (make)"; rc=1
elif ! out=$(timeout 30 "$VPCLAB" up "$T/alb.yaml" 2>&1); then
	echo "bench-alb: vpclab up failed: $out"; rc=1
else
	# two passing checks 5 s apart: about 10 s; haproxy's checks run meanwhile
	for i in $(seq 1 100); do healthy && break; sleep 0.3; done
	if ! healthy; then
		echo "bench-alb: the load balancer's targets are not all healthy after 30 s"; rc=1
	elif ! both_targets "$NODE"; then
		echo "bench-alb: the load balancer does not answer from both targets"; rc=1
	else
		for i in $(seq 1 50); do both_targets "$HAP" && break; sleep 0.2; done
		if ! both_targets "$HAP"; then
			echo "bench-alb: haproxy does not answer from both targets"; rc=1
		else
			for r in $(seq 1 "$ROUNDS"); do
				wrk_run "$NODE" alb "$r"
				wrk_run "$HAP" hap "$r"
				echo "bench-alb: round $r: alb $(tail -n1 "$T/alb.res" | cut -d' ' -f1) requests/s, haproxy $(tail -n1 "$T/hap.res" | cut -d' ' -f1) requests/s"
			done
			a_res=$(best alb)
			h_res=$(best hap)
			a_cnt=$(timeout 10 "$VPCLAB" lb "$LAB" alb --json 2>/dev/null | "$PY" -c '
import json, sys
c = json.load(sys.stdin)["load_balancers"][0]["counters"]
print("load balancer counters: " + ", ".join("%s %s" % (k, c[k]) for k in
    ("RequestCount", "NewConnectionCount", "HTTPCode_Target_2XX_Count", "HTTPCode_ELB_5XX_Count",
     "TargetConnectionErrorCount") if k in c))' 2>/dev/null)
		fi
	fi
	timeout 20 "$VPCLAB" down "$LAB" >/dev/null 2>&1
fi

read -r a_rps a_p50 a_p99 <<<"$a_res"
read -r h_rps h_p50 h_p99 <<<"$h_res"
echo
[ -n "$a_cnt" ] && echo "$a_cnt"
printf '%-36s %12s %12s %8s\n' "test" "alb" "haproxy" "ratio"
printf '%-36s %12s %12s %8s\n' "alb http requests/s ($CONNS conns)" "$a_rps" "$h_rps" "$(ratio "$a_rps" "$h_rps")"
printf '%-36s %12s %12s %8s\n' "alb http latency p50 (ms)" "$a_p50" "$h_p50" "$(ratio "$a_p50" "$h_p50")"
printf '%-36s %12s %12s %8s\n' "alb http latency p99 (ms)" "$a_p99" "$h_p99" "$(ratio "$a_p99" "$h_p99")"
case "$a_res $h_res" in *error*) rc=1 ;; esac
exit "$rc"
