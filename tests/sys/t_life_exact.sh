#!/usr/bin/env bash
# up and down stay exact when processes race or die: of three concurrent `up`s exactly one wins;
# `down` of a stopped router kills it and returns only once it is gone and nothing is left; a
# killed (SIGKILL) or interrupted (SIGINT, also in the foreground) `up` takes its half-made lab
# with it; a router killed while provisioning leaves nothing and its `up` says so; `down` during
# provisioning stops it; a lock kept by another process makes `down` exit 3 saying so; `down`
# then `up` of a 1,000-instance lab works every time. Every wait polls an event.
TID=exact; . "$(dirname "$0")/lib.sh"

cat >"$T/small.yaml" <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    subnets:
      - { name: a, cidr: 10.0.1.0/24 }
    instances:
      - { name: x, subnet: a, ip: 10.0.1.10 }
      - { name: y, subnet: a, ip: 10.0.1.11 }
EOF
bash "$REPO/tests/bench/genlab.sh" "$LAB" 300 >"$T/l300.yaml"
bash "$REPO/tests/bench/genlab.sh" "$LAB" 1000 >"$T/l1000.yaml"
LABS+=("$LAB")
LOCK=/run/vpclab/$LAB.lock

lab_ns_count() { ip netns list 2>/dev/null | awk '{print $1}' | grep -c "^$LAB-"; }
# lock_free: nobody holds the lab's lock (the file may stay; only a held lock means "running")
lock_free() {
	local ino
	ino=$(stat -c %i "$LOCK" 2>/dev/null) || return 0
	! grep -v -- '->' /proc/locks | grep -q "FLOCK .*:$ino "
}
# nothing_left: no namespace, no state directory, the lock free
nothing_left() { [ "$(lab_ns_count)" -eq 0 ] && [ ! -e "/run/vpclab/$LAB" ] && lock_free; }
left_text() { echo "namespaces=$(lab_ns_count) dir=$([ -e "/run/vpclab/$LAB" ] && echo yes || echo no) lock_free=$(lock_free && echo yes || echo no)"; }
# busy_until MS CMD...: CMD until it succeeds, at most MS milliseconds, without sleeping (the
# moments looked for here, mid-provisioning, last a fraction of a second)
busy_until() {
	local end=$(($(_now_ms) + $1)); shift
	until "$@"; do [ "$(_now_ms)" -lt "$end" ] || return 1; done
}
# provisioning: the router has made its first namespaces but is not ready (no control socket)
provisioning() { [ -e "/run/netns/$LAB-i1" ]; }
ready() { [ -S "/run/vpclab/$LAB/ctl" ]; }
# up_bg FILE OUT: `vpclab up FILE` in the background with default signal actions (a background
# job of a script ignores SIGINT otherwise); its pid in UP_PID
up_bg() {
	"$PY" -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$VPCLAB" up "$1" "${@:3}" >"$2" 2>&1 &
	UP_PID=$!
}

# --- 20 rounds of three concurrent ups: exactly one exits 0, the others 3 "already running"
bad=""
for round in $(seq 1 20); do
	for k in 1 2 3; do timeout 30 "$VPCLAB" up "$T/small.yaml" >"$T/up.$k" 2>&1 & eval "p$k=\$!"; done
	wait "$p1"; r1=$?; wait "$p2"; r2=$?; wait "$p3"; r3=$?
	codes=$(printf '%s\n' $r1 $r2 $r3 | sort -n | tr '\n' ' ')
	refused=$(grep -l "already running" "$T"/up.[123] | wc -l)
	[ "$codes" = "0 3 3 " ] && [ "$refused" -eq 2 ] || bad+="round $round: exits $codes, $refused 'already running'; "
	ready || bad+="round $round: no control socket after the winning up; "
	timeout 20 "$VPCLAB" down "$LAB" >"$T/down.out" 2>&1 || bad+="round $round: down exit $?: $(head -c 200 "$T/down.out"); "
	nothing_left || bad+="round $round: left after down: $(left_text); "
done
check "20 rounds of 3 concurrent ups: one exits 0, two exit 3 'already running'; down leaves nothing" "" "$bad"

# --- down of a stopped router: SIGKILL after the grace, return once it is gone
lab_up "$T/small.yaml"
pid=$(cat "/run/vpclab/$LAB/pid")
kill -STOP "$pid"
t0=$(_now_ms)
out=$(timeout 30 "$VPCLAB" down "$LAB" 2>&1); rc=$?
took=$(($(_now_ms) - t0))
gone=$(pid_gone "$pid" && echo gone || echo alive)
check_rc "down of a stopped router exits 0" 0 "$rc" "$out"
check "... the router is gone when down returns" "gone" "$gone"
check "... and nothing is left" "namespaces=0 dir=no lock_free=yes" "$(left_text)"
check_match "... down says it killed the router" "did not stop within 5 s; it was killed" "$out"
diag "down of a stopped router took $took ms (grace 5 s)"
check_rc "up right after works" 0 "$(timeout 30 "$VPCLAB" up "$T/small.yaml" >/dev/null 2>&1; echo $?)"
check_rc "... and down" 0 "$(lab_down >/dev/null 2>&1; echo $?)"

# --- a lock held by something that is not the router: down waits (10 s), then exits 3 naming it
# and removes nothing
lab_up "$T/small.yaml"
kill -9 "$(cat "/run/vpclab/$LAB/pid")"
wait_for "the killed router to release the lock" 5 lock_free
"$PY" -c 'import fcntl, sys, time
f = open(sys.argv[1], "a"); fcntl.flock(f, fcntl.LOCK_EX); time.sleep(60)' "$LOCK" & holder=$!; BG_PIDS+=($holder)
wait_for "another process to hold the lab's lock" 5 eval '! lock_free'
out=$(timeout 30 "$VPCLAB" down "$LAB" 2>&1); rc=$?
check_rc "down while another process keeps the lab's lock exits 3" 3 "$rc" "$out"
check_match "... and says what is left" "not down; left: the lab's lock is still held after 10 s \(by pid [0-9]+" "$out"
check "... and removed nothing (x, y, the resolver)" 3 "$(lab_ns_count)"
kill "$holder"
wait_for "the lock to be free again" 5 lock_free
check_rc "... down once it is free" 0 "$(lab_down >/dev/null 2>&1; echo $?)"
check "... nothing left" "namespaces=0 dir=no lock_free=yes" "$(left_text)"

# --- mid-provisioning of 300 instances: the up client SIGKILLed, SIGINTed; the router SIGKILLed;
# down meanwhile. Each needs the moment while namespaces are being made; a run that finished
# first is tried again (at most 5 times), and never counted as a pass.
# midway KIND: one attempt; 0 when the kill landed mid-provisioning
midway() {
	up_bg "$T/l300.yaml" "$T/mid.out" ${FG:+--foreground}
	if ! busy_until 20000 provisioning || ready; then
		wait "$UP_PID"; timeout 30 "$VPCLAB" down "$LAB" >/dev/null 2>&1
		return 1
	fi
	RPID=$(cat "/proc/$UP_PID/task/$UP_PID/children" 2>/dev/null) # the router: up's only child
	RPID=${RPID%% *}
	case $1 in
	client-kill) kill -KILL "$UP_PID" ;;
	client-int | fg-int) kill -INT "$UP_PID" ;;
	router-kill) kill -KILL "$RPID" ;;
	down) timeout 30 "$VPCLAB" down "$LAB" >"$T/mid.down" 2>&1; DOWN_RC=$? ;;
	esac
	{ wait "$UP_PID"; } 2>/dev/null; UP_RC=$?
	return 0
}
attempt() { local i; for i in 1 2 3 4 5; do midway "$1" && return 0; diag "$1: the up finished before the kill; again"; done; return 1; }

if attempt client-kill; then
	ok "the up client was SIGKILLed while provisioning"
	wait_for "nothing of the lab left after its up was killed" 20 nothing_left
	check "... no namespace, no state, the lock free" "namespaces=0 dir=no lock_free=yes" "$(left_text)"
	check "... the router is gone" gone "$(poll_until 5 pid_gone "$RPID" && echo gone || echo alive)"
	check_rc "... a new up works" 0 "$(timeout 60 "$VPCLAB" up "$T/l300.yaml" >/dev/null 2>&1; echo $?)"
	check_rc "... and down" 0 "$(lab_down >/dev/null 2>&1; echo $?)"
else not_ok "could not catch the 300-instance up mid-provisioning"; fi

if attempt client-int; then
	# the interrupted up waits for its router to undo the lab: nothing left when it returns
	check "an up SIGINTed while provisioning: it exits 3, nothing left when it returns" \
		"3 namespaces=0 dir=no lock_free=yes" "$UP_RC $(left_text)"
	check_match "... and says so" "interrupted.*nothing of the lab is left" "$(cat "$T/mid.out")"
	check "... the router is gone" gone "$(pid_gone "$RPID" && echo gone || echo alive)"
else not_ok "could not catch the 300-instance up mid-provisioning"; fi

if FG=1 attempt fg-int; then
	check "up --foreground SIGINTed while provisioning: it exits 3, nothing left when it returns" \
		"3 namespaces=0 dir=no lock_free=yes" "$UP_RC $(left_text)"
	check_match "... and says so" "interrupted.*nothing of the lab is left" "$(cat "$T/mid.out")"
else not_ok "could not catch the 300-instance up --foreground mid-provisioning"; fi

if attempt router-kill; then
	check "the router SIGKILLed while provisioning: up exits 3, nothing left" \
		"3 namespaces=0 dir=no lock_free=yes" "$UP_RC $(left_text)"
	check_match "... up says the router exited" "router exited before the lab was ready; nothing of the lab is left" "$(cat "$T/mid.out")"
	check_rc "... a new up works" 0 "$(timeout 60 "$VPCLAB" up "$T/l300.yaml" >/dev/null 2>&1; echo $?)"
	check_rc "... and down" 0 "$(lab_down >/dev/null 2>&1; echo $?)"
else not_ok "could not catch the 300-instance up mid-provisioning"; fi

if attempt down; then
	check "down while up provisions: down exits 0, up exits 3, nothing left" \
		"0 3 namespaces=0 dir=no lock_free=yes" "$DOWN_RC $UP_RC $(left_text)"
else not_ok "could not catch the 300-instance up mid-provisioning"; fi

# --- down immediately followed by up, 1,000 instances, 5 rounds
check_rc "up of 1,000 instances" 0 "$(timeout 60 "$VPCLAB" up "$T/l1000.yaml" >/dev/null 2>&1; echo $?)"
bad="" times=""
for round in 1 2 3 4 5; do
	t0=$(_now_ms)
	out=$(timeout 60 "$VPCLAB" down "$LAB" 2>&1) || bad+="round $round: down: $out; "
	times+="$(($(_now_ms) - t0)) "
	out=$(timeout 60 "$VPCLAB" up "$T/l1000.yaml" 2>&1) || bad+="round $round: up: $out; "
done
check "5 rounds of down then at once up (1,000 instances) all succeed" "" "$bad"
diag "down of 1,000 instances took (ms): $times"
check_rc "final down" 0 "$(lab_down >/dev/null 2>&1; echo $?)"
check "... nothing left" "namespaces=0 dir=no lock_free=yes" "$(left_text)"
