#!/usr/bin/env bash
# Auto Scaling (issue 13), target tracking on alb_request_count_per_target with bounded real
# load through the ALB: a client in the internet sends a bounded number of requests (at most
# 100 a second) and the requests per target per period go above the target; after 3 periods
# the group scales out, never past max, and the activity names the alarm. Then light traffic
# (one request a second: the metric has data, below 90% of the target) scales it in to min after
# 15 periods, never below it.
TID=asgrp; . "$(dirname "$0")/lib.sh"
. "$SYS_DIR/alb_test_lib.sh"
. "$SYS_DIR/asg_test_lib.sh"

PERIOD=5
asg_lab MIN=1 DESIRED=1 MAX=3 HC=elb GRACE=30 PERIOD=$PERIOD COOLDOWN=5 DEREG=1 \
	POLICIES="          - { name: rps, type: target_tracking, metric: alb_request_count_per_target, target: 20 }" >"$T/lab.yaml"
OUT=$("$VPCLAB" check "$T/lab.yaml" 2>&1); RC=$?
check_rc "vpclab check: an rps policy" 0 $RC "$OUT"
lab_up "$T/lab.yaml"
wait_for "web-1 InService" 30 in_service 1 && ok "web-1 InService" || not_ok "web-1 InService ($(asgj "inst('web-1')"))"
VIP=$(alb_vip)

# load.py URL COUNT RATE LOG: COUNT requests at most RATE a second, one line per answer
cat >"$T/load.py" <<'PYEOF'
import sys, time, urllib.request
url, count, rate, log = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
with open(log, "a") as f:
    t0 = time.monotonic()
    for i in range(count):
        try:
            body = urllib.request.urlopen(url, timeout=3).read().decode().strip()
        except Exception as e:
            body = "error"
        f.write(body + "\n"); f.flush()
        wait = t0 + (i + 1) / rate - time.monotonic()
        if wait > 0:
            time.sleep(wait)
PYEOF

# the group watched all along: "desired live"
( while :; do asgj "'%d %d' % (g['desired'], len([i for i in g['instances'] if i['life'] != 'Terminating']))" >>"$T/bounds"; sleep 0.3; done ) &
WATCH=$!; BG_PIDS+=($WATCH)

check "before any request: no data (AWS reports no request count)" null "$(asgj "pol('rps')['value']")"

# ---------------------------------------------------------------- heavy: 2500 requests, at most 100 a second
on_bg ext timeout 60 "$PY" "$T/load.py" "http://$VIP/" 2500 100 "$T/heavy.log"
HEAVY=$!
T0=$(_now_ms)
wait_for "desired 3" $(( 8 * PERIOD + 10 )) desired_is 3 && ok "scaled out to max 3 under load ($(( $(_now_ms) - T0 )) ms)" ||
	not_ok "scaled out to 3 (desired $(asgj "g['desired']"), rps $(asgj "pol('rps')"))"
diag "rps policy at the scale-out: $(asgj "pol('rps')")"
check_match "the alarm's cause" "a monitor alarm TargetTracking-web-AlarmHigh-rps in state ALARM triggered policy rps changing the desired capacity from 1 to 3\." \
	"$(asgj "act('^Launching a new EC2 instance: web-3$').get('cause')")"
check_match "its details" "^alb_request_count_per_target [0-9]+ > target 20 for 3 periods$" \
	"$(asgj "act('^Launching a new EC2 instance: web-3$').get('details')")"
wait_for "3 InService" 30 in_service 3 && ok "web-2, web-3 InService" ||
	not_ok "3 InService ($(asgj "[(i['name'], i['life']) for i in g['instances']]"))"
three_serve() { [ "$(sort -u "$T/heavy.log" | grep -c '^10\.')" -ge 3 ]; }
wait_for "the load reaching the three" 20 three_serve && ok "the load reaches all three" ||
	not_ok "the load reaches all three (got: $(sort "$T/heavy.log" | uniq -c | tr '\n' ' '))"
kill "$HEAVY" 2>/dev/null; wait "$HEAVY" 2>/dev/null
check "no error answer under load" 0 "$(grep -vc '^10\.' "$T/heavy.log")"

# ---------------------------------------------------------------- light: one a second, for at most 150 s
on_bg ext timeout 150 "$PY" "$T/load.py" "http://$VIP/" 150 1 "$T/light.log"
LIGHT=$!
T0=$(_now_ms)
wait_for "desired 1" $(( 22 * PERIOD + 10 )) desired_is 1 && ok "scaled in to min 1 with light traffic ($(( $(_now_ms) - T0 )) ms)" ||
	not_ok "scaled in to 1 (desired $(asgj "g['desired']"), rps $(asgj "pol('rps')"))"
EL=$(( $(_now_ms) - T0 ))
if [ "$EL" -ge $(( 14 * PERIOD * 1000 )) ]; then ok "not before 15 low periods ($EL ms)"
else not_ok "scale-in only after 15 low periods of $PERIOD s (took $EL ms)"; fi
check_match "the alarm's cause" "a monitor alarm TargetTracking-web-AlarmLow-rps in state ALARM triggered policy rps changing the desired capacity from 3 to 1\." \
	"$(asgj "act('^Terminating EC2 instance: ').get('cause')")"
wait_for "one instance left" 20 in_service 1 && ok "one instance left: $(asgj "insts()")" ||
	not_ok "one instance left ($(asgj "[(i['name'], i['life']) for i in g['instances']]"))"
kill "$LIGHT" 2>/dev/null; wait "$LIGHT" 2>/dev/null
check "the light traffic was answered all along" 0 "$(grep -vc '^10\.' "$T/light.log")"

seen_in() { grep -q '^1 ' "$T/bounds" && awk '$1 == 3 { up = 1 } up && $1 == 1 { f = 1 } END { exit !f }' "$T/bounds"; }
wait_for "the watcher to see the scale-in" 5 seen_in
kill "$WATCH" 2>/dev/null; wait "$WATCH" 2>/dev/null
check "never past max, never below min: desired and live within 1..3" "1 3 1 3" \
	"$(awk '$1 ~ /^[0-9]+$/ && $2 ~ /^[0-9]+$/ { if (d == "" || $1 < d) d = $1; if ($1 > D) D = $1; if (l == "" || $2 < l) l = $2; if ($2 > L) L = $2 } END { print d + 0, D + 0, l + 0, L + 0 }' "$T/bounds")"
diag "the activities, newest first:"
asgj "'\\n'.join('%s %s %s | %s | %s' % (a['time'], a['status'], a['description'], a['cause'], a.get('details')) for a in acts())" | sed 's/^/#   /'
