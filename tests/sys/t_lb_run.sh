#!/usr/bin/env bash
# A network load balancer run end to end (issue 11): its nodes get namespaces LAB-LBNAME-SUBNET,
# health checks from the nodes turn both targets healthy, connections from an internet host
# spread over both (the servers see the client's address), a target whose server is killed
# turns unhealthy within interval x unhealthy (Target.FailedHealthChecks) and every new
# connection goes to the other, its server restarted turns it healthy again; `down` removes
# the nodes' namespaces; an apply that deregisters a target leaves it draining for the
# group's delay (no new connection), then it goes. Small intervals (AWS's minimum, 5 s;
# thresholds 2) keep it short.
TID=lbrun; . "$(dirname "$0")/lib.sh"

cat >"$T/lab.yaml" <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    internet_gateway: true
    subnets:
      - { name: pa, cidr: 10.0.1.0/24, az: a, route_table: pub }
      - { name: pb, cidr: 10.0.2.0/24, az: b, route_table: pub }
    route_tables:
      - { name: pub, routes: [ { destination: 0.0.0.0/0, target: igw } ] }
    security_groups:
      - { name: web, inbound: [ { protocol: tcp, ports: 80, cidr: 0.0.0.0/0 } ] }
    instances:
      - { name: web1, subnet: pa, security_groups: [web], run: "exec $PY -u -m http.server 80" }
      - { name: web2, subnet: pb, security_groups: [web], run: "exec $PY -u -m http.server 80" }
    target_groups:
      - name: web-tg
        protocol: tcp
        port: 80
        targets: [web1, web2]
        health_check: { interval: 5, timeout: 2, healthy: 2, unhealthy: 2 }
        deregistration_delay: 4
    load_balancers:
      - name: web-nlb
        type: network
        scheme: internet-facing
        subnets: [pa, pb]
        cross_zone: true
        listeners:
          - { protocol: tcp, port: 80, forward: web-tg }
internet:
  hosts:
    - { name: ext, ip: 198.51.100.10 }
EOF

# lbq EXPR: EXPR (Python, over `lb`'s answer as d) printed; the request goes to the control
# socket itself, so that this test does not depend on the `vpclab lb` command's output.
cat >"$T/lbq.py" <<'EOF'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect("/run/vpclab/%s/ctl" % sys.argv[1])
s.sendall(b"lb\n")
buf = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    buf += chunk
d = json.loads(buf)
targets = {t["instance"]: t for g in d["load_balancers"][0]["target_groups"] for t in g["targets"]}
print(eval(sys.argv[2]))
EOF
lbq() { "$PY" "$T/lbq.py" "$LAB" "$1" 2>/dev/null; }
state_of() { lbq "targets['$1']['state'] + ' ' + str(targets['$1']['reason'])"; }
is_state() { [ "$(lbq "targets['$1']['state']")" = "$2" ]; }
gets() { grep -c '"GET /lbrun' "$1" 2>/dev/null || echo 0; }
LOG1=/run/vpclab/$LAB/run/web1.log
LOG2=/run/vpclab/$LAB/run/web2.log

lab_up "$T/lab.yaml"

# --- the nodes: one namespace per subnet, named after the load balancer and the subnet
for sn in pa pb; do
	if [ -e "/run/netns/$LAB-web-nlb-$sn" ]; then ok "node namespace $LAB-web-nlb-$sn exists"
	else not_ok "node namespace $LAB-web-nlb-$sn exists ($(ls /run/netns | grep "$LAB" | tr '\n' ' '))"; fi
done
check "the node in pa has its address on eth0" "10.0.1.5" "$(on "$LAB-web-nlb-pa" ip -4 -o addr show dev eth0 | awk '{split($4,a,"/"); print a[1]}')"
check "status lists the nodes as lb-node with their namespace" "2 $LAB-web-nlb-pa" \
	"$("$VPCLAB" status "$LAB" --json | "$PY" -c 'import json,sys; p=[x for x in json.load(sys.stdin)["ports"] if x["kind"]=="lb-node"]; print(len(p), p[0]["namespace"])')"
check "lb: the nodes' namespaces" "['$LAB-web-nlb-pa', '$LAB-web-nlb-pb']" "$(lbq "[n['namespace'] for n in d['load_balancers'][0]['nodes']]")"
VIP=$(lbq "d['load_balancers'][0]['nodes'][0]['public_ip']")
check_match "the internet-facing node has a public IP" '^203\.0\.113\.[0-9]+$' "$VIP"

# --- health checks from the nodes turn both targets healthy
wait_for "web1 healthy" 20 is_state web1 healthy
wait_for "web2 healthy" 20 is_state web2 healthy
check "web1 healthy (no reason)" "healthy None" "$(state_of web1)"
check "web2 healthy (no reason)" "healthy None" "$(state_of web2)"
check "HealthyHostCount 2" "2" "$(lbq "d['load_balancers'][0]['counters']['HealthyHostCount']")"

# --- connections from the internet spread over both; the servers see the client's address
for i in $(seq 1 20); do on ext curl -s -m 5 -o /dev/null "http://$VIP/lbrun$i"; done
wait_for "20 requests in the servers' logs" 5 eval '[ $(( $(gets "$LOG1") + $(gets "$LOG2") )) -ge 20 ]'
A1=$(gets "$LOG1"); A2=$(gets "$LOG2")
diag "20 connections: web1 $A1, web2 $A2"
if [ "$A1" -gt 0 ] && [ "$A2" -gt 0 ] && [ $((A1 + A2)) -eq 20 ]; then ok "connections spread over both targets ($A1/$A2)"
else not_ok "connections spread over both targets (web1 $A1, web2 $A2)"; fi
check_match "the target sees the client's address (client IP preservation)" '^198\.51\.100\.10 .*"GET /lbrun' "$(grep -h lbrun "$LOG1" "$LOG2" | head -n 1)"

# --- web1's server killed: unhealthy within interval x unhealthy (10 s) plus a margin
for p in $(ip netns pids "$LAB-web1"); do kill "$p" 2>/dev/null; done
wait_for "web1's server to stop listening" 5 eval '! listening "$LAB-web1" tcp 80'
T0=$(_now_ms)
if wait_for "web1 unhealthy" 16 is_state web1 unhealthy; then
	ok "web1 unhealthy after its server died ($(( $(_now_ms) - T0 )) ms)"
else not_ok "web1 unhealthy after its server died (still: $(state_of web1))"; fi
check "its reason" "unhealthy Target.FailedHealthChecks" "$(state_of web1)"
check "web2 stays healthy" "healthy None" "$(state_of web2)"
check "UnHealthyHostCount 1" "1" "$(lbq "d['load_balancers'][0]['counters']['UnHealthyHostCount']")"
B2=$(gets "$LOG2"); codes=""
for i in $(seq 21 30); do codes+="$(on ext curl -s -m 5 -o /dev/null -w '%{http_code}' "http://$VIP/lbrun$i") "; done
check "every new connection answered by a server (404: no such file)" "404 404 404 404 404 404 404 404 404 404 " "$codes"
wait_for "web2 to log the 10 requests" 5 eval '[ $(gets "$LOG2") -ge $((B2 + 10)) ]'
check "all 10 went to web2" "10" "$(( $(gets "$LOG2") - B2 ))"

# --- restarted: healthy again after `healthy` passes
on_bg web1 "$PY" -u -m http.server 80 >"$T/web1b.log" 2>&1
wait_for "web1's new server to listen" 5 listening "$LAB-web1" tcp 80
if wait_for "web1 healthy again" 16 is_state web1 healthy; then ok "web1 healthy again after its server came back"
else not_ok "web1 healthy again (still: $(state_of web1))"; fi
for i in $(seq 31 50); do on ext curl -s -m 5 -o /dev/null "http://$VIP/lbrun$i"; done
wait_for "web1's new server to get requests" 5 eval '[ $(gets "$T/web1b.log") -gt 0 ]'
check_grew "web1 gets new connections again" 0 "$(gets "$T/web1b.log")"

# --- apply deregisters web2: draining for the group's delay (4 s), no new connection, then gone
sed 's/targets: \[web1, web2\]/targets: [web1]/' "$T/lab.yaml" >"$T/lab2.yaml"
OUT=$("$VPCLAB" apply "$T/lab2.yaml" 2>&1); RC=$?
check_rc "apply without web2 in the group" 0 $RC "$OUT"
check "web2 draining" "draining Target.DeregistrationInProgress" "$(state_of web2)"
check "web1 keeps its health across the apply" "healthy None" "$(state_of web1)"
B2=$(gets "$LOG2")
for i in $(seq 51 60); do on ext curl -s -m 5 -o /dev/null "http://$VIP/lbrun$i"; done
check "a draining target gets no new connection" "$B2" "$(gets "$LOG2")"
gone() { [ "$(lbq "'web2' in targets")" = False ]; }
if wait_for "web2 to leave the group" 10 gone; then ok "web2 gone after the deregistration delay"
else not_ok "web2 gone after the deregistration delay (still: $(state_of web2))"; fi

# --- down: the nodes' namespaces go with the lab
lab_down >/dev/null 2>&1
check "no namespace of the lab is left" "" "$(ls /run/netns | grep "^$LAB-" | tr '\n' ' ')"
