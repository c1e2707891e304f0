#!/usr/bin/env bash
# `vpclab apply` and the running lab's state (cases 9 to 13), under a held session x -> y:
#   9. AWS's DependencyViolation (a subnet's cidr changed while instances stay in it): exit 1 at
#      the cidr's FILE:LINE:COL, nothing changed;
#  10. a bad file (YAML error, unknown key, duplicate name): exit 1 at FILE:LINE:COL, "nothing was
#      changed", status and the kept copy as they were;
#  11. --dry-run changes nothing and prints the change lines the real apply then prints;
#  12. the state follows the lab: status names the applied file without a warning, warns once it
#      is edited; a kept instance's flow log and a running capture of it go on across the apply;
#      its counters are not reset;
#  13. two applies at once: the second gets "another apply is in progress" (exit 3) and changes
#      nothing; `vpclab eip` is refused meanwhile.
TID=aobst; . "$(dirname "$0")/lib.sh"; . "$SYS_DIR/apply_lib.sh"

# lab WORD...: nostub (stub removed), dd (instance dd and sg rule tcp 7500 added), bee (instance
# bee added)
lab() {
	local w=" $* "
	cat <<YEOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.60.0.0/16
    subnets:
      - name: a
        cidr: 10.60.1.0/24
      - name: b
        cidr: 10.60.2.0/24
    security_groups:
      - name: base
        inbound:
          - { protocol: tcp, ports: 7000-7400, cidr: 10.60.0.0/16 }
          - { protocol: icmp, cidr: 10.60.0.0/16 }
YEOF
	[[ $w == *" dd "* ]] && echo "          - { protocol: tcp, ports: 7500, cidr: 10.60.0.0/16 }"
	cat <<YEOF
    instances:
      - { name: x, subnet: a, ip: 10.60.1.10, security_groups: [base] }
      - { name: y, subnet: b, ip: 10.60.2.10, security_groups: [base] }
YEOF
	[[ $w == *" nostub "* ]] || cat <<YEOF
      - { name: stub, subnet: b, ip: 10.60.2.20,
          run: "trap 'echo got TERM' TERM; echo ready; while :; do sleep 0.1; done" }
YEOF
	[[ $w == *" dd "* ]] && echo "      - { name: dd, subnet: a, ip: 10.60.1.20, security_groups: [base] }"
	[[ $w == *" bee "* ]] && echo "      - { name: bee, subnet: a, ip: 10.60.1.30 }"
	cat <<YEOF
elastic_ips:
  - { name: spare, ip: 203.0.113.90 }
YEOF
	return 0
}
# line_of FILE REGEX: the number of the first line matching REGEX
line_of() { grep -n -E -- "$2" "$1" | head -n 1 | cut -d: -f1; }
# col_of FILE LINE TEXT: the column (from 1) where TEXT starts on LINE
col_of() { sed -n "${2}p" "$1" | awk -v t="$3" '{ print index($0, t) }'; }

lab >"$T/lab.yaml"
lab_up "$T/lab.yaml"
on_bg y "$PY" -u "$T/sess.py" server 7000 >/dev/null
_wait_listen "$LAB-y" tcp 7000
sess_start k x 10.60.2.10 7000
wait_for "stub's run" 5 lines_ge "/run/vpclab/$LAB/run/stub.log" 1 '^ready$'

# refused FILE DESC LINE COL_REGEX MSG_REGEX: apply FILE exits 1 naming FILE:LINE:COL with MSG,
# says nothing was changed, and the running lab is as it was
refused() {
	local f=$1 desc=$2 line=$3 col=$4 msg=$5 w0 out rc
	w0=$(world)
	out=$(timeout 60 "$VPCLAB" apply "$f" 2>&1); rc=$?
	check_rc "$desc: apply exits 1" 1 "$rc" "$(printf '%s' "$out" | head -c 400 | tr '\n' '|')"
	check_match "$desc: the error is at $(basename "$f"):$line:$col" "^$f:$line:$col: error: .*$msg" "$out"
	check_match "$desc: it says nothing was changed" "^$f: [0-9]+ errors?; nothing was changed$" "$out"
	check "$desc: status, namespaces and the kept copy are as they were" "$w0" "$(world)"
}

# ------------------------------------------------ 10. bad files
lab dd >"$T/bad1.yaml"
L=$(line_of "$T/bad1.yaml" 'name: dd,')
sed -i "${L}s/security_groups: \[base\] }/security_groups: [base] }}/" "$T/bad1.yaml"
refused "$T/bad1.yaml" "a YAML error" "$L" "[0-9]+" ""
lab dd >"$T/bad2.yaml"
L=$(line_of "$T/bad2.yaml" 'name: dd,')
sed -i "${L}s/ip: 10.60.1.20/ip: 10.60.1.20, colour: red/" "$T/bad2.yaml"
refused "$T/bad2.yaml" "an unknown key" "$L" "$(col_of "$T/bad2.yaml" "$L" colour)" "colour"
lab dd >"$T/bad3.yaml"
L=$(line_of "$T/bad3.yaml" 'name: dd,')
sed -i "${L}s/name: dd,/name: y,/" "$T/bad3.yaml"
refused "$T/bad3.yaml" "a duplicate name" "$L" "$(col_of "$T/bad3.yaml" "$L" 'y,')" "'y'"
sess_alive k "the session x -> y across the refused files"

# ------------------------------------------------ 9. DependencyViolation
lab dd >"$T/dep.yaml"
L=$(( $(line_of "$T/dep.yaml" 'name: b$') + 1 ))
sed -i "${L}s#10.60.2.0/24#10.60.2.0/25#" "$T/dep.yaml"
refused "$T/dep.yaml" "a subnet's cidr changed under its instances" "$L" \
	"$(col_of "$T/dep.yaml" "$L" 10.60.2.0/25)" "DependencyViolation"
sess_alive k "the session x -> y across the refused change"

# ------------------------------------------------ 11. --dry-run, then the same apply; 12. the state follows
on_bg y timeout 60 nc -l -k -n 7301 >/dev/null 2>&1
on_bg y timeout 60 nc -l -k -n 7302 >/dev/null 2>&1
_wait_listen "$LAB-y" tcp 7301; _wait_listen "$LAB-y" tcp 7302
F="$T/x.pcapng"
rm -f "$F"
"$VPCLAB" capture x --lab "$LAB" -w "$F" --seconds 60 'tcp port 7301 or tcp port 7302' 2>"$F.err" &
CAP=$!; BG_PIDS+=("$CAP")
cap_ready() { [ "$(stat -c %s "$F" 2>/dev/null || echo 0)" -ge 48 ]; }
wait_for "the capture of x to start" 5 cap_ready || diag "capture: $(head -c 300 "$F.err")"
echo before | on x timeout 3 nc -n -N -w 1 10.60.2.10 7301
FL="/run/vpclab/$LAB/flowlogs/x.log"
timeout 10 "$VPCLAB" flowlogs x --lab "$LAB" >/dev/null 2>&1
fl_records() { awk -v p="$1" '$7 == p' "$FL" 2>/dev/null | wc -l; }
check_grew "x's flow log holds the connection made before the apply" 0 "$(fl_records 7301)"
FL_SIZE0=$(stat -c %s "$FL" 2>/dev/null || echo 0)
RX0=$(status_get "$LAB" port.x.rx_packets); TX0=$(status_get "$LAB" port.x.tx_packets)
FW0=$(status_get "$LAB" forwarded)

lab dd >"$T/v2.yaml"
w0=$(world)
DRY=$(timeout 60 "$VPCLAB" apply "$T/v2.yaml" --dry-run 2>&1); rc=$?
check_rc "apply --dry-run" 0 "$rc" "$DRY"
check_match "the dry run says nothing was changed" '^dry run: nothing was changed \(these changes would end 0 flows, 0 NAT translations\)$' "$DRY"
check "--dry-run changed nothing (status, namespaces, kept copy)" "$w0" "$(world)"
apply_ok "the same file for real (from another path)" "$T/v2.yaml"
check "the real apply prints the dry run's change lines" \
	"$(printf '%s\n' "$DRY" | grep -v '^dry run: ')" "$(printf '%s\n' "$AOUT" | grep -v '^applied in ')"
check_match "and they are the two changes" '^\+ sg rule base inbound tcp 7500 10\.60\.0\.0/16$' "$AOUT"
check "dd came up" "10.60.1.20" "$(ip_of dd)"
out=$("$VPCLAB" status "$LAB" 2>&1)
check_match "status names the applied file" "^lab file: $T/v2.yaml$" "$out"
check_nomatch "and does not warn" '^warning: ' "$out"
check "the kept copy is the applied file" "$(sha256sum <"$T/v2.yaml" | cut -c1-64)" "$(kept_sum)"
echo "# edited" >>"$T/v2.yaml"
check_match "status warns once the applied file is edited" \
	"^warning: $T/v2.yaml changed since the lab came up" "$("$VPCLAB" status "$LAB" 2>&1)"
RX1=$(status_get "$LAB" port.x.rx_packets); TX1=$(status_get "$LAB" port.x.tx_packets)
FW1=$(status_get "$LAB" forwarded)
if [ "$RX1" -ge "$RX0" ] && [ "$TX1" -ge "$TX0" ] && [ "$FW1" -ge "$FW0" ] 2>/dev/null; then
	ok "x's counters and forwarded are not reset by the apply (rx $RX0 -> $RX1, tx $TX0 -> $TX1, forwarded $FW0 -> $FW1)"
else not_ok "x's counters and forwarded are not reset by the apply (rx $RX0 -> $RX1, tx $TX0 -> $TX1, forwarded $FW0 -> $FW1)"; fi
echo after | on x timeout 3 nc -n -N -w 1 10.60.2.10 7302
check_grew "x's counters go on from there" "$RX1" "$(status_get "$LAB" port.x.rx_packets)"
timeout 10 "$VPCLAB" flowlogs x --lab "$LAB" >/dev/null 2>&1
check_grew "x's flow log file keeps growing across the apply" "$FL_SIZE0" "$(stat -c %s "$FL" 2>/dev/null || echo 0)"
check_grew "with the connection made after the apply" 0 "$(fl_records 7302)"
check_grew "and still the one from before" 0 "$(fl_records 7301)"
kill -INT "$CAP" 2>/dev/null
wait_for "the capture to stop" 5 pid_gone "$CAP"
td() { tcpdump -nr "$F" "$1" 2>/dev/null | wc -l; }
check_grew "the capture holds the packets from before the apply" 0 "$(td 'tcp port 7301')"
check_grew "and those after it (it kept capturing)" 0 "$(td 'tcp port 7302')"
sess_alive k "the session x -> y across the apply"

# ------------------------------------------------ 13. two applies at once
# The first adds 120 instances (their namespaces are made before the switch) and removes stub,
# which ignores SIGTERM (2 s after it); the second comes as soon as the first namespace exists,
# while the first has not published yet: it must not take the first one's place either.
lab dd nostub >"$T/a.yaml"
for i in $(seq 0 119); do echo "      - { name: m$i, subnet: a }"; done >"$T/many"
sed -i "/name: dd, subnet: a/r $T/many" "$T/a.yaml"
lab dd bee >"$T/b.yaml"
timeout 60 "$VPCLAB" apply "$T/a.yaml" >"$T/a.out" 2>&1 &
APID=$!
some_m() { compgen -G "/run/netns/$LAB-m*" >/dev/null; }
wait_for "the first apply to make a namespace" 10 some_m
out=$(timeout 60 "$VPCLAB" apply "$T/b.yaml" 2>&1); rc=$?
diag "the second apply ended with $(compgen -G "/run/netns/$LAB-m*" | wc -l) of the 120 namespaces made"
check_rc "a second apply while the first runs" 3 "$rc" "$out"
check_match "it says another apply is in progress" "another apply is in progress" "$out"
out=$(timeout 10 "$VPCLAB" eip associate spare x --lab "$LAB" 2>&1); rc=$?
# (its exit code is the router's refusal, 1, where apply's own busy refusal is 3: not asserted)
if [ "$rc" -ne 0 ]; then ok "vpclab eip during the apply is refused (exit $rc)"
else not_ok "vpclab eip during the apply is refused (it exited 0: $out)"; fi
check_match "it says an apply is in progress" "an apply is in progress" "$out"
if pid_alive "$APID"; then ok "the first apply was still running meanwhile"; else not_ok "the first apply was still running meanwhile (the checks above may have raced)"; fi
wait "$APID"; rc=$?
check_rc "the first apply succeeds" 0 "$rc" "$(tr '\n' '|' <"$T/a.out")"
check_match "it removed stub" '^- instance stub ' "$(cat "$T/a.out")"
if has_netns "$LAB-stub"; then not_ok "stub's namespace is gone"; else ok "stub's namespace is gone"; fi
if has_netns "$LAB-bee"; then not_ok "the refused apply made nothing (bee has a namespace)"
else ok "the refused apply made nothing (no namespace for bee)"; fi
check "status does not list bee" "" "$(port_line bee)"
check "the kept copy is the first apply's file" "$(sha256sum <"$T/a.yaml" | cut -c1-64)" "$(kept_sum)"
check "spare is still not associated" "null" "$(timeout 10 "$VPCLAB" status "$LAB" --json | "$PY" -c '
import json, sys
print(json.dumps(next((p["name"] for p in json.load(sys.stdin)["ports"] if p.get("public_ip") == "203.0.113.90"), None)))')"
out=$(timeout 60 "$VPCLAB" apply "$T/a.yaml" 2>&1); rc=$?
check_rc "once it is over, applying the same file again" 0 "$rc" "$out"
check "is no change" "no changes" "$out"
check "120 instances came" 120 "$(ports_view | grep -c '^m[0-9]')"
sess_alive k "the session x -> y to the end"

# ------------------------------------------------ down after a dry run
out=$(timeout 60 "$VPCLAB" apply "$T/b.yaml" --dry-run 2>&1); rc=$?
check_rc "a last dry run" 0 "$rc" "$out"
out=$(lab_down 2>&1); rc=$?
check_rc "vpclab down after a dry run" 0 "$rc" "$out"
check "the state directory is gone" "no" "$([ -e "/run/vpclab/$LAB" ] && echo yes || echo no)"
check "no namespace of the lab is left" "" "$(netns_view)"
