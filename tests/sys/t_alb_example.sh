#!/usr/bin/env bash
# rules/alb-two-az.yaml, the tutorial's application load balancer, walked through as its comment
# says (a copy under a unique lab name): both targets healthy, curl from the internet host to a
# node's public IP alternates web1 / web2 (round robin), the servers log the nodes' private IPs
# only, the load-balancer-only group keeps ext off the servers' own public IPs, the rule's fixed
# response, web1's server killed: unhealthy within the thresholds and all to web2, restarted:
# healthy and in turn again; `vpclab lb` shows the DNS name, nodes, targets and RequestCount
# growing by the requests made; its `checks:` pass under `vpclab test`.
TID=albex; . "$(dirname "$0")/lib.sh"
. "$SYS_DIR/alb_test_lib.sh"

EX="$REPO/rules/alb-two-az.yaml"
sed "s/^name:.*/name: $LAB/" "$EX" >"$T/lab.yaml"
OUT=$("$VPCLAB" check "$T/lab.yaml" 2>&1); RC=$?
check_rc "vpclab check rules/alb-two-az.yaml" 0 $RC "$OUT"
check_match "check shows the ALB's nodes in two zones" "node public-b \(az b\): 10\.0\.2\.4, public 203\.0\.113\.4" "$OUT"
lab_up "$T/lab.yaml"

ALB=web-alb
LOG1=/run/vpclab/$LAB/run/web1.log
LOG2=/run/vpclab/$LAB/run/web2.log
both_healthy() { is_tstate $ALB web-tg web1 healthy && is_tstate $ALB web-tg web2 healthy; }
wait_for "web1 and web2 healthy" 30 both_healthy
check "web1 healthy" healthy "$(tstate $ALB web-tg web1)"
check "web2 healthy" healthy "$(tstate $ALB web-tg web2)"
VIP=$(lbj $ALB "node('public-a')['public_ip']")
check "node public-a's public IP is the one the comment uses" 203.0.113.3 "$VIP"
check_match "the DNS name" "^$ALB-[0-9a-f]{10}\.us-east-1\.elb\.amazonaws\.com$" "$(lbj $ALB "lb['dns']")"

# gets LOG: the tutorial's requests (/?alb=N) in a server's access log (health checks are GET /)
gets() { grep -c '"GET /?alb=' "$1" 2>/dev/null || echo 0; }
RC0=$(counter_of $ALB RequestCount)
A=""
for i in $(seq 1 20); do A+="$(hget ext "http://$VIP/?alb=$i")"$'\n'; done
A=${A%$'\n'}
check "20 requests: web1 answers 10" 10 "$(count_of web1 "$A")"
check "web2 answers 10" 10 "$(count_of web2 "$A")"
if alternates "$A"; then ok "they alternate (round robin)"; else not_ok "they alternate: $(tr '\n' ' ' <<<"$A")"; fi
check_delta "RequestCount grows by 20" $ALB RequestCount "$RC0" 20
wait_for "the servers to log the 20 requests" 5 eval '[ $(( $(gets "$LOG1") + $(gets "$LOG2") )) -ge 20 ]'
check "the servers saw node public-a (10.0.1.4) only, never the client" "10.0.1.4" \
	"$(grep -h '"GET /?alb=' "$LOG1" "$LOG2" | awk '{print $1}' | sort -u | tr '\n' ' ' | sed 's/ $//')"
check "the rule's fixed response" "web-alb is up" "$(hget ext "http://$VIP/lb-status")"
check "the load-balancer-only group: ext -> web1's public IP 203.0.113.1:80 gets no answer" silent \
	"$(tcp_probe ext 203.0.113.1 80)"
check "nor web2's" silent "$(tcp_probe ext 203.0.113.2 80)"
check "the node's other port (22): no answer either (alb-sg)" silent "$(tcp_probe ext "$VIP" 22)"

# web1's server stops (by its namespace's processes, not pkill -f: another `alb` lab may run)
for p in $(ip netns pids "$LAB-web1"); do kill "$p" 2>/dev/null; done
wait_for "web1's server to stop listening" 5 eval '! listening "$LAB-web1" tcp 80'
T0=$(_now_ms)
if wait_for "web1 unhealthy" 25 is_tstate $ALB web-tg web1 unhealthy; then
	MS=$(( $(_now_ms) - T0 ))
	if [ "$MS" -le 13000 ]; then ok "web1 unhealthy within 2 checks 5 s apart (+ timeout 2 s): $MS ms"
	else not_ok "web1 unhealthy within 13 s (took $MS ms)"; fi
else not_ok "web1 unhealthy (still: $(tstate $ALB web-tg web1))"; fi
check_match "reason" '^Target\.(FailedHealthChecks|Timeout)$' "$(lbj $ALB "t('web-tg', 'web1')['reason']")"
OUT=$("$VPCLAB" lb "$LAB" 2>&1)
check_match "vpclab lb: web1 unhealthy with its reason" "web1 +80 +a +unhealthy +Target\.(FailedHealthChecks|Timeout)" "$OUT"
check_match "vpclab lb: web2 healthy" "web2 +80 +b +healthy" "$OUT"
check_match "vpclab lb: the DNS name" "dns $ALB-[0-9a-f]{10}\.us-east-1\.elb\.amazonaws\.com" "$OUT"
check_match "vpclab lb: node public-a" "public-a +a +10\.0\.1\.4 +203\.0\.113\.3 +$LAB-$ALB-public-a" "$OUT"
A=$(names ext "http://$VIP/" 10)
check "all 10 requests to web2" 10 "$(count_of web2 "$A")"

# restarted as its `run:` starts it
RUN1=$(sed -n 's/^ *run: "\(.*alb-web1.*\)"$/\1/p' "$EX")
check_match "web1's run line found in the example" "http.server" "$RUN1"
on_bg web1 sh -c "$RUN1" >/dev/null 2>&1
wait_for "web1's server again" 5 listening "$LAB-web1" tcp 80
T0=$(_now_ms)
if wait_for "web1 healthy again" 25 is_tstate $ALB web-tg web1 healthy; then
	MS=$(( $(_now_ms) - T0 ))
	if [ "$MS" -le 13000 ]; then ok "web1 healthy again within 2 checks ($MS ms)"
	else not_ok "web1 healthy again within 13 s (took $MS ms)"; fi
else not_ok "web1 healthy again (still: $(tstate $ALB web-tg web1))"; fi
A=$(names ext "http://$VIP/" 10)
check "in turn again" "5 5" "$(count_of web1 "$A") $(count_of web2 "$A")"
lab_down >/dev/null 2>&1
check "no namespace of the lab is left" "" "$(ls /run/netns | grep "^$LAB-" | tr '\n' ' ')"

# its checks, as `vpclab test rules/alb-two-az.yaml` runs them (t_test_rules.sh runs them too)
sed "s/^name:.*/name: ${LAB}t/" "$EX" >"$T/test.yaml"
LABS+=("${LAB}t")
N=$(sed -n '/^checks:/,$p' "$EX" | grep -c '^ *- *{.*from:')
OUT=$(timeout 90 "$VPCLAB" test "$T/test.yaml" 2>&1); RC=$?
check_rc "vpclab test rules/alb-two-az.yaml" 0 $RC "$(printf '%s' "$OUT" | tail -n 6 | tr '\n' '|')"
check "its $N checks pass" "$N passed, 0 failed" "$(printf '%s\n' "$OUT" | tail -n 1)"
check_nomatch "trace and traffic agree" "INTERNAL ERROR" "$OUT"
