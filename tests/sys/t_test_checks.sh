#!/usr/bin/env bash
# `vpclab test` on one lab with right and deliberately wrong checks: every right check passes,
# every wrong one fails naming the rule that decided (the offline trace's hop), exit codes
# 0/1/2/3, the JUnit file parses, TAP, --only, a checks file with errors (FILE:LINE:COL), a lab
# that is already running (left alone, exit 3), --keep, Ctrl-C (the lab still goes down), and a
# disagreement between the real traffic and the trace (INTERNAL ERROR).
TID=testc
. "$(dirname "$0")/lib.sh"

cat >"$T/lab.yaml" <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    internet_gateway: true
    subnets:
      - { name: public, cidr: 10.0.0.0/24, route_table: public }
      - { name: private, cidr: 10.0.1.0/24, route_table: private, network_acl: private-acl }
    route_tables:
      - { name: public, routes: [ { destination: 0.0.0.0/0, target: igw } ] }
      - { name: private, routes: [ { destination: 0.0.0.0/0, target: nat } ] }
    network_acls:
      - name: private-acl
        inbound:
          - { rule: 100, action: allow, protocol: tcp, ports: 5432, cidr: 10.0.0.0/24 }
          - { rule: 110, action: deny, protocol: tcp, ports: 22, cidr: 0.0.0.0/0 }
          - { rule: 120, action: allow, protocol: all, cidr: 10.0.0.0/16 }
          - { rule: 130, action: allow, protocol: tcp, ports: 1024-65535, cidr: 0.0.0.0/0 }
          - { rule: 140, action: allow, protocol: udp, ports: 1024-65535, cidr: 0.0.0.0/0 }
        outbound:
          - { rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0 }
    security_groups:
      - name: web
        inbound:
          - { protocol: tcp, ports: 80, cidr: 0.0.0.0/0 }
          - { protocol: tcp, ports: 22, cidr: 198.51.100.0/24 }
          - { protocol: icmp, cidr: 0.0.0.0/0 }
      - name: db
        inbound:
          - { protocol: tcp, ports: 5432, group: web }
          - { protocol: tcp, ports: 22, cidr: 10.0.0.0/16 }
          - { protocol: udp, ports: 53, cidr: 10.0.0.0/16 }
          - { protocol: icmp, icmp_type: 8, cidr: 10.0.0.0/16 }
    nat_gateways: [ { name: nat, subnet: public, elastic_ip: nat-eip } ]
    instances:
      - { name: web, subnet: public, ip: 10.0.0.10, security_groups: [web] }
      - { name: db, subnet: private, ip: 10.0.1.10, security_groups: [db] }
elastic_ips:
  - { name: nat-eip, ip: 203.0.113.20 }
  - { name: web-eip, ip: 203.0.113.60, instance: web }
internet:
  hosts: [ { name: ext, ip: 198.51.100.10 }, { name: far, ip: 192.0.2.66 } ]
checks:
  - { from: ext, to: web-eip, protocol: tcp, port: 80, expect: allow }
  - { from: far, to: web-eip, protocol: tcp, port: 22, expect: deny }
  - { from: web, to: db, protocol: tcp, port: 5432, expect: allow }
  - { from: web, to: db, protocol: tcp, port: 22, expect: deny }
  - { from: db, to: ext, protocol: tcp, port: 80, expect: allow, seen_as: nat-eip }
  - { from: ext, to: db, protocol: tcp, port: 5432, expect: deny }
  - { from: web, to: db, protocol: udp, port: 53, expect: allow }
  - { from: web, to: db, protocol: icmp, expect: allow }
  - { from: db, to: web, protocol: tcp, port: 80, expect: allow }
  - { from: ext, to: nat-eip, protocol: tcp, port: 80, expect: deny }
  - { from: web, to: ext, protocol: udp, port: 123, expect: allow, seen_as: web-eip }
  - { from: ext, to: 203.0.113.60, protocol: icmp, expect: allow }
  - { from: far, to: web-eip, protocol: tcp, port: 80, expect: allow }
EOF
N_RIGHT=13

# Wrong checks, each with the words its FAIL line must carry (the deciding hop of the trace).
WRONG=(
	"{ from: far, to: web-eip, protocol: tcp, port: 22, expect: allow }|expected allow, got deny  (trace: sg web ingress no rule allows it)"
	"{ from: ext, to: web-eip, protocol: tcp, port: 22, expect: deny }|expected deny, got allow  (trace: sg web ingress rule 2 tcp 22 198.51.100.0/24 allow)"
	"{ from: web, to: db, protocol: tcp, port: 22, expect: allow }|expected allow, got deny  (trace: nacl private-acl in rule 110 tcp 22 0.0.0.0/0 deny)"
	"{ from: db, to: ext, protocol: tcp, port: 80, expect: allow, seen_as: web-eip }|allow, seen as 203.0.113.20, expected 203.0.113.60 (web-eip)"
	"{ from: web, to: db, protocol: tcp, port: 5432, expect: deny }|expected deny, got allow  (trace: sg db ingress rule 1 tcp 5432 group web allow)"
	"{ from: ext, to: db, protocol: tcp, port: 5432, expect: allow }|expected allow, got deny  (trace: address 10.0.1.10 no interface has this address here"
	"{ from: web, to: db, protocol: udp, port: 54, expect: allow }|expected allow, got deny  (trace: sg db ingress no rule allows it)"
	"{ from: ext, to: nat-eip, protocol: tcp, port: 80, expect: allow }|expected allow, got deny  (trace: nat nat: nat_no_mapping)"
	"{ from: db, to: web, protocol: icmp, expect: deny }|expected deny, got allow  (trace: sg web ingress rule 3 icmp all 0.0.0.0/0 allow)"
	"{ from: db, to: far, protocol: tcp, port: 22, expect: deny }|expected deny, got allow  (trace: sg db egress rule 1 all 0.0.0.0/0 allow)"
)
{
	echo "# deliberately wrong"
	echo "checks:"
	for w in "${WRONG[@]}"; do echo "  - ${w%%|*}"; done
} >"$T/wrong.yaml"

LABS+=("$LAB")
# vt ARGS...: runs `vpclab test`, stdout in $OUT, stderr in $ERR, exit code in $RC
vt() {
	OUT=$(timeout 120 "$VPCLAB" test "$@" 2>"$T/stderr"); RC=$?
	ERR=$(cat "$T/stderr")
}
# gone: nothing of the lab is left (namespaces, state directory)
check_gone() {
	local left
	left=$(ip netns list 2>/dev/null | awk '{print $1}' | grep -c "^$LAB-")
	check "$1: no namespace of $LAB left" 0 "$left"
	check "$1: no state directory left" no "$([ -d "/run/vpclab/$LAB" ] && echo yes || echo no)"
}

# ------------------------------------------------------------------ right checks
start=$(date +%s.%N)
vt "$T/lab.yaml" --junit "$T/right.xml"
secs=$(echo "$(date +%s.%N) - $start" | bc 2>/dev/null || echo "?")
check_rc "right checks: exit 0" 0 "$RC" "$OUT $ERR"
check "right checks: every one passes" "$N_RIGHT" "$(grep -c '^PASS  ' <<<"$OUT")"
check "right checks: last line" "$N_RIGHT passed, 0 failed" "$(tail -n 1 <<<"$OUT")"
check_nomatch "right checks: no internal error" "INTERNAL ERROR" "$OUT"
check_match "right checks: a line reads as the check" '^PASS  web -> db tcp/5432 allow$' "$OUT"
check_match "right checks: seen_as is named" '^PASS  db -> ext tcp/80 allow seen_as nat-eip$' "$OUT"
diag "13 checks in $secs s, lab up and down included"
check_gone "after the right checks"
check "right checks: the JUnit file parses" "13 0 $LAB" "$("$PY" -c '
import sys, xml.etree.ElementTree as E
r = E.parse(sys.argv[1]).getroot()
cases = r.findall(".//testcase")
print(len(cases), len(r.findall(".//failure")), cases[0].get("classname"))' "$T/right.xml" 2>&1)"

# ------------------------------------------------------------------ wrong checks
vt "$T/lab.yaml" "$T/wrong.yaml" --junit "$T/wrong.xml" --only '*' --jobs 8
check_rc "wrong checks: exit 1" 1 "$RC" "$ERR"
check "wrong checks: the right ones still pass" "$N_RIGHT" "$(grep -c '^PASS  ' <<<"$OUT")"
check "wrong checks: last line" "$N_RIGHT passed, ${#WRONG[@]} failed" "$(tail -n 1 <<<"$OUT")"
check_nomatch "wrong checks: no internal error" "INTERNAL ERROR" "$OUT"
for w in "${WRONG[@]}"; do
	spec=${w%%|*} want=${w#*|}
	from=$(sed -n 's/.*from: \([a-z-]*\),.*/\1/p' <<<"$spec"); to=$(sed -n 's/.* to: \([a-z0-9.-]*\),.*/\1/p' <<<"$spec")
	line=$(grep -F -- "FAIL  $from -> $to " <<<"$OUT" | grep -F -- "$want" | head -n 1)
	if [ -n "$line" ]; then ok "wrong check fails with its reason: $spec"
	else not_ok "wrong check $spec: expected a FAIL line with '$want', got: $(grep -F -- "FAIL  $from -> $to " <<<"$OUT" | tr '\n' '|')"; fi
done
check "wrong checks: JUnit testcases, failures, names, messages" "23 10 ok ok" "$("$PY" -c '
import sys, xml.etree.ElementTree as E
r = E.parse(sys.argv[1]).getroot()
cases = r.findall(".//testcase")
fails = [c for c in cases if c.find("failure") is not None]
names = "ok" if any(c.get("name") == "far -> web-eip tcp/22 allow" for c in fails) else "no names"
msgs = "ok" if all("trace:" in c.find("failure").get("message") for c in fails) else "no trace"
print(len(cases), len(fails), names, msgs)' "$T/wrong.xml" 2>&1)"
check_gone "after the wrong checks"

# ------------------------------------------------------------------ TAP and --only
vt "$T/lab.yaml" "$T/wrong.yaml" --tap --only 'far*' --only '*udp/54*'
check_rc "--tap --only: exit 1 (one selected check is wrong)" 1 "$RC" "$ERR"
check "--tap: plan" "1..4" "$(sed -n 2p <<<"$OUT")"
check "--tap: test points" "2 2" "$(grep -c '^ok ' <<<"$OUT") $(grep -c '^not ok ' <<<"$OUT")"
check_match "--tap: a failure's message" '^  message: "expected allow, got deny  \(trace: sg web ingress no rule allows it\)"$' "$OUT"
check "--tap: summary as a comment" "# 2 passed, 2 failed" "$(tail -n 1 <<<"$OUT")"

# ------------------------------------------------------------------ input errors: nothing runs
cat >"$T/bad.yaml" <<EOF
checks:
  - { from: web, to: db, protocol: tcp, port: 5432, expect: allow }
  - { from: wbe, to: db, protocol: tcp, port: 5432, expect: allow }
  - { from: web, to: dbx, protocol: tcp, port: 5432, expect: allow, extra: 1 }
EOF
vt "$T/lab.yaml" "$T/bad.yaml"
check_rc "checks file with errors: exit 1" 1 "$RC"
check_match "checks file: unknown name at FILE:LINE:COL" "^$T/bad.yaml:3:13: error: unknown instance or internet host 'wbe'$" "$ERR"
check_match "checks file: unknown target at FILE:LINE:COL" "^$T/bad.yaml:4:22: error: unknown check target 'dbx'" "$ERR"
check_match "checks file: unknown key at FILE:LINE:COL" "^$T/bad.yaml:4:69: error: unknown key 'extra' in check$" "$ERR"
check "checks file with errors: nothing ran" "" "$OUT"
check "checks file with errors: no lab brought up" no "$([ -d "/run/vpclab/$LAB" ] && echo yes || echo no)"
vt "$T/lab.yaml" --jobs 0
check_rc "usage: --jobs 0 is exit 2" 2 "$RC"
vt
check_rc "usage: no lab is exit 2" 2 "$RC"
vt "$T/lab.yaml" --only 'nothing-like-this'
check_rc "--only selecting nothing: exit 1" 1 "$RC"

# ------------------------------------------------------------------ already running: left alone
out=$(timeout 30 "$VPCLAB" up "$T/lab.yaml" 2>&1); rc=$?
check_rc "vpclab up (for the next check)" 0 "$rc" "$out"
pid=$(status_get "$LAB" pid)
vt "$T/lab.yaml"
check_rc "lab already running: exit 3" 3 "$RC" "$OUT"
check_match "lab already running: says so" "lab $LAB is already running" "$ERR"
check "lab already running: left alone (same router)" "$pid" "$(status_get "$LAB" pid)"
lab_down "$LAB" >/dev/null 2>&1
check_gone "after vpclab down"

# ------------------------------------------------------------------ --keep
vt "$T/lab.yaml" --keep --only 'web*'
check_rc "--keep: exit 0" 0 "$RC" "$ERR"
check_match "--keep: says how to take it down" "vpclab down $LAB" "$ERR"
check "--keep: the lab is still running" yes "$([ "$(status_get "$LAB" pid)" -gt 0 ] 2>/dev/null && echo yes || echo no)"
tcp_ok web db 5432
lab_down "$LAB" >/dev/null 2>&1
check_gone "after --keep and vpclab down"

# ------------------------------------------------------------------ Ctrl-C
# One probe at a time, the deny checks wait out their timeout: SIGINT lands mid-run.
timeout 120 "$VPCLAB" test "$T/lab.yaml" --jobs 1 --timeout 2000 >"$T/int.out" 2>"$T/int.err" &
tpid=$!
# mid-run: once the first check has printed its result (a line each, flushed), the next one runs
wait_for "vpclab test to print its first check" 30 grep -q . "$T/int.out"
kill -INT "$tpid"
wait "$tpid"; rc=$?
check_rc "Ctrl-C: exit 130" 130 "$rc" "$(cat "$T/int.err")"
check_match "Ctrl-C: says the lab is down" "interrupted after [0-9]+ of 13 checks; the lab is down" "$(cat "$T/int.err")"
check_gone "after Ctrl-C"

# ------------------------------------------------------------------ trace and traffic disagree
# The lab says db answers pings from web; db's kernel is told to ignore them once the lab is up.
# The real traffic then says deny while the trace says allow: an INTERNAL ERROR, counted failed.
# Two deny checks first (one probe at a time, 1 s each) give the sysctl time to land.
sed '/^checks:/,$d' "$T/lab.yaml" >"$T/nochecks.yaml"
cat >"$T/disagree.yaml" <<EOF
checks:
  - { from: far, to: web-eip, protocol: tcp, port: 22, expect: deny }
  - { from: ext, to: db, protocol: tcp, port: 5432, expect: deny }
  - { from: web, to: db, protocol: icmp, expect: allow }
EOF
timeout 120 "$VPCLAB" test "$T/nochecks.yaml" "$T/disagree.yaml" --jobs 1 --junit "$T/dis.xml" \
	>"$T/dis.out" 2>"$T/dis.err" &
tpid=$!
for _ in $(seq 1 200); do
	ip netns exec "$LAB-db" sysctl -qw net.ipv4.icmp_echo_ignore_all=1 2>/dev/null && break
	sleep 0.02
done
wait "$tpid"; rc=$?
OUT=$(cat "$T/dis.out")
check_rc "disagreement: exit 1" 1 "$rc" "$OUT $(cat "$T/dis.err")"
check_match "disagreement: INTERNAL ERROR, with the trace's hop" \
	'^FAIL  web -> db icmp expected allow, got deny; INTERNAL ERROR: real traffic deny, trace allow  \(trace: sg db ingress rule 4 icmp type 8 10.0.0.0/16 allow\)$' "$OUT"
check "disagreement: counted as failed" "2 passed, 1 failed" "$(tail -n 1 <<<"$OUT")"
check "disagreement: JUnit calls it an internal error" "internal-error" "$("$PY" -c '
import sys, xml.etree.ElementTree as E
f = E.parse(sys.argv[1]).getroot().findall(".//failure")
print(",".join(x.get("type") for x in f))' "$T/dis.xml" 2>&1)"
check_gone "after the disagreement"
