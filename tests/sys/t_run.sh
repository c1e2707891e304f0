#!/usr/bin/env bash
# Instances' `run` (user data): started in the namespace once the lab is up and answering real
# connections, output in `vpclab logs` (and followed by -f), SIGTERM at `down` (then SIGKILL
# after 2 s), a command that exits at once leaves no zombie, `vpclab test` starts them too, and
# a bad `run` value is an error at its line and column.
TID=run; . "$(dirname "$0")/lib.sh"

cat >"$T/lab.yaml" <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    subnets:
      - { name: a, cidr: 10.0.1.0/24 }
    security_groups:
      - name: web
        inbound: [ { protocol: tcp, ports: 8080, cidr: 10.0.0.0/16 } ]
    instances:
      - { name: web, subnet: a, ip: 10.0.1.10, security_groups: [web],
          run: "echo starting; exec $PY -u -m http.server 8080 --bind 0.0.0.0" }
      - { name: cli, subnet: a }
      - { name: quick, subnet: a, run: "echo pid \$\$" }
      - { name: term, subnet: a,
          run: "trap 'echo got TERM >$T/term.out; exit 0' TERM; echo ready; while :; do sleep 0.1; done" }
      - { name: stub, subnet: a, run: "trap '' TERM; echo ready; while :; do sleep 0.2; done" }
      - { name: p1, subnet: a, run: "exec sleep 4321" }
      - { name: p2, subnet: a, run: "exec sleep 4321" }
EOF

lab_up "$T/lab.yaml"
ROUTER=$(cat "/run/vpclab/$LAB/pid" 2>/dev/null)

# --- a server started by `run` answers another instance
wait_for "web to listen on 8080" 10 listening "$LAB-web" tcp 8080
check "curl from cli to web's run server" "200" \
	"$(on cli curl -s -m 5 -o /dev/null -w '%{http_code}' http://10.0.1.10:8080/)"

# --- logs: what it printed, and the request
has_get() { "$VPCLAB" logs "$LAB" web 2>/dev/null | grep -q '"GET / HTTP/1.1" 200'; }
wait_for "web's log to show the GET" 5 has_get
OUT=$("$VPCLAB" logs "$LAB" web); RC=$?
check_rc "logs LAB web" 0 $RC
check_match "logs shows the command's first line" "^starting$" "$OUT"
check_match "logs shows the server's GET line" '"GET / HTTP/1.1" 200' "$OUT"
check_match "logs NAME alone (the only lab)" '"GET / HTTP/1.1" 200' "$(VPCLAB_LAB=$LAB "$VPCLAB" logs web)"
check_match "the log file is under /run/vpclab/LAB/run/" "Serving HTTP" "$(cat "/run/vpclab/$LAB/run/web.log")"
check "the log file is root's only" "600" "$(stat -c %a "/run/vpclab/$LAB/run/web.log")"

ERR=$("$VPCLAB" logs "$LAB" nosuch 2>&1 >/dev/null); RC=$?
check_rc "logs of an unknown instance" 1 $RC
check_match "and it names it" "no instance 'nosuch'" "$ERR"
ERR=$("$VPCLAB" logs "$LAB" cli 2>&1 >/dev/null); RC=$?
check_rc "logs of an instance without run" 1 $RC
check_match "and it says so" "'cli' of lab $LAB has no 'run' command" "$ERR"

# --- logs -f follows new lines, and ends when the lab goes down
"$VPCLAB" logs "$LAB" web -f >"$T/follow.out" 2>&1 &
FOLLOW=$!; BG_PIDS+=($FOLLOW)
wait_for "logs -f to print the log so far" 5 lines_ge "$T/follow.out" 1 "^starting$"
on cli curl -s -m 5 -o /dev/null http://10.0.1.10:8080/followed-path
if wait_for "logs -f to show the new request" 5 lines_ge "$T/follow.out" 1 "GET /followed-path"; then
	ok "logs -f follows new lines"
else not_ok "logs -f follows new lines (got: $(tr '\n' '|' <"$T/follow.out" | head -c 300))"; fi

# --- a command that exits at once is reaped by the router (no zombie left)
got_pid() { "$VPCLAB" logs "$LAB" quick 2>/dev/null | grep -q '^pid [0-9]'; }
wait_for "quick's pid line" 5 got_pid
# its instance's processes (the init and the command, run_init.h) all end with it
ns_empty() { [ -z "$(ip netns pids "$1" 2>/dev/null)" ]; }
if wait_for "quick's processes to end" 5 ns_empty "$LAB-quick"; then ok "a command that exits at once ends its instance's processes"
else not_ok "processes left in $LAB-quick: $(ip netns pids "$LAB-quick" | tr '\n' ' ')"; fi
zombies() { ps --ppid "$ROUTER" -o stat= 2>/dev/null | grep -c '^Z' || true; }
check "no defunct child of the router" "0" "$(zombies)"
check_match "the run command runs in its instance" "python3|http.server" \
	"$(ip netns pids "$LAB-web" | xargs -r ps -o args= -p 2>/dev/null)"
check_match "under its instance's init, a child of the router" "^$ROUTER\$" \
	"$(ps -o ppid= -p "$(ip netns pids "$LAB-web" | head -n 1)" | tr -d ' ')"
check "the router's children are in their own sessions" "0" \
	"$(ps --ppid "$ROUTER" -o sid=,pid= | awk '$1 != $2' | wc -l)"

# --- an instance's processes are its own (run_init.h): ps and pkill inside see no others
has_sleep() { ip netns pids "$1" | xargs -r ps -o args= -p 2>/dev/null | grep -q '^sleep 4321'; }
wait_for "p1's sleep" 5 has_sleep "$LAB-p1"
wait_for "p2's sleep" 5 has_sleep "$LAB-p2"
n=$("$VPCLAB" exec "$LAB" p1 -- sh -c 'ps -e -o pid= | wc -l')
if [ -n "$n" ] && [ "$n" -le 5 ]; then ok "ps in an instance shows its own processes ($n), not the machine's"
else not_ok "ps in instance p1 shows $n processes"; fi
check_rc "pkill by name inside p1 finds p1's command" 0 "$("$VPCLAB" exec "$LAB" p1 -- pkill -f 'sleep 4321'; echo $?)"
if wait_for "p1's processes to end" 5 ns_empty "$LAB-p1"; then ok "p1 stopped: its command ended, and its init with it"
else not_ok "p1's processes left: $(ip netns pids "$LAB-p1" | tr '\n' ' ')"; fi
has_sleep "$LAB-p2" && ok "p2's same command is untouched" || not_ok "pkill in p1 reached p2"

# --- down: SIGTERM first (term writes its file), SIGKILL after 2 s (stub ignores SIGTERM)
wait_for "term's trap to be set" 5 lines_ge "/run/vpclab/$LAB/run/term.log" 1 "^ready$"
wait_for "stub to run" 5 lines_ge "/run/vpclab/$LAB/run/stub.log" 1 "^ready$"
t0=$(_now_ms)
lab_down >/dev/null 2>&1; RC=$?
ms=$(( $(_now_ms) - t0 ))
check_rc "down" 0 $RC
check "the run command got SIGTERM at down" "got TERM" "$(cat "$T/term.out" 2>/dev/null)"
if [ "$ms" -ge 1900 ] && [ "$ms" -lt 6000 ]; then ok "a command ignoring SIGTERM is killed after the 2 s grace (down took $ms ms)"
else not_ok "down with a command ignoring SIGTERM took $ms ms (expected about 2,000)"; fi
check "nothing of the run commands is left" "" "$(pgrep -f "http.server 8080 --bind" || true)"
check "the run/ directory went with the lab" "no" "$([ -e "/run/vpclab/$LAB" ] && echo yes || echo no)"
if wait_for "logs -f to end with the lab" 5 pid_gone "$FOLLOW"; then
	wait "$FOLLOW"; check_rc "logs -f exits 0 when the lab goes down" 0 $?
else not_ok "logs -f still runs after down"; fi

# --- vpclab test starts run commands too
cat >"$T/tlab.yaml" <<EOF
name: ${LAB}t
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    subnets:
      - { name: a, cidr: 10.0.1.0/24 }
    instances:
      - { name: web, subnet: a, run: "echo started >$T/tested.out" }
      - { name: db, subnet: a }
checks:
  - { from: web, to: db, protocol: icmp, expect: allow }
EOF
LABS+=("${LAB}t")
"$VPCLAB" test "$T/tlab.yaml" >"$T/test.out" 2>&1; RC=$?
check_rc "vpclab test of a lab with run" 0 $RC "$(tail -n 3 "$T/test.out")"
check "vpclab test started the run command" "started" "$(cat "$T/tested.out" 2>/dev/null)"

# --- a bad run value: FILE:LINE:COL
cat >"$T/bad.yaml" <<EOF
name: ${LAB}b
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    subnets:
      - { name: a, cidr: 10.0.1.0/24 }
    instances:
      - { name: web, subnet: a, run: "  " }
EOF
ERR=$("$VPCLAB" up "$T/bad.yaml" 2>&1); RC=$?
check_rc "up with an empty run" 1 $RC
check_match "names FILE:LINE:COL" "bad.yaml:8:38: error: 'run' of instance 'web' is empty" "$ERR"
