#!/usr/bin/env bash
# Auto Scaling (issue 13), start and set-desired with real instances behind an internet-facing
# ALB: `up` starts `desired` instances named GROUP-1..N, spread over the subnets' zones, each on
# its subnet's first free address with the launch template's security groups; they turn
# InService once their target is healthy and every one of them answers through the ALB (each
# page says its address); status gives them "group"; the activities say why, in AWS's words.
# set-desired up launches into the zone with fewest instances; down terminates by AWS's
# default policy (the zone with most, then the oldest): Terminating, the target draining, the
# namespace gone; outside min..max it is refused with AWS's message and nothing changes.
TID=asgup; . "$(dirname "$0")/lib.sh"
. "$SYS_DIR/alb_test_lib.sh"
. "$SYS_DIR/asg_test_lib.sh"

asg_lab MIN=1 DESIRED=3 MAX=4 HC=elb GRACE=60 DEREG=4 >"$T/lab.yaml"
OUT=$("$VPCLAB" check "$T/lab.yaml" 2>&1); RC=$?
check_rc "vpclab check: the group's lab" 0 $RC "$OUT"
lab_up "$T/lab.yaml"

# ---------------------------------------------------------------- up: desired instances
check "three instances named web-1..3" "web-1 web-2 web-3" "$(asgj "insts()")"
check "spread over the zones in the group's subnet order" "priv-a priv-b priv-a" \
	"$(asgj "' '.join(inst(n)['subnet'] for n in ('web-1', 'web-2', 'web-3'))")"
check "their zones" "a b a" "$(asgj "' '.join(inst(n)['az'] for n in ('web-1', 'web-2', 'web-3'))")"
check "each on its subnet's first free address" "10.0.11.4 10.0.12.4 10.0.11.5" \
	"$(asgj "' '.join(inst(n)['ip'] for n in ('web-1', 'web-2', 'web-3'))")"
check "the address is really on their eth0" "10.0.11.4 10.0.12.4 10.0.11.5" "$(ip_of web-1) $(ip_of web-2) $(ip_of web-3)"
check "made from the template" "web-lt web-lt web-lt" \
	"$(asgj "' '.join(inst(n)['launch_template'] for n in ('web-1', 'web-2', 'web-3'))")"
check "status: the template's security groups" "web,admin web,admin web,admin" \
	"$(for n in web-1 web-2 web-3; do status_get "$LAB" "port.$n.security_groups" | tr -d "[]' " ; done | tr '\n' ' ' | sed 's/ $//')"
check "status --json: their group" "web web web" \
	"$(status_get "$LAB" port.web-1.group port.web-2.group port.web-3.group | tr '\n' ' ' | sed 's/ $//')"
check "status --json: the file's own instance has no group" "missing:port.fixed.group" "$(status_get "$LAB" port.fixed.group)"
check "status --json: nor the load balancer's node" "missing:port.web-alb.group" "$(status_get "$LAB" port.web-alb.group)"

T0=$(_now_ms)
wait_for "three instances InService" 40 in_service 3 && ok "all three InService ($(( $(_now_ms) - T0 )) ms after up)" ||
	not_ok "all three InService (got: $(asgj "[(i['name'], i['life']) for i in g['instances']]"))"
for n in web-1 web-2 web-3; do
	check "$n's target healthy (InService after its first passing check, health type elb)" healthy "$(tstate web-alb web-tg "$n")"
done
VIP=$(alb_vip)
check_match "the ALB's public address" '^203\.0\.113\.[0-9]+$' "$VIP"
check "requests through the ALB reach every instance, and nothing else" "10.0.11.4 10.0.11.5 10.0.12.4" "$(ips_seen 12)"
check "the desired capacity" 3 "$(asgj "g['desired']")"
check "three launches, Successful" "Successful Successful Successful" \
	"$(asgj "' '.join(act('^Launching a new EC2 instance: web-%d$' % k).get('status', 'none') for k in (1, 2, 3))")"
CAUSE=$(asgj "act('^Launching a new EC2 instance: web-3$').get('cause')")
check_match "web-3's cause: the group's creation" "a user request created an AutoScalingGroup changing the desired capacity from 0 to 3\." "$CAUSE"
check_match "and the launch" "an instance was started in response to a difference between desired and actual capacity, increasing the capacity from 2 to 3\." "$CAUSE"
check_match "with AWS's time format" '^At 20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z ' "$CAUSE"

# the text a person reads: `vpclab asg` and `vpclab status`
if [ "$ASG_CLI" = yes ]; then
	OUT=$(timeout 10 "$VPCLAB" asg "$LAB" 2>&1); RC=$?
	check_rc "vpclab asg" 0 $RC "$OUT"
	check_match "the group's line" "^auto scaling group web \(vpc main, launch template web-lt\): min 1, desired 3, max 4" "$OUT"
	for n in "web-1 +priv-a \(a\) +10\.0\.11\.4" "web-2 +priv-b \(b\) +10\.0\.12\.4" "web-3 +priv-a \(a\) +10\.0\.11\.5"; do
		check_match "an instance line: ${n%% *} InService Healthy" "^ +$n +InService +Healthy " "$OUT"
	done
	check_match "the activity with its cause" "Successful +Launching a new EC2 instance: web-3" "$OUT"
	OUT=$(timeout 10 "$VPCLAB" status "$LAB" 2>&1)
	check_match "vpclab status names the group in its last column" "^web-2 .* web$" "$OUT"
	check_nomatch "and not for the file's own instance" "^fixed .* web$" "$OUT"
else diag "vpclab has no asg command yet: the text is not checked"; fi

# ---------------------------------------------------------------- set-desired outside min..max
BEFORE=$(asgj "(g['desired'], insts())")
read -r RC MSG <<<"$(set_desired 5)"
check "set-desired 5 above max 4: exit 1" 1 "$RC"
check_match "with AWS's message" "New SetDesiredCapacity value 5 is above max value 4 for the AutoScalingGroup\." "$MSG"
read -r RC MSG <<<"$(set_desired 0)"
check "set-desired 0 below min 1: exit 1" 1 "$RC"
check_match "with AWS's message" "New SetDesiredCapacity value 0 is below min value 1 for the AutoScalingGroup\." "$MSG"
check "nothing changed" "$BEFORE" "$(asgj "(g['desired'], insts())")"
check "no activity about it" 3 "$(asgj "len(acts())")"

# ---------------------------------------------------------------- set-desired up
read -r RC MSG <<<"$(set_desired 4)"
check "set-desired 4: exit 0" 0 "$RC"
wait_for "web-4 in the group" 10 eval '[ "$(asgj "inst(\"web-4\").get(\"name\")")" = web-4 ]'
check "web-4 goes to the zone with fewest instances (b), first free address" "priv-b 10.0.12.5" \
	"$(asgj "'%s %s' % (inst('web-4').get('subnet'), inst('web-4').get('ip'))")"
wait_for "four InService" 30 in_service 4 && ok "web-4 InService" || not_ok "web-4 InService (got $(asgj "inst('web-4').get('life')"))"
check_match "its cause: the user's request" "a user request explicitly set group desired capacity changing the desired capacity from 3 to 4\..*increasing the capacity from 3 to 4\." \
	"$(asgj "act('web-4$').get('cause')")"
check "requests reach all four" "10.0.11.4 10.0.11.5 10.0.12.4 10.0.12.5" "$(ips_seen 16)"

# ---------------------------------------------------------------- set-desired down
read -r RC MSG <<<"$(set_desired 2)"
check "set-desired 2: exit 0" 0 "$RC"
wait_for "two instances Terminating" 5 eval '[ "$(asgj "insts(\"Terminating\")")" = "web-1 web-2" ]' &&
	ok "AWS's default policy: the zone with most, then the oldest: web-1 and web-2 Terminating" ||
	not_ok "web-1 and web-2 Terminating (got: $(asgj "[(i['name'], i['life']) for i in g['instances']]"))"
check "web-1's target drains" draining "$(tstate web-alb web-tg web-1)"
check "web-2's target drains" draining "$(tstate web-alb web-tg web-2)"
check "requests no longer reach the draining ones" "10.0.11.5 10.0.12.5" "$(ips_seen 8)"
check "the namespace stays while the target drains" yes "$(ns_there web-1 && echo yes || echo no)"
check_match "the termination's cause" "changing the desired capacity from 4 to 2\..*an instance was taken out of service in response to a difference between desired and actual capacity, shrinking the capacity from 4 to 3\." \
	"$(asgj "act('^Terminating EC2 instance: web-1$').get('cause')")"
check "in progress while it drains" InProgress "$(asgj "act('^Terminating EC2 instance: web-1$').get('status')")"
T0=$(_now_ms)
both_gone() { ns_gone web-1 && ns_gone web-2; }
wait_for "web-1's and web-2's namespaces gone" 20 both_gone && ok "their namespaces gone after draining ($(( $(_now_ms) - T0 )) ms, deregistration delay 4 s)" ||
	not_ok "namespaces gone (left: $(ip netns list | grep -o "$LAB-web-[12]\b" | tr '\n' ' '))"
wait_for "the group without them" 5 eval '[ "$(asgj "insts()")" = "web-3 web-4" ]' && ok "the group: web-3 web-4" ||
	not_ok "the group: web-3 web-4 (got $(asgj "insts()"))"
check "their terminations Successful" "Successful Successful" \
	"$(asgj "act('^Terminating EC2 instance: web-1$').get('status')") $(asgj "act('^Terminating EC2 instance: web-2$').get('status')")"
check "their ports gone from status" "missing:port.web-1.ip missing:port.web-2.ip" \
	"$(status_get "$LAB" port.web-1.ip port.web-2.ip | tr '\n' ' ' | sed 's/ $//')"
check "their targets gone" "absent absent" "$(tstate web-alb web-tg web-1) $(tstate web-alb web-tg web-2)"
check "the rest serve on" "10.0.11.5 10.0.12.5" "$(ips_seen 8)"
check "web-3 and web-4 InService still" "web-3 web-4" "$(asgj "insts('InService')")"
