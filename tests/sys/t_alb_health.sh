#!/usr/bin/env bash
# Application load balancer health and live changes with real HTTP (issue 11): a target whose
# server is killed turns unhealthy (Target.FailedHealthChecks or Target.Timeout) within
# interval x unhealthy (+ timeout) and every request goes to the other; restarted, it is healthy
# again within interval x healthy and gets requests; a target answering its health check 503 is
# unhealthy (Target.ResponseCodeMismatch) and a sticky cookie naming it no longer wins; all
# targets unhealthy: the group fails open (both still answer); `vpclab apply` registering a third
# target (initial, then healthy, then a third of the requests) and deregistering one (draining:
# its request in flight finishes, no new request, then it is gone); the load balancer's own
# security group losing port 80 keeps the clients out, and getting it back lets them in.
TID=albhe; . "$(dirname "$0")/lib.sh"
. "$SYS_DIR/alb_test_lib.sh"

SRV1="$ALBSRV web1 $T/srv-web1.log --http 80 --sick $T/sick-web1"
SRV2="$ALBSRV web2 $T/srv-web2.log --http 80 --sick $T/sick-web2"
SRV3="$ALBSRV web3 $T/srv-web3.log --http 80 --sick $T/sick-web3"
# $1: the targets of web-tg (YAML), $2: the ports alb-sg admits from anywhere
lab_file() {
	cat <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    internet_gateway: true
    subnets:
      - { name: pub-a, cidr: 10.0.1.0/24, az: a, route_table: public }
      - { name: pub-b, cidr: 10.0.2.0/24, az: b, route_table: public }
      - { name: priv-a, cidr: 10.0.11.0/24, az: a }
      - { name: priv-b, cidr: 10.0.12.0/24, az: b }
    route_tables:
      - { name: public, routes: [ { destination: 0.0.0.0/0, target: igw } ] }
    security_groups:
      - name: alb-sg
        inbound: [ { protocol: tcp, ports: $2, cidr: 0.0.0.0/0 } ]
      - name: web
        inbound: [ { protocol: tcp, ports: 80, group: alb-sg } ]
    instances:
      - { name: web1, subnet: priv-a, ip: 10.0.11.10, security_groups: [web], run: "exec $SRV1" }
      - { name: web2, subnet: priv-b, ip: 10.0.12.10, security_groups: [web], run: "exec $SRV2" }
      - { name: web3, subnet: priv-b, ip: 10.0.12.11, security_groups: [web], run: "exec $SRV3" }
    target_groups:
      - name: web-tg
        protocol: http
        port: 80
        targets: $1
        health_check: { path: /health, interval: 5, timeout: 2, healthy: 2, unhealthy: 2 }
        deregistration_delay: 5
      - name: sticky-tg
        protocol: http
        port: 80
        targets: [web1, web2]
        health_check: { path: /health, interval: 5, timeout: 2, healthy: 2, unhealthy: 2 }
        stickiness: { type: lb_cookie, duration: 600 }
    load_balancers:
      - name: web-alb
        type: application
        scheme: internet-facing
        subnets: [pub-a, pub-b]
        security_groups: [alb-sg]
        listeners:
          - protocol: http
            port: 80
            default: web-tg
            rules:
              - { priority: 1, host: sticky.example.com, forward: sticky-tg }
internet:
  hosts:
    - { name: ext, ip: 198.51.100.10 }
EOF
}
lab_file "[web1, web2]" 80 >"$T/lab.yaml"
lab_file "[web1, web2, web3]" 80 >"$T/add.yaml"
lab_file "[web1, web3]" 80 >"$T/remove.yaml"
lab_file "[web1, web3]" 8080 >"$T/nosg.yaml"
for f in lab add remove nosg; do
	OUT=$("$VPCLAB" check "$T/$f.yaml" 2>&1); RC=$?
	check_rc "vpclab check $f.yaml" 0 $RC "$OUT"
done
lab_up "$T/lab.yaml"

ALB=web-alb
st() { tstate $ALB "$1" "$2"; }
reason() { lbj $ALB "t('$1', '$2')['reason']"; }
all_healthy() { is_tstate $ALB web-tg web1 healthy && is_tstate $ALB web-tg web2 healthy &&
	is_tstate $ALB sticky-tg web1 healthy && is_tstate $ALB sticky-tg web2 healthy; }
wait_for "all targets healthy" 30 all_healthy
check "web1 healthy" healthy "$(st web-tg web1)"
check "web2 healthy" healthy "$(st web-tg web2)"
check "a healthy target has no reason" null "$(reason web-tg web1)"
VIP=$(lbj $ALB "node('pub-a')['public_ip']")
check_match "node pub-a's public IP" '^203\.0\.113\.[0-9]+$' "$VIP"
check_match "the health checks come from the nodes, with AWS's user agent" "ELB-HealthChecker/2\.0" \
	"$(grep -h '"/health"' "$(srv_log web1)" | head -n 1)"
A=$(names ext "http://$VIP/a" 10)
check "both answer, in turn" "5 5" "$(count_of web1 "$A") $(count_of web2 "$A")"

# ---------------------------------------------------------------- a server killed, restarted
for p in $(ip netns pids "$LAB-web1"); do kill "$p" 2>/dev/null; done
wait_for "web1's server to stop listening" 5 eval '! listening "$LAB-web1" tcp 80'
T0=$(_now_ms)
if wait_for "web1 unhealthy" 25 is_tstate $ALB web-tg web1 unhealthy; then
	MS=$(( $(_now_ms) - T0 ))
	# two failed checks 5 s apart, the first within 5 s, each within its 2 s timeout, 1 s slack
	if [ "$MS" -le 13000 ]; then ok "web1 unhealthy within interval x unhealthy + timeout ($MS ms)"
	else not_ok "web1 unhealthy within 13 s (took $MS ms)"; fi
else not_ok "web1 unhealthy after its server died (still: $(st web-tg web1))"; fi
check_match "its reason" '^Target\.(FailedHealthChecks|Timeout)$' "$(reason web-tg web1)"
check "web2 stays healthy" healthy "$(st web-tg web2)"
check_grew "UnHealthyHostCount counts it" 0 "$(counter_of $ALB UnHealthyHostCount)"
OUT=$("$VPCLAB" lb "$LAB" $ALB 2>&1)
check_match "lb shows web1 unhealthy with its reason" "web1 +80 +a +unhealthy +Target\.(FailedHealthChecks|Timeout)" "$OUT"
A=$(names ext "http://$VIP/b" 10)
check "all 10 requests go to web2" 10 "$(count_of web2 "$A")"

on_bg web1 $SRV1 >/dev/null 2>&1
wait_for "web1's server again" 5 listening "$LAB-web1" tcp 80
T0=$(_now_ms)
if wait_for "web1 healthy again" 25 is_tstate $ALB web-tg web1 healthy; then
	MS=$(( $(_now_ms) - T0 ))
	if [ "$MS" -le 13000 ]; then ok "web1 healthy again within interval x healthy + timeout ($MS ms)"
	else not_ok "web1 healthy again within 13 s (took $MS ms)"; fi
else not_ok "web1 healthy again (still: $(st web-tg web1))"; fi
A=$(names ext "http://$VIP/c" 10)
check "web1 gets its share again" "5 5" "$(count_of web1 "$A") $(count_of web2 "$A")"

# ---------------------------------------------------------------- sticky, then its target sick
SH=(-H "Host: sticky.example.com")
A=$(names ext "http://$VIP/s1" 4 "${SH[@]}" -c "$T/jar" -b "$T/jar")
STUCK=$(head -n 1 <<<"$A"); OTHER=web1; [ "$STUCK" = web1 ] && OTHER=web2
check "the cookie keeps the browser on $STUCK" 4 "$(count_of "$STUCK" "$A")"
touch "$T/sick-$STUCK"
if wait_for "$STUCK unhealthy in sticky-tg" 25 is_tstate $ALB sticky-tg "$STUCK" unhealthy; then
	ok "$STUCK unhealthy when /health answers 503"
else not_ok "$STUCK unhealthy when /health answers 503 (still: $(st sticky-tg "$STUCK"))"; fi
check "its reason" Target.ResponseCodeMismatch "$(reason sticky-tg "$STUCK")"
A=$(names ext "http://$VIP/s2" 4 "${SH[@]}" -c "$T/jar" -b "$T/jar")
check "a cookie naming an unhealthy target loses: all to $OTHER" 4 "$(count_of "$OTHER" "$A")"

# ---------------------------------------------------------------- all unhealthy: fail open
touch "$T/sick-$OTHER"
both_sick() { is_tstate $ALB web-tg web1 unhealthy && is_tstate $ALB web-tg web2 unhealthy; }
wait_for "both unhealthy" 25 both_sick && ok "both targets unhealthy" ||
	not_ok "both unhealthy (web1 $(st web-tg web1), web2 $(st web-tg web2))"
A=$(names ext "http://$VIP/fo" 10)
check "fail open: every request answered by a target" 10 "$(grep -c '^web[12]$' <<<"$A")"
check "and both get them" "5 5" "$(count_of web1 "$A") $(count_of web2 "$A")"
rm -f "$T/sick-web1" "$T/sick-web2"
wait_for "both healthy again" 25 all_healthy || not_ok "both healthy again (web1 $(st web-tg web1), web2 $(st web-tg web2))"

# ---------------------------------------------------------------- apply: register web3
OUT=$("$VPCLAB" apply "$T/add.yaml" 2>&1); RC=$?
check_rc "apply registers web3 in web-tg" 0 $RC "$OUT"
S=$(st web-tg web3)
diag "web3 right after the apply: $S"
check_match "web3 begins initial (or already healthy: a check runs at registration)" '^(initial|healthy)$' "$S"
[ "$S" = initial ] && check "its reason" Elb.InitialHealthChecking "$(reason web-tg web3)"
wait_for "web3 healthy" 20 is_tstate $ALB web-tg web3 healthy && ok "web3 healthy" ||
	not_ok "web3 healthy (state: $(st web-tg web3))"
A=$(names ext "http://$VIP/d" 30)
check "round robin over three: 10 each" "10 10 10" "$(count_of web1 "$A") $(count_of web2 "$A") $(count_of web3 "$A")"

# ---------------------------------------------------------------- apply: deregister web2 with a request in flight
for i in 1 2 3; do on_bg ext curl -s -m 15 -o "$T/slow.$i" -w '%{http_code}' "http://$VIP/slow?s=4&i=$i" >"$T/slow.$i.code" 2>/dev/null; done
wait_for "a slow request at web2" 5 eval '[ "$(srv_count web2 "^/slow")" -ge 1 ]'
OUT=$("$VPCLAB" apply "$T/remove.yaml" 2>&1); RC=$?
check_rc "apply deregisters web2" 0 $RC "$OUT"
check "web2 draining" draining "$(st web-tg web2)"
check "its reason" Target.DeregistrationInProgress "$(reason web-tg web2)"
B2=$(srv_count web2 '^/e')
A=$(names ext "http://$VIP/e" 10)
check "no new request to a draining target" "$B2" "$(srv_count web2 '^/e')"
check "web1 and web3 share them" "5 5" "$(count_of web1 "$A") $(count_of web3 "$A")"
slow_done() { [ "$(srv_count web2 '^/slow' end)" -ge 1 ]; }
wait_for "web2's request in flight to finish" 10 slow_done
W=""; for i in 1 2 3; do [ "$(cat "$T/slow.$i" 2>/dev/null)" = web2 ] && W="$(cat "$T/slow.$i.code")"; done
check "the request in flight on web2 finishes with its 200" 200 "$W"
gone2() { local s; s=$(st web-tg web2); [ "$s" = absent ] || [ "$s" = unused ]; }
wait_for "web2 gone after its deregistration delay (5 s)" 15 gone2 && ok "web2 deregistered" ||
	not_ok "web2 deregistered (state: $(st web-tg web2))"

# ---------------------------------------------------------------- apply: the load balancer's group
OUT=$("$VPCLAB" apply "$T/nosg.yaml" 2>&1); RC=$?
check_rc "apply: alb-sg admits 8080, not 80" 0 $RC "$OUT"
check "a new client connection to the listener gets no answer" silent "$(tcp_probe ext "$VIP" 80)"
check "curl times out" 000 "$(on ext curl -s -m 3 -o /dev/null -w '%{http_code}' "http://$VIP/f" 2>/dev/null)"
OUT=$("$VPCLAB" apply "$T/remove.yaml" 2>&1); RC=$?
check_rc "apply: alb-sg admits 80 again" 0 $RC "$OUT"
check "and the clients get in" 200 "$(hcode ext "http://$VIP/g")"
