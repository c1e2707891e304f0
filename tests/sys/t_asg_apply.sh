#!/usr/bin/env bash
# Auto Scaling (issue 13) and `vpclab apply`: desired/min/max changed in the file change the
# running group as AWS's update-auto-scaling-group does (launches, terminations, the activity's
# cause); a launch template's changed `run:` applies to instances launched from then on, the
# running ones keep theirs (not restarted); user applies made while the group's own changes run
# succeed; removing the group removes its instances (namespaces, ports, targets) and nothing else.
TID=asgap; . "$(dirname "$0")/lib.sh"
. "$SYS_DIR/alb_test_lib.sh"
. "$SYS_DIR/asg_test_lib.sh"

sed 's/echo "\\$ip" >/echo "v2 \\$ip" >/; s/echo "$ip" >/echo "v2 $ip" >/' "$T/web.sh" >"$T/web2.sh"
grep -q 'v2 ' "$T/web2.sh" || not_ok "web2.sh writes a v2 page"
RUN2="exec sh $T/web2.sh"
asg_lab MIN=1 DESIRED=1 MAX=3 HC=elb GRACE=60 >"$T/lab.yaml"
asg_lab MIN=1 DESIRED=2 MAX=3 HC=elb GRACE=60 >"$T/d2.yaml"
asg_lab MIN=1 DESIRED=3 MAX=3 HC=elb GRACE=60 RUN="$RUN2" LTSGS="[web]" >"$T/d3v2.yaml"
asg_lab MIN=1 DESIRED=1 MAX=1 HC=elb GRACE=60 RUN="$RUN2" >"$T/max1.yaml"
# the same with the admin group's port changed (a user's change that is not the group's)
sed 's/ports: 22, cidr/ports: 2222, cidr/' "$T/max1.yaml" >"$T/max1b.yaml"
asg_lab GROUP=no RUN="$RUN2" >"$T/nogroup.yaml"
for f in lab d2 d3v2 max1 max1b nogroup; do
	OUT=$("$VPCLAB" check "$T/$f.yaml" 2>&1); RC=$?
	check_rc "vpclab check $f.yaml" 0 $RC "$OUT"
done
lab_up "$T/lab.yaml"
wait_for "web-1 InService" 30 in_service 1 && ok "web-1 InService" || not_ok "web-1 InService ($(asgj "inst('web-1')"))"
VIP=$(alb_vip)
check "web-1 serves" "$(ips_of web-1)" "$(ips_seen 3)"

# ---------------------------------------------------------------- desired 1 -> 2 in the file
OUT=$(timeout 60 "$VPCLAB" apply "$T/d2.yaml" 2>&1); RC=$?
check_rc "apply desired 2" 0 $RC "$OUT"
check_match "the plan: the group's desired capacity" "~ auto_scaling_group web: desired 1 -> 2" "$OUT"
wait_for "two InService" 30 in_service 2 && ok "web-2 launched and InService" ||
	not_ok "web-2 InService ($(asgj "[(i['name'], i['life']) for i in g['instances']]"))"
check_match "its cause: update-auto-scaling-group" "a user request update of AutoScalingGroup constraints to min: 1, max: 3, desired: 2 changing the desired capacity from 1 to 2\." \
	"$(asgj "act('web-2$').get('cause')")"
check "both serve" "$(ips_of web-1 web-2)" "$(ips_seen 8)"
P1=$(pgrep -f "$(srv_pattern "$(asgj "inst('web-1')['ip']")")")
P2=$(pgrep -f "$(srv_pattern "$(asgj "inst('web-2')['ip']")")")

# ---------------------------------------------------------------- a new run line, desired 3
OUT=$(timeout 60 "$VPCLAB" apply "$T/d3v2.yaml" 2>&1); RC=$?
check_rc "apply: the template's run changed, desired 3" 0 $RC "$OUT"
check_match "the plan: the template's security groups" "~ launch_template web-lt: security_groups \[admin, web\] -> \[web\]" "$OUT"
check_match "the plan says the run line applies to new instances" "~ launch_template web-lt: run changed \(applies to instances launched from now on\)" "$OUT"
check_nomatch "and changes no running instance" "instance web-[0-9]" "$OUT"
wait_for "three InService" 30 in_service 3 && ok "web-3 InService" ||
	not_ok "web-3 InService ($(asgj "[(i['name'], i['life']) for i in g['instances']]"))"
IP3=$(asgj "inst('web-3')['ip']")
wait_for "web-3's target healthy" 15 tg_is web-3 healthy
SEEN=$(ips_seen 12)
check_match "web-3 runs the new line (its page: v2)" "(^| )v2 $IP3( |$)" "$SEEN"
check "web-1 and web-2 keep theirs (old pages)" "$(ips_of web-1 web-2)" "$(tr ' ' '\n' <<<"$SEEN" | grep -v '^v2$' | grep -vx "$IP3" | sort -u | tr '\n' ' ' | sed 's/ $//')"
check "web-3 has the template's new security groups, web-1 and web-2 keep theirs" "web web,admin web,admin" \
	"$(for n in web-3 web-1 web-2; do status_get "$LAB" "port.$n.security_groups" | tr -d "[]' "; done | tr '\n' ' ' | sed 's/ $//')"
tcp_ok fixed web-1 22       # admin admits 22 from the VPC: web-1 has it
tcp_blocked fixed web-3 22  # web-3 was launched from the template without admin
check "and were not restarted" "$P1 $P2" \
	"$(pgrep -f "$(srv_pattern "$(asgj "inst('web-1')['ip']")")") $(pgrep -f "$(srv_pattern "$(asgj "inst('web-2')['ip']")")")"

# ---------------------------------------------------------------- max 1: the group shrinks, user applies meanwhile
OUT=$(timeout 60 "$VPCLAB" apply "$T/max1.yaml" 2>&1); RC=$?
check_rc "apply max 1, desired 1" 0 $RC "$OUT"
check_match "the plan" "~ auto_scaling_group web: max 3 -> 1" "$OUT"
# the group's own applies (deregistration, then removal after 2 s) run now: user applies in
# between wait for them and succeed
n=0 during=0 bad=""
end=$(( $(_now_ms) + 15000 ))
while [ "$(_now_ms)" -lt "$end" ]; do
	busy=$(asgj "len(insts('Terminating').split())")
	f=max1b; [ $((n % 2)) -eq 1 ] && f=max1
	OUT=$(timeout 60 "$VPCLAB" apply "$T/$f.yaml" 2>&1); RC=$?
	n=$((n + 1))
	[ "$RC" -eq 0 ] || bad="$bad [$f: exit $RC: $(head -c 200 <<<"$OUT" | tr '\n' '|')]"
	[ "$busy" != 0 ] && during=$((during + 1))
	[ "$busy" = 0 ] && [ "$during" -gt 0 ] && [ $((n % 2)) -eq 0 ] && break
done
diag "$n user applies, $during of them begun while instances were Terminating"
check "every user apply during the group's changes succeeded" "" "$bad"
if [ "$during" -gt 0 ]; then ok "some ran while the group changed ($during)"
else not_ok "a user apply while the group changed (none found Terminating instances)"; fi
wait_for "one instance left" 20 in_service 1 && ok "the group shrank to 1: $(asgj "insts()")" ||
	not_ok "the group shrank to 1 ($(asgj "[(i['name'], i['life']) for i in g['instances']]"))"
check "desired 1" 1 "$(asgj "g['desired']")"
check_match "the cause: the new constraints" "a user request update of AutoScalingGroup constraints to min: 1, max: 1, desired: 1 changing the desired capacity from 3 to 1\." \
	"$(asgj "act('^Terminating').get('cause')")"
LEFT=$(asgj "insts()")
for n in web-1 web-2 web-3; do [ "$n" = "$LEFT" ] || { ns_gone "$n" && ok "$n's namespace gone" || not_ok "$n's namespace gone"; }; done
check "the one left serves" "$(asgj "inst('$LEFT')['ip']" | sed "s/^/$( [ "$LEFT" = web-3 ] && echo 'v2 ')/")" "$(ips_seen 3)"
read -r RC MSG <<<"$(set_desired 2)"
check "set-desired 2 above the new max 1: exit 1" 1 "$RC"
check_match "AWS's message" "New SetDesiredCapacity value 2 is above max value 1" "$MSG"

# ---------------------------------------------------------------- the group removed
OUT=$(timeout 60 "$VPCLAB" apply "$T/nogroup.yaml" 2>&1); RC=$?
check_rc "apply without the group" 0 $RC "$OUT"
check_match "the plan removes the group" "- auto_scaling_group web" "$OUT"
check_match "and its instance" "- instance $LEFT" "$OUT"
wait_for "$LEFT's namespace gone" 10 ns_gone "$LEFT" && ok "$LEFT's namespace gone" || not_ok "$LEFT's namespace gone"
check "status: no port of the group left" "" "$(timeout 10 "$VPCLAB" status "$LAB" --json | "$PY" -c 'import json,sys; print(" ".join(p["name"] for p in json.load(sys.stdin)["ports"] if p.get("group")))')"
check "the router knows no group" "[]" "$(asg_ctl asg | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["groups"])')"
check "the file's own instance stays" 10.0.11.200 "$(status_get "$LAB" port.fixed.ip)"
# its target drains for the deregistration delay (2 s), as a deregistered target does, then goes
no_targets() { [ "$(lbj web-alb "g('web-tg')['targets']")" = "[]" ]; }
wait_for "no target left in web-tg" 10 no_targets && ok "no target left in web-tg" ||
	not_ok "no target left in web-tg (got $(lbj web-alb "g('web-tg')['targets']"))"
