#!/usr/bin/env bash
# The lab's lock says whether a router runs, not its pid file: `down` after a crash never
# signals a process that merely reuses the old pid; two `up`s of one lab at once leave one
# running lab, never a half torn-down one; a silent control client never stalls forwarding;
# a LAB given on the command line must be a lab name.
TID=lock; . "$(dirname "$0")/lib.sh"

cat >"$T/lab.yaml" <<EOF
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

# --- two ups at once: exactly one wins, the lab runs, traffic flows
timeout 30 "$VPCLAB" up "$T/lab.yaml" >"$T/up1.out" 2>&1 & p1=$!
timeout 30 "$VPCLAB" up "$T/lab.yaml" >"$T/up2.out" 2>&1 & p2=$!
wait $p1; r1=$?; wait $p2; r2=$?
check "two concurrent ups: one exits 0, the other 3" "0 3" "$(printf '%s\n' $r1 $r2 | sort -n | tr '\n' ' ' | sed 's/ $//')"
ping_ok x y

# --- silent control clients do not stall the data plane
for i in 1 2 3 4 5 6; do
	timeout 5 python3 -c 'import socket,sys,time; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); print("connected", flush=True); time.sleep(3)' \
		"/run/vpclab/$LAB/ctl" >"$T/silent.$i" & BG_PIDS+=($!)
done
wait_for "6 silent control clients to connect" 3 eval '[ "$(cat "$T"/silent.* 2>/dev/null | grep -c connected)" -eq 6 ]'
rtt=$(on x ping -c 3 -i 0.2 -W 1 10.0.1.11 | sed -n 's/.*= [0-9.]*\/\([0-9.]*\)\/.*/\1/p')
check_match "ping while 6 control clients stay silent: answered" '^[0-9.]+$' "$rtt"
check "... and fast (avg rtt under 50 ms)" 1 "$(awk -v r="${rtt:-999}" 'BEGIN { print (r < 50) ? 1 : 0 }')"
check_rc "status answers meanwhile" 0 "$(timeout 5 "$VPCLAB" status "$LAB" >/dev/null 2>&1; echo $?)"

# --- kill -9, pid reused by an unrelated process: down must not touch it
pid=$(cat "/run/vpclab/$LAB/pid")
kill -9 "$pid"
wait_for "the killed router $pid to be gone" 5 pid_gone "$pid"
sleep 60 & innocent=$!; BG_PIDS+=($innocent)
echo "$innocent" >"/run/vpclab/$LAB/pid"
lab_down >/dev/null 2>&1
check_rc "down after the crash exits 0" 0 $?
check_rc "the process that reused the pid is alive" 0 "$(kill -0 "$innocent" 2>/dev/null; echo $?)"
check "no namespace of the lab left" "" "$(ip netns list | awk '{print $1}' | grep "^$LAB-" | tr '\n' ' ')"
check_rc "no state directory left" 1 "$( [ -d "/run/vpclab/$LAB" ]; echo $?)"
check_rc "no lock file left" 1 "$( [ -e "/run/vpclab/$LAB.lock" ]; echo $?)"

# --- LAB on the command line is a name, not a path
check_rc "down .. is a usage error" 2 "$("$VPCLAB" down .. >/dev/null 2>&1; echo $?)"
check_rc "status ../x is a usage error" 2 "$("$VPCLAB" status ../x >/dev/null 2>&1; echo $?)"
