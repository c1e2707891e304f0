#!/usr/bin/env bash
# The command line around running labs: `list` and `list --json` with two labs up, LAB left
# out with several labs running (exit 2, both listed; `down` too), VPCLAB_LAB and a positional
# LAB, protocol names in `flows`, status of a crashed router (it says so and what to run),
# SIGHUP to the router (ignored and logged), bad values named even where root is needed.
TID=clio; . "$(dirname "$0")/lib.sh"

LAB_A="${PFX}a"; LAB_B="${PFX}b"
for l in a b; do
	cat >"$T/$l.yaml" <<EOF
name: ${PFX}$l
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    subnets:
      - { name: s, cidr: 10.0.1.0/24 }
    instances:
      - { name: web, subnet: s, ip: 10.0.1.10 }
      - { name: db, subnet: s, ip: 10.0.1.11 }
      - { name: app, subnet: s, ip: 10.0.1.12 }
EOF
done
pid_alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }
wait_dead() { local i; for i in $(seq 1 100); do pid_alive "$1" || return 0; sleep 0.05; done; return 1; }
# run ARGS...: RC, OUT, ERR of `vpclab ARGS`
run() { timeout 20 "$VPCLAB" "$@" >"$T/out" 2>"$T/err" </dev/null; RC=$?; OUT=$(cat "$T/out"); ERR=$(cat "$T/err"); }
nlines() { printf '%s' "$1" | grep -c ''; }
running() { timeout 10 "$VPCLAB" status "$1" 2>/dev/null | head -n 1 | grep -q "^lab $1: running" && echo running || echo stopped; }

lab_up "$T/a.yaml"
lab_up "$T/b.yaml"
PID_A=$(status_get "$LAB_A" pid); PID_B=$(status_get "$LAB_B" pid)

# --- list
run list
check_rc "vpclab list" 0 "$RC" "$ERR"
check_match "list shows lab a: running, its router pid, 3 instances, since, its file" \
	"^$LAB_A +running +$PID_A +3 +[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z +$T/a\.yaml$" "$OUT"
check_match "list shows lab b the same way" "^$LAB_B +running +$PID_B +3 .* $T/b\.yaml$" "$OUT"
run list --json
check_rc "vpclab list --json" 0 "$RC" "$ERR"
got=$(printf '%s' "$OUT" | "$PY" -c '
import json, sys, time, calendar
d = {l["name"]: l for l in json.load(sys.stdin)["labs"]}
for n in sys.argv[1:3]:
    l = d.get(n)
    if not l: print("missing", n); continue
    age = time.time() - calendar.timegm(time.strptime(l["since"], "%Y-%m-%dT%H:%M:%SZ"))
    print(n, l["state"], l["pid"], l["instances"], l["file"], -5 <= age < 600)
' "$LAB_A" "$LAB_B")
check "list --json: name, state, pid, instances, file, a recent since" \
	"$LAB_A running $PID_A 3 $T/a.yaml True|$LAB_B running $PID_B 3 $T/b.yaml True" "$(printf '%s' "$got" | tr '\n' '|')"

# --- LAB left out with several labs running: exit 2 and the labs listed, on one line
for cmd in status down flows; do
	VPCLAB_LAB= run $cmd
	if [ "$RC" = 2 ] && [ "$(nlines "$ERR")" = 1 ] && [[ "$ERR" == *"several labs are running ("*"$LAB_A"*"$LAB_B"*"): name one, or set VPCLAB_LAB"* ]]; then
		ok "$cmd without LAB, several labs: exit 2, both listed"
	else
		not_ok "$cmd without LAB, several labs (expected exit 2 and one line listing $LAB_A and $LAB_B, got exit $RC: $ERR)"
	fi
done
check "both labs still run after 'down' without LAB" "running running" "$(running "$LAB_A") $(running "$LAB_B")"

# --- VPCLAB_LAB and LAB as an operand or --lab
VPCLAB_LAB=$LAB_B run status
check_match "VPCLAB_LAB=b: status of lab b" "^lab $LAB_B: running, router pid $PID_B" "$OUT"
VPCLAB_LAB=$LAB_B run status "$LAB_A"
check_match "LAB given wins over VPCLAB_LAB" "^lab $LAB_A: running" "$OUT"
check_match "text status shows the eni- ids" "^web +instance +eni-[0-9a-f]{17} " "$OUT"
run status --lab "$LAB_B" --json
check "status --lab LAB --json" "$PID_B" "$(printf '%s' "$OUT" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["pid"])' 2>&1)"
check "exec --lab LAB NAME -- CMD" "10.0.1.12/24" "$(timeout 10 "$VPCLAB" exec --lab "$LAB_B" app -- ip -4 -o addr show dev eth0 | awk '{print $4}')"

on "$LAB_A-web" ping -n -c 1 -W 1 10.0.1.11 >/dev/null 2>&1
tcp_ok "$LAB_A-web" "$LAB_A-db" 8080
run flows "$LAB_A"
check_rc "flows LAB (operand)" 0 "$RC" "$ERR"
check_match "flows prints icmp for the ping" "^  icmp +10\.0\.1\.10:[0-9]+ +-> +10\.0\.1\.11:" "$OUT"
check_match "flows prints tcp for the connection" "^  tcp +10\.0\.1\.10:[0-9]+ +-> +10\.0\.1\.11:8080 " "$OUT"
check_nomatch "flows prints no protocol numbers" "^  (1|6|17) " "$OUT"
run flows --lab "$LAB_A"
check_match "flows --lab LAB" "^  tcp " "$OUT"
VPCLAB_LAB=$LAB_A run flows --json
check "flows --json keeps protocol numbers" "True" \
	"$(printf '%s' "$OUT" | "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(any(f["protocol"] == 6 for i in d["interfaces"] for f in i["flows"]))')"

# --- bad values of commands that need a running lab
VPCLAB_LAB=$LAB_A run trace --live --from web --to db --tcp 99999
if [ "$RC" = 2 ] && [ "$(nlines "$ERR")" = 1 ] && [[ "$ERR" == *"--tcp: '99999' is not a port"* ]]; then ok "trace --live --tcp 99999: exit 2 naming --tcp"
else not_ok "trace --live --tcp 99999 (expected exit 2 naming --tcp, got exit $RC: $ERR)"; fi
VPCLAB_LAB=$LAB_A run trace --live --from web --to db --tcp=8080
check_rc "trace --live --tcp=8080 against the lab" 0 "$RC" "$ERR"
run up "$T/a.yaml" --flow-log-interval abc
if [ "$RC" = 2 ] && [[ "$ERR" == *"--flow-log-interval: 'abc'"* ]]; then ok "up --flow-log-interval abc: exit 2 naming it (before anything else)"
else not_ok "up --flow-log-interval abc (expected exit 2 naming it, got exit $RC: $ERR)"; fi
run capture web --lab "$LAB_A" -c x
if [ "$RC" = 2 ] && [[ "$ERR" == *"-c: 'x' is not a packet count"* ]]; then ok "capture -c x: exit 2 naming -c"
else not_ok "capture -c x (expected exit 2 naming -c, got exit $RC: $ERR)"; fi

# --- SIGHUP: the router goes on and says so in its log
kill -HUP "$PID_B"
for i in $(seq 1 100); do grep -q SIGHUP "/run/vpclab/$LAB_B/log" 2>/dev/null && break; sleep 0.05; done
check_match "SIGHUP is logged in /run/vpclab/LAB/log" "SIGHUP ignored" "$(cat "/run/vpclab/$LAB_B/log" 2>/dev/null)"
run status "$LAB_B"
check_match "after SIGHUP the lab still runs, same router" "^lab $LAB_B: running, router pid $PID_B" "$OUT"
ping_ok "$LAB_B-web" 10.0.1.11

# --- a crashed router: status says so and what to run; list shows it
kill -9 "$PID_A"
if wait_dead "$PID_A"; then ok "router of lab a killed with SIGKILL"; else not_ok "router of lab a gone after SIGKILL"; fi
run status "$LAB_A"
check_rc "status of a crashed lab" 1 "$RC" "$ERR"
check "status of a crashed lab: one line, what happened and what to run" \
	"vpclab: status: lab $LAB_A: the router is not running but its namespaces remain (it crashed?); run 'vpclab down $LAB_A' to clean up" "$ERR"
run list
check_match "list shows the crashed lab" "^$LAB_A +crashed +- +- +- +$T/a\.yaml$" "$OUT"
VPCLAB_LAB=$LAB_A run down
check_rc "VPCLAB_LAB=a down cleans up the crashed lab" 0 "$RC" "$ERR"
check "no namespace of lab a left" "" "$(ip netns list | awk '{print $1}' | grep "^$LAB_A-" | tr '\n' ' ')"
run status "$LAB_A"
check "status of a lab that is gone: not running" "1 vpclab: status: lab $LAB_A is not running" "$RC $ERR"
run list
check_nomatch "list no longer shows lab a" "^$LAB_A " "$OUT"
run down "$LAB_B"
check_rc "down LAB (operand)" 0 "$RC" "$ERR"
