#!/usr/bin/env bash
# vpclab export of a lab with an auto scaling group (rules/asg-alb.yaml): once the group has
# launched its instances, the export names the group, its template and target group but not
# the instances it launched (GROUP-N) nor their registrations; it checks, and applied to the
# running lab it changes nothing (the group's instances stay where they are).
TID=expas; . "$(dirname "$0")/lib.sh"

sed "s/^name: asg\$/name: $LAB/" "$REPO/rules/asg-alb.yaml" >"$T/a.yaml"
lab_up "$T/a.yaml"
has_members() { [ "$(status_get "$LAB" port.web-asg-2.ip)" != "missing:port.web-asg-2.ip" ] &&
		[ "$(status_get "$LAB" port.web-asg-1.ip)" != "missing:port.web-asg-1.ip" ]; }
wait_for "the group's two instances" 20 has_members && ok "web-asg-1 and web-asg-2 run"

"$VPCLAB" export "$LAB" >"$T/e.yaml" 2>"$T/e.err"; rc=$?
check_rc "vpclab export" 0 "$rc" "$(cat "$T/e.err")"
out=$("$VPCLAB" check "$T/e.yaml" 2>&1); rc=$?
check_rc "the export checks" 0 "$rc" "$out"
e=$(cat "$T/e.yaml")
check_match "the group is written" "auto_scaling_groups:" "$e"
check_match "its launch template is written" "name: web-lt" "$e"
check_nomatch "the instances it launched are not" "web-asg-[0-9]" "$e"
out=$("$VPCLAB" apply "$T/e.yaml" 2>&1); rc=$?
check_rc "apply the export to the running lab" 0 "$rc" "$out"
check "it changes nothing" "no changes" "$out"
check_match "the group's instances still run" "^[0-9.]+$" "$(status_get "$LAB" port.web-asg-1.ip)"
