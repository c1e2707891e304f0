#!/usr/bin/env bash
# Auto Scaling (issue 13), target tracking on network_in and network_out (ASGAverageNetworkIn/Out:
# bytes per instance per period, from the router's counters of the instance's interface): a
# bounded download through the load balancer puts bytes into (the requests) and out of (the
# answers) the one instance; each policy's alarm scales the group out after 3 periods above its
# target, and the activity names the policy and the bytes.
TID=asgnet; . "$(dirname "$0")/lib.sh"
. "$SYS_DIR/alb_test_lib.sh"
. "$SYS_DIR/asg_test_lib.sh"

PERIOD=5
for metric in network_out network_in; do
	# out: a 64 KiB page 10 times a second is ~3 MB a period, far above 200 KB; the requests
	# alone (~100 B each) carry ~5 KB a period in: the network_in target is 2 KB
	target=200000
	[ "$metric" = network_in ] && target=2000
	LAB="${PFX}${metric#network_}"; LABS+=("$LAB")
	asg_lab MIN=1 DESIRED=1 MAX=2 PERIOD=$PERIOD COOLDOWN=5 DEREG=1 \
		POLICIES="          - { name: net, type: target_tracking, metric: $metric, target: $target }" >"$T/$metric.yaml"
	lab_up "$T/$metric.yaml"
	wait_for "web-1 InService" 30 in_service 1 && ok "$metric: web-1 InService" ||
		not_ok "$metric: web-1 InService ($(asgj "inst('web-1')"))"
	# the page: 64 KiB in web-1's own directory
	ip=$(asgj "inst('web-1').get('ip')")
	head -c 65536 /dev/zero | tr '\0' x >"$T/www/$ip/big.html"
	VIP=$(alb_vip)
	on_bg ext timeout 60 sh -c "for i in \$(seq 600); do curl -s -o /dev/null -m 2 http://$VIP/big.html; sleep 0.1; done"
	LOAD=$!
	T0=$(_now_ms)
	wait_for "desired 2" $(( 8 * PERIOD + 10 )) desired_is 2 && ok "$metric: scaled out to 2 ($(( $(_now_ms) - T0 )) ms)" ||
		not_ok "$metric: scaled out to 2 (desired $(asgj "g['desired']"), policy $(asgj "pol('net')"))"
	check_match "$metric: the alarm's cause" "a monitor alarm TargetTracking-web-AlarmHigh-net in state ALARM triggered policy net changing the desired capacity from 1 to 2\." \
		"$(asgj "act('^Launching a new EC2 instance: web-2$').get('cause')")"
	check_match "$metric: its details" "^$metric [0-9]+ > target $target for 3 periods$" \
		"$(asgj "act('^Launching a new EC2 instance: web-2$').get('details')")"
	kill "$LOAD" 2>/dev/null; wait "$LOAD" 2>/dev/null
	lab_down "$LAB"
done
