#!/usr/bin/env bash
# Auto Scaling (issue 13), replacement of unhealthy instances behind an ALB, health type elb
# with a 20 s grace period: an instance whose `run` process is killed (`vpclab exec ... pkill`)
# is terminated at once with the EC2 health cause and replaced by GROUP-(N+1); a replacement whose
# health check fails from the start (no page: 404 against matcher 200) is unhealthy in its target
# group well before its grace period ends and is NOT replaced before it, then is (ELB health
# cause); an InService instance whose page is removed is replaced too. Every replacement serves.
TID=asghe; . "$(dirname "$0")/lib.sh"
. "$SYS_DIR/alb_test_lib.sh"
. "$SYS_DIR/asg_test_lib.sh"

GRACE=20
asg_lab MIN=1 DESIRED=2 MAX=4 HC=elb GRACE=$GRACE DEREG=2 >"$T/lab.yaml"
lab_up "$T/lab.yaml"
wait_for "two instances InService" 40 in_service 2 && ok "web-1, web-2 InService" ||
	not_ok "web-1, web-2 InService (got: $(asgj "[(i['name'], i['life']) for i in g['instances']]"))"
VIP=$(alb_vip)
IP1=$(asgj "inst('web-1')['ip']"); IP2=$(asgj "inst('web-2')['ip']")
check "both serve" "$(ips_of web-1 web-2)" "$(ips_seen 8)"

# ---------------------------------------------------------------- ec2 health: the run process killed
touch "$T/sick-next"    # web-1's replacement (web-3) will serve no page
OUT=$(timeout 10 "$VPCLAB" exec "$LAB" web-1 -- pkill -f "$(srv_pattern "$IP1")" 2>&1); RC=$?
check_rc "vpclab exec web-1 -- pkill its server" 0 $RC "$OUT"
T0=$(_now_ms)
wait_for "web-1 Terminating" 5 is_life web-1 Terminating && ok "web-1 Terminating ($(( $(_now_ms) - T0 )) ms after its process died)" ||
	not_ok "web-1 Terminating (got $(asgj "inst('web-1')"))"
check "web-1 Unhealthy" Unhealthy "$(asgj "inst('web-1').get('health')")"
check_match "the EC2 health cause" "an instance was taken out of service in response to an EC2 health check indicating it has been terminated or stopped\." \
	"$(asgj "act('^Terminating EC2 instance: web-1$').get('cause')")"
wait_for "web-3 launched" 5 eval '[ "$(asgj "inst(\"web-3\").get(\"name\")")" = web-3 ]' &&
	ok "web-3 launched to replace it" || not_ok "web-3 launched (group: $(asgj "insts()"))"
T3=$(_now_ms)
check "web-3 in web-1's zone (now the emptier one)" priv-a "$(asgj "inst('web-3').get('subnet')")"
check_match "its launch's cause" "an instance was started in response to a difference between desired and actual capacity, increasing the capacity from 1 to 2\." \
	"$(asgj "act('^Launching a new EC2 instance: web-3$').get('cause')")"
wait_for "web-1's namespace gone" 15 ns_gone web-1 && ok "web-1's namespace gone" || not_ok "web-1's namespace gone"
check "web-1 deregistered" absent "$(tstate web-alb web-tg web-1)"

# ---------------------------------------------------------------- elb health within and after the grace period
wait_for "web-3 unhealthy in web-tg" 20 tg_is web-3 unhealthy && ok "web-3's target unhealthy (no page: 404)" ||
	not_ok "web-3's target unhealthy (got $(tstate web-alb web-tg web-3))"
EL=$(( $(_now_ms) - T3 ))
diag "web-3 unhealthy $EL ms after its launch (grace period $GRACE s)"
if [ "$EL" -lt $(( GRACE * 1000 - 3000 )) ]; then ok "its target is unhealthy well within the grace period"
else not_ok "its target unhealthy within the grace period ($EL ms)"; fi
check "within the grace period it is not replaced: still Pending" Pending "$(asgj "inst('web-3').get('life')")"
check "no termination of web-3 yet" "{}" "$(asgj "act('^Terminating EC2 instance: web-3$')")"
check "no web-4 yet" "{}" "$(asgj "inst('web-4')")"
check "requests go to web-2 only" "$IP2" "$(ips_seen 6)"
wait_for "web-3 Terminating after its grace period" $(( GRACE + 15 )) is_life web-3 Terminating
EL=$(( $(_now_ms) - T3 ))
if is_life web-3 Terminating || gone_from_group web-3; then
	if [ "$EL" -ge $(( GRACE * 1000 - 1500 )) ]; then ok "web-3 replaced after its grace period ($EL ms after launch)"
	else not_ok "web-3 replaced only after its grace period ($EL ms < $GRACE s)"; fi
else not_ok "web-3 replaced after its grace period (still $(asgj "inst('web-3')"))"; fi
check_match "the ELB health cause" "an instance was taken out of service in response to an ELB system health check failure\." \
	"$(asgj "act('^Terminating EC2 instance: web-3$').get('cause')")"
wait_for "web-4 InService" 30 eval 'is_life web-4 InService && [ "$(asgj "insts()")" = "web-2 web-4" ]' &&
	ok "web-4 replaces it and is InService" || not_ok "web-4 InService (group: $(asgj "[(i['name'], i['life']) for i in g['instances']]"))"
check "web-4 and web-2 serve" "$(ips_of web-2 web-4)" "$(ips_seen 8)"

# ---------------------------------------------------------------- elb health of an InService instance
rm -f "$T/www/$IP2/index.html"
T0=$(_now_ms)
wait_for "web-2 Terminating" 30 is_life web-2 Terminating && ok "web-2 (page removed) terminated ($(( $(_now_ms) - T0 )) ms)" ||
	not_ok "web-2 terminated after its page went (got $(asgj "inst('web-2')"); target $(tstate web-alb web-tg web-2))"
check_match "the ELB health cause" "in response to an ELB system health check failure\." \
	"$(asgj "act('^Terminating EC2 instance: web-2$').get('cause')")"
wait_for "web-5 InService, web-2 gone" 30 eval 'is_life web-5 InService && [ "$(asgj "insts()")" = "web-4 web-5" ]' &&
	ok "web-5 replaces web-2" || not_ok "web-5 replaces web-2 (group: $(asgj "[(i['name'], i['life']) for i in g['instances']]"))"
check "web-5 in web-2's zone" priv-b "$(asgj "inst('web-5').get('subnet')")"
check "web-4 and web-5 serve" "$(ips_of web-4 web-5)" "$(ips_seen 8)"
wait_for "web-2's namespace gone" 10 ns_gone web-2 && ok "web-2's namespace gone" || not_ok "web-2's namespace gone"
check "desired stays 2 through the replacements" 2 "$(asgj "g['desired']")"
check "names never reused" "web-4 web-5" "$(asgj "insts()")"
