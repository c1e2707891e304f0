#!/usr/bin/env bash
# Per-instance cgroups (control/host/cgroup.h), with real processes: an instance's `run` command
# lives in vpclab/LAB/NAME and the CPU it burns shows in the file Auto Scaling reads (cpu.stat's
# usage_usec, or v1's cpuacct.usage); what `vpclab exec` starts lands in the instance's cgroup;
# an apply that removes the instance removes its cgroup, and `down` leaves no vpclab/LAB behind.
TID=cgroup; . "$(dirname "$0")/lib.sh"

# The tree as the code finds it: the first read-write cgroup2 mount, else a v1 hierarchy with
# cpuacct ("KIND MOUNTPOINT").
cg_tree() {
	awk '{ for (i = 7; $i != "-"; i++); opts = "," $6 ","
	       if (opts ~ /,ro,/ || $5 ~ /\\/) next
	       if ($(i + 1) == "cgroup2") { print "v2 " $5; found = 1; exit }
	       if ($(i + 1) == "cgroup" && ("," $(i + 3) ",") ~ /,cpuacct,/ && !v1) v1 = $5 }
	     END { if (!found && v1) print "v1 " v1 }' /proc/self/mountinfo
}
read -r KIND ROOT < <(cg_tree)
if [ -z "$KIND" ]; then
	diag "no cgroup tree on this machine (neither cgroup2 nor v1 cpuacct): nothing to test"
	ok "skipped: no cgroup tree"
	exit 0
fi
diag "cgroup tree: $KIND at $ROOT"
CGL="$ROOT/vpclab/$LAB"
# usage NAME: the instance's CPU time in microseconds, from the file the code reads
usage() {
	if [ "$KIND" = v2 ]; then awk '$1 == "usage_usec" { print $2 }' "$CGL/$1/cpu.stat" 2>/dev/null
	else awk '{ printf "%d\n", $1 / 1000 }' "$CGL/$1/cpuacct.usage" 2>/dev/null; fi
}
usage_ge() { local u; u=$(usage "$1"); [[ "$u" =~ ^[0-9]+$ ]] && [ "$u" -ge "$2" ]; }
in_procs() { grep -qx "$2" "$CGL/$1/cgroup.procs" 2>/dev/null; }
is_dir() { [ -d "$1" ]; }
gone() { [ ! -e "$1" ]; }

# Bounded burn: at most 400 x 50000 shell additions (seconds, not minutes), ended early by
# $T/stop; then it stays (in its cgroup) until down.
cat >"$T/burn.sh" <<EOF
echo "pid \$\$"
n=0
while [ \$n -lt 400 ] && [ ! -e $T/stop ]; do
	i=0; while [ \$i -lt 50000 ]; do i=\$((i + 1)); done
	n=\$((n + 1))
done
echo burned
exec sleep 600
EOF
cat >"$T/lab.yaml" <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    subnets:
      - { name: a, cidr: 10.0.1.0/24 }
    instances:
      - { name: burn, subnet: a, run: "sh $T/burn.sh" }
      - { name: idle, subnet: a, run: "exec sleep 600" }
      - { name: quiet, subnet: a }
EOF
lab_up "$T/lab.yaml"

# --- the run command is in its instance's cgroup, and its CPU shows there
if wait_for "vpclab/$LAB/burn" 5 is_dir "$CGL/burn"; then ok "the instance's cgroup vpclab/$LAB/burn exists"
else not_ok "no cgroup $CGL/burn"; fi
got_pid() { grep -q '^pid [0-9]' "/run/vpclab/$LAB/run/burn.log" 2>/dev/null; }
wait_for "burn's pid line" 5 got_pid
# its log's pid is the instance's own (its PID namespace): the machine's pids come from ip netns
all_in_cg() {
	local p ps; ps=$(ip netns pids "$LAB-$1"); [ -n "$ps" ] || return 1
	for p in $ps; do in_procs "$1" "$p" || return 1; done
}
if wait_for "burn's processes in cgroup.procs" 5 all_in_cg burn; then ok "the run command's processes are in vpclab/$LAB/burn"
else not_ok "$(ip netns pids "$LAB-burn" | tr '\n' ' ') not all in $CGL/burn/cgroup.procs ($(tr '\n' ' ' <"$CGL/burn/cgroup.procs" 2>/dev/null))"; fi
check_nomatch "the run log says nothing of cgroups" "cgroup" "$(cat "/run/vpclab/$LAB/run/burn.log")"
U1=$(usage burn)
wait_for "burn's usage to grow by 200 ms" 10 usage_ge burn $(( ${U1:-0} + 200000 ))
check_grew "burn's CPU time grows ($KIND usage, us)" "$U1" "$(usage burn)"
touch "$T/stop"
wait_for "the burn to end" 10 lines_ge "/run/vpclab/$LAB/run/burn.log" 1 "^burned$"
wait_for "idle's cgroup" 5 is_dir "$CGL/idle"

# --- what `vpclab exec` starts lands in the instance's cgroup (made for an instance without run)
gone "$CGL/quiet" && ok "no cgroup yet for an instance where nothing ran" || not_ok "$CGL/quiet exists before anything ran"
"$VPCLAB" exec "$LAB" quiet -- sh -c "echo \$\$ >$T/exec.pid; while [ ! -e $T/exec.stop ]; do sleep 0.05; done" \
	2>"$T/exec.err" &
EXEC=$!; BG_PIDS+=($EXEC)
wait_for "exec's pid file" 5 lines_ge "$T/exec.pid" 1 '^[0-9]+$'
EPID=$(cat "$T/exec.pid")
check "exec becomes the command (same pid)" "$EXEC" "$EPID"
if in_procs quiet "$EPID"; then ok "vpclab exec's command (pid $EPID) is in vpclab/$LAB/quiet"
else not_ok "pid $EPID not in $CGL/quiet/cgroup.procs ($(tr '\n' ' ' <"$CGL/quiet/cgroup.procs" 2>/dev/null))"; fi
touch "$T/exec.stop"
wait_for "exec's command to end" 5 pid_gone "$EXEC"
wait "$EXEC"; RC=$?
check_rc "exec's exit code passes through" 0 $RC
check "exec wrote no warning" "" "$(cat "$T/exec.err")"
ECPU=$("$VPCLAB" exec "$LAB" quiet -- sh -c 'cat /proc/self/cgroup')
check_match "a command started by exec sees itself in the cgroup" "/vpclab/$LAB/quiet\$" "$ECPU"

# --- apply that removes an instance removes its cgroup, and only its
is_dir "$CGL/burn" && ok "burn's cgroup is there before the apply" || not_ok "$CGL/burn went before the apply"
sed '/name: burn,/d' "$T/lab.yaml" >"$T/lab2.yaml"
AOUT=$(timeout 60 "$VPCLAB" apply "$T/lab2.yaml" 2>&1); RC=$?
check_rc "apply removing burn" 0 $RC "$(printf '%s' "$AOUT" | head -c 400 | tr '\n' '|')"
check_match "the plan removes burn" "^- instance burn" "$AOUT"
if wait_for "burn's cgroup to go" 5 gone "$CGL/burn"; then ok "the removed instance's cgroup is gone"
else not_ok "$CGL/burn is still there ($(tr '\n' ' ' <"$CGL/burn/cgroup.procs" 2>/dev/null))"; fi
is_dir "$CGL/idle" && ok "the kept instances' cgroups stay" || not_ok "$CGL/idle went with burn"

# --- down leaves no vpclab/LAB
OUT=$(lab_down 2>&1); RC=$?
check_rc "down" 0 $RC "$OUT"
if gone "$CGL"; then ok "down removed vpclab/$LAB"
else not_ok "$CGL is left: $(find "$CGL" -maxdepth 1 -type d | tr '\n' ' ')"; fi

# --- after a crash: the router SIGKILLed, its run commands still in their cgroups; down stops
# them and removes the cgroups
LAB2="${LAB}k"; CGK="$ROOT/vpclab/$LAB2"
sed "s/^name: .*/name: $LAB2/; /name: burn,/d" "$T/lab.yaml" >"$T/crash.yaml"
lab_up "$T/crash.yaml"
wait_for "$LAB2's idle cgroup" 5 is_dir "$CGK/idle"
has_procs() { grep -q . "$CGK/idle/cgroup.procs" 2>/dev/null; }
wait_for "idle's command in its cgroup" 5 has_procs && ok "the crash lab's run command is in its cgroup" \
	|| not_ok "nothing in $CGK/idle/cgroup.procs"
RPID=$(cat "/run/vpclab/$LAB2/pid" 2>/dev/null)
kill -9 "$RPID" 2>/dev/null
wait_for "the router to die" 5 pid_gone "$RPID"
OUT=$(lab_down "$LAB2" 2>&1); RC=$?
check_rc "down after the router was killed" 0 $RC "$OUT"
if gone "$CGK"; then ok "down after a crash removed vpclab/$LAB2"
else not_ok "$CGK is left: $(find "$CGK" -maxdepth 1 -type d | tr '\n' ' ')"; fi
