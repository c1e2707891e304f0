#!/usr/bin/env bash
# `vpclab apply` and open sessions, security groups (AWS, reference 4.4): real TCP and UDP
# sessions held from c1 across each change, and exactly which live and which die:
#   - an identical file: no change, every session lives, 0 ended;
#   - a tracked flow (rule for a /24 or a /32) outlives the removal or narrowing of its rule while
#     new connections are refused;
#   - an untracked flow (rule for 0.0.0.0/0, outbound all) is cut at once when its rule goes (a dry
#     run first counts it and changes nothing); another untracked flow the rules still admit lives;
#   - an untracked flow whose 0.0.0.0/0 rule is narrowed lives (now tracked) when the new rule
#     still admits it, and is cut when it does not;
#   - an untracked flow whose outbound-all rule goes becomes tracked and lives;
#   - an instance moved to other groups keeps its tracked flows (new ones follow the new rules);
#     its untracked flow lives while the new groups admit it, and is cut when they do not;
#   - UDP: untracked cut, tracked kept;
#   - an untracked flow admitted by an outbound 0.0.0.0/0 rule (its instance open both ways) is cut
#     at the sender when that rule goes.
# Each "cut" or "refused" is also asserted with the router's counters and `vpclab flows`.
TID=apses; . "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/sess_lib.sh"

# The lab as the test edits it: each variable is one rule line (empty: the rule is gone).
R22='          - { protocol: tcp, ports: 22, cidr: 10.61.2.0/24 }'
R2222='          - { protocol: tcp, ports: 2222, cidr: 10.61.2.10/32 }'
R80='          - { protocol: tcp, ports: 80, cidr: 0.0.0.0/0 }'
R53='          - { protocol: udp, ports: 53, cidr: 0.0.0.0/0 }'
R8000='          - { protocol: tcp, ports: 8000-8001, cidr: 0.0.0.0/0 }'
R5353='          - { protocol: udp, ports: 5353, cidr: 10.61.2.0/24 }'
W2OUT='          - { protocol: all, cidr: 0.0.0.0/0 }'
W3SG=sga
W3IP=10.61.1.12
OPOUT='          - { protocol: all, cidr: 0.0.0.0/0 }'
gen() {
	cat >"$1" <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.61.0.0/16
    subnets:
      - { name: srv, cidr: 10.61.1.0/24 }
      - { name: cli, cidr: 10.61.2.0/24 }
    security_groups:
      - name: web
        inbound:
$R22
$R2222
$R80
          - { protocol: tcp, ports: 8443, cidr: 0.0.0.0/0 }
$R8000
$R53
$R5353
        outbound:
          - { protocol: all, cidr: 0.0.0.0/0 }
      - name: web2
        inbound:
          - { protocol: tcp, ports: 8080, cidr: 0.0.0.0/0 }
        outbound:
$W2OUT
      - name: sga
        inbound:
          - { protocol: tcp, ports: 5000, cidr: 10.61.2.0/24 }
          - { protocol: tcp, ports: 5080, cidr: 0.0.0.0/0 }
        outbound:
          - { protocol: all, cidr: 0.0.0.0/0 }
      - name: sgb
        inbound:
          - { protocol: tcp, ports: 5000, cidr: 10.61.2.10/32 }
          - { protocol: tcp, ports: 5080, cidr: 0.0.0.0/0 }
        outbound:
          - { protocol: all, cidr: 0.0.0.0/0 }
      - name: sgc
        inbound:
          - { protocol: tcp, ports: 22, cidr: 10.61.2.0/24 }
        outbound:
          - { protocol: all, cidr: 0.0.0.0/0 }
      - name: opn
        inbound:
          - { protocol: all, cidr: 0.0.0.0/0 }
        outbound:
$OPOUT
      - name: cli
        outbound:
          - { protocol: all, cidr: 0.0.0.0/0 }
    instances:
      - { name: web, subnet: srv, ip: 10.61.1.10, security_groups: [web] }
      - { name: web2, subnet: srv, ip: 10.61.1.11, security_groups: [web2] }
      - { name: web3, subnet: srv, ip: $W3IP, security_groups: [$W3SG] }
      - { name: c1, subnet: cli, ip: 10.61.2.10, security_groups: [cli] }
      - { name: op, subnet: cli, ip: 10.61.2.20, security_groups: [opn] }
EOF
}
gen "$T/lab.yaml"
lab_up "$T/lab.yaml"
WEB=10.61.1.10 WEB2=10.61.1.11 WEB3=10.61.1.12 C1=10.61.2.10

echo_server web tcp:22 tcp:2222 tcp:80 tcp:8443 tcp:8000 tcp:8001 udp:53 udp:5353
echo_server web2 tcp:8080
echo_server web3 tcp:5000 tcp:5080
sess_open s22 c1 tcp $WEB 22 41022
sess_open s2222 c1 tcp $WEB 2222 42222
sess_open s80 c1 tcp $WEB 80 41080
sess_open s8443 c1 tcp $WEB 8443 48443
sess_open u53 c1 udp $WEB 53 40053
sess_open u5353 c1 udp $WEB 5353 45353
sess_open s8080 c1 tcp $WEB2 8080 48080
sess_open s5000 c1 tcp $WEB3 5000 45000
sess_open s5080 c1 tcp $WEB3 5080 45080
sess_open sop op tcp $WEB 8443 41443
sess_open s8000 c1 tcp $WEB 8000 48000
sess_open s8001 c1 tcp $WEB 8001 48001
ALL="s22 s2222 s80 s8443 u53 u5353 s8080 s5000 s5080 sop s8000 s8001"

# What the router thinks of each at the server's interface (AWS's example, reference 4.4).
tr_of() { tracked "$1" "$C1:$2" "$3"; }
check "tcp 22 from the /24: tracked" True "$(tr_of web 41022 $WEB:22)"
check "tcp 2222 from the /32: tracked" True "$(tr_of web 42222 $WEB:2222)"
check "tcp 80 from 0.0.0.0/0, outbound all: untracked" False "$(tr_of web 41080 $WEB:80)"
check "tcp 8443 from 0.0.0.0/0, outbound all: untracked" False "$(tr_of web 48443 $WEB:8443)"
check "udp 53 from 0.0.0.0/0, outbound all: untracked" False "$(tr_of web 40053 $WEB:53)"
check "udp 5353 from the /24: tracked" True "$(tr_of web 45353 $WEB:5353)"
check "tcp 8080 at web2 from 0.0.0.0/0, outbound all: untracked" False "$(tr_of web2 48080 $WEB2:8080)"
check "tcp 5000 at web3 from the /24: tracked" True "$(tr_of web3 45000 $WEB3:5000)"
check "tcp 5080 at web3 from 0.0.0.0/0: untracked" False "$(tr_of web3 45080 $WEB3:5080)"
check "c1's own end of the HTTP flow is tracked (its inbound is not open)" True "$(tr_of c1 41080 $WEB:80)"
check "op's own end of its flow (outbound 0.0.0.0/0, inbound all open): untracked" False \
	"$(tracked op 10.61.2.20:41443 $WEB:8443)"

# sg_in: the router's sg_ingress drops; port_drops NAME: those of the frames NAME sent
sg_in() { status_get "$LAB" drops.sg_ingress | tr -d '\n'; }
port_drops() { status_get "$LAB" "port.$1.drops"; }
# refused DESC PROTO IP PORT: a new session from c1 is refused, and the router counted it
refused() {
	local desc=$1 proto=$2 ip=$3 port=$4 b pb got
	b=$(sg_in); pb=$(port_drops c1)
	got=$(probe c1 "$proto" "$ip" "$port")
	check "$desc: a new $proto session c1 -> $ip:$port is refused" "fail: no echo" "${got/fail: timed out/fail: no echo}"
	check_grew "$desc: sg_ingress drops counted it" "$b" "$(sg_in)"
	check_grew "$desc: as drops of c1's frames" "$pb" "$(port_drops c1)"
}
admitted() {
	check "$1: a new $2 session c1 -> $3:$4 is admitted" ok "$(probe c1 "$2" "$3" "$4")"
}

# ---- case 10a: the identical file: no change line, every session lives, 0 ended
gen "$T/same.yaml"
out=$(timeout 30 "$VPCLAB" apply "$T/same.yaml" 2>&1); rc=$?
check_rc "apply of an identical file" 0 "$rc" "$out"
check "identical file: no change line, nothing applied" "no changes" "$out"
apply_json "$T/same.yaml"
check "identical file --json: no changes, 0 ended" "0 0 True" \
	"$(apply_get 'd["changes"].__len__(), d["ended"], d["applied"]')"
for s in $ALL; do sess_lives "identical apply" "$s"; done

# ---- a bad file, and a change AWS refuses (DependencyViolation): FILE:LINE:COL, exit 1, nothing
# changes (every session lives, every flow is still there)
flows_before=$(flows_q 'sorted((i["name"], f["from"], f["to"]) for i in d["interfaces"] for f in i["flows"])')
sed 's/^      - { name: srv, cidr: 10.61.1.0\/24 }$/      - { name: srv, cidr: 10.61.1.0\/24, colour: red }/' "$T/lab.yaml" >"$T/bad.yaml"
sed -i 's/^\(          - { protocol: tcp, ports: 80, cidr: 0.0.0.0\/0 }\)$/#\1/' "$T/bad.yaml"
out=$(timeout 30 "$VPCLAB" apply "$T/bad.yaml" 2>&1); rc=$?
check_rc "apply of a bad file (and a rule removed)" 1 "$rc" "$out"
check_match "the error is FILE:LINE:COL" "^$T/bad.yaml:6:42: error: unknown key 'colour'" "$out"
check_match "it says nothing was changed" "nothing was changed" "$out"
sed 's/^      - { name: srv, cidr: 10.61.1.0\/24 }$/      - { name: srv, cidr: 10.61.1.0\/25 }/' "$T/lab.yaml" >"$T/dep.yaml"
sed -i 's/^\(          - { protocol: tcp, ports: 80, cidr: 0.0.0.0\/0 }\)$/#\1/' "$T/dep.yaml"
out=$(timeout 30 "$VPCLAB" apply "$T/dep.yaml" 2>&1); rc=$?
check_rc "apply of a subnet cidr change with instances in it (and a rule removed)" 1 "$rc" "$out"
check_match "the error names the cidr's place and AWS's DependencyViolation" \
	"^$T/dep.yaml:6:28: error: subnet .srv. cannot change its cidr.*DependencyViolation" "$out"
for s in $ALL; do sess_lives "refused applies" "$s"; done
check "refused applies: the same flows" "$flows_before" \
	"$(flows_q 'sorted((i["name"], f["from"], f["to"]) for i in d["interfaces"] for f in i["flows"])')"

# ---- case 1: SSH-like tracked flow, its rule removed: it lives, new ones are refused
R22=''; gen "$T/lab.yaml"
out=$(timeout 30 "$VPCLAB" apply "$T/lab.yaml" 2>&1); rc=$?
check_rc "apply: remove tcp 22 from the /24" 0 "$rc" "$out"
check "the plan: one line, ending no flow" "- sg rule web inbound tcp 22 10.61.2.0/24" "$(printf '%s\n' "$out" | grep '^[-+~] ')"
check_match "0 flows ended" '; 0 flows ended' "$out"
sess_lives "tcp 22 rule removed" s22
check "tcp 22 rule removed: the flow stays, tracked" True "$(tr_of web 41022 $WEB:22)"
refused "tcp 22 rule removed" tcp $WEB 22

# ---- case 2: a /32 rule narrowed to another /32: the tracked session lives
R2222='          - { protocol: tcp, ports: 2222, cidr: 10.61.2.99/32 }'; gen "$T/lab.yaml"
apply_json "$T/lab.yaml"
check "narrowed /32: 2 changes, 0 ended" "2 0" "$(apply_get 'len(d["changes"]), d["ended"]')"
sess_lives "tcp 2222 /32 narrowed to another /32" s2222
refused "tcp 2222 /32 narrowed to another /32" tcp $WEB 2222

# ---- cases 10b and 3: HTTP-like untracked flow, its rule removed: a dry run counts it and
# changes nothing; the apply cuts it at once; the other untracked flow (8443, still admitted) lives
R80=''; gen "$T/lab.yaml"
apply_json "$T/lab.yaml" --dry-run
check "dry run: one change that would end 1 flow" "1 1 1 True" \
	"$(apply_get 'len(d["changes"]), d["changes"][0]["ends"], d["ends"], d["dry_run"]')"
out=$(timeout 30 "$VPCLAB" apply "$T/lab.yaml" --dry-run 2>&1)
check "dry run (text): the plan line and its count" "- sg rule web inbound tcp 80 0.0.0.0/0  [ends 1 flow]" \
	"$(printf '%s\n' "$out" | grep '^[-+~] ')"
check_match "dry run (text): nothing was changed, 1 flow would end" \
	'^dry run: nothing was changed \(these changes would end 1 flow(, 0 NAT translations)?\)$' "$out"
sess_lives "after the dry run" s80
check "after the dry run: the untracked flow is still there" False "$(tr_of web 41080 $WEB:80)"
b=$(sg_in)
apply_json "$T/lab.yaml"
check "apply: ended 1 (what the dry run said)" "1 1" "$(apply_get 'd["ended"], d["changes"][0]["ends"]')"
check "tcp 80 rule removed: web's end of the flow is gone" None "$(tr_of web 41080 $WEB:80)"
sess_dies "tcp 80 rule removed" s80
check_grew "the cut session's packet is a sg_ingress drop" "$b" "$(sg_in)"
sess_abort s80
sess_lives "tcp 80 rule removed" s8443
check "the 8443 flow is still untracked" False "$(tr_of web 48443 $WEB:8443)"
refused "tcp 80 rule removed" tcp $WEB 80
admitted "tcp 80 rule removed" tcp $WEB 8443

# ---- an untracked flow's 0.0.0.0/0 rule narrowed: to c1's /24 (8000) it lives, now tracked;
# to another network (8001) it is cut
check "8000 and 8001 are untracked before" "False False" "$(tr_of web 48000 $WEB:8000) $(tr_of web 48001 $WEB:8001)"
R8000='          - { protocol: tcp, ports: 8000, cidr: 10.61.2.0/24 }
          - { protocol: tcp, ports: 8001, cidr: 10.99.0.0/16 }'; gen "$T/lab.yaml"
apply_json "$T/lab.yaml" --dry-run
dry=$(apply_get 'd["ends"]')
apply_json "$T/lab.yaml"
check "narrowed: ended 1, as the dry run said" "1 1" "$dry $(apply_get 'd["ended"]')"
check "8000 narrowed to c1's /24: its flow is kept, now tracked" True "$(tr_of web 48000 $WEB:8000)"
sess_lives "8000 narrowed to c1's /24" s8000
check "8001 narrowed to 10.99.0.0/16: its flow is gone" None "$(tr_of web 48001 $WEB:8001)"
sess_dies "8001 narrowed to 10.99.0.0/16" s8001
sess_abort s8001

# ---- case 4: untracked flow whose outbound-all rule goes: kept, and now tracked
W2OUT='          - { protocol: tcp, ports: 443, cidr: 0.0.0.0/0 }'; gen "$T/lab.yaml"
apply_json "$T/lab.yaml"
check "web2 outbound all -> tcp 443: 0 ended" 0 "$(apply_get 'd["ended"]')"
check "web2's 8080 flow is kept, now tracked" True "$(tr_of web2 48080 $WEB2:8080)"
sess_lives "web2 outbound all removed (its replies pass on state alone)" s8080
admitted "web2 outbound all removed" tcp $WEB2 8080

# ---- case 5: web3's groups changed: to one that admits it, then to one that does not
W3SG=sgb; gen "$T/lab.yaml"
apply_json "$T/lab.yaml"
check "web3 [sga] -> [sgb]: the plan names the change, 0 ended" \
	"change instance web3 0 0" \
	"$(apply_get '" ".join([d["changes"][0]["op"], d["changes"][0]["kind"], d["changes"][0]["name"], str(d["changes"][0]["ends"]), str(d["ended"])])')"
sess_lives "web3 moved to sgb (admits c1)" s5000
sess_lives "web3 moved to sgb (still admits 5080 from 0.0.0.0/0)" s5080
check "5080 is still untracked under sgb" False "$(tr_of web3 45080 $WEB3:5080)"
admitted "web3 moved to sgb" tcp $WEB3 5000
W3SG=sgc; gen "$T/lab.yaml"
apply_json "$T/lab.yaml" --dry-run
check "web3 [sgb] -> [sgc] dry run: ends 1 (the untracked 5080 flow)" "1 1" \
	"$(apply_get 'd["changes"][0]["ends"], d["ends"]')"
apply_json "$T/lab.yaml"
check "web3 [sgb] -> [sgc]: ended 1" 1 "$(apply_get 'd["ended"]')"
sess_lives "web3 moved to sgc (admits nothing of it): tracked" s5000
check "web3's 5000 flow is still there, tracked" True "$(tr_of web3 45000 $WEB3:5000)"
b=$(sg_in)
sess_dies "web3 moved to sgc: untracked" s5080
check_grew "the cut 5080 session's packet is a sg_ingress drop" "$b" "$(sg_in)"
check "web3's 5080 flow is gone" None "$(tr_of web3 45080 $WEB3:5080)"
sess_abort s5080
refused "web3 moved to sgc" tcp $WEB3 5000

# ---- case 9: UDP: the untracked flow (udp 53 from 0.0.0.0/0) is cut, the tracked one kept
R53=''; R5353=''; gen "$T/lab.yaml"
apply_json "$T/lab.yaml"
check "udp rules removed: ended 1" 1 "$(apply_get 'd["ended"]')"
check "udp 53 flow gone at web" None "$(tr_of web 40053 $WEB:53)"
check "udp 5353 flow kept at web, tracked" True "$(tr_of web 45353 $WEB:5353)"
b=$(sg_in)
sess_dies "udp 53 rule removed" u53
check_grew "the cut datagram is a sg_ingress drop" "$b" "$(sg_in)"
sess_lives "udp 5353 rule removed" u5353
refused "udp 5353 rule removed" udp $WEB 5353
refused "udp 53 rule removed" udp $WEB 53

# ---- egress: op's untracked flow, its outbound rule narrowed to tcp 443: cut at op
OPOUT='          - { protocol: tcp, ports: 443, cidr: 0.0.0.0/0 }'; gen "$T/lab.yaml"
apply_json "$T/lab.yaml"
check "op's outbound all -> tcp 443: ended 1" 1 "$(apply_get 'd["ended"]')"
check "op's end of the flow is gone" None "$(tracked op 10.61.2.20:41443 $WEB:8443)"
check "web's end of it stays (web's rules did not change)" False "$(tracked web 10.61.2.20:41443 $WEB:8443)"
b=$(drops sg_egress)
sess_dies "op's outbound all removed" sop
check_grew "op's packet is a sg_egress drop" "$b" "$(drops sg_egress)"
sess_abort sop

# ---- web3's IP changed: a remove and an add; its session (and server) go, nothing else
w3_pid=$(ip netns pids "$LAB-web3" | head -n 1)
W3IP=10.61.1.13; gen "$T/lab.yaml"
apply_json "$T/lab.yaml" --dry-run
dry=$(apply_get 'd["ends"]')
check "web3 10.61.1.12 -> .13 (dry run): removed and added, ending its flows" "remove add" \
	"$(apply_get '" ".join(c["op"] for c in d["changes"] if c["name"] == "web3")')"
check_grew "(web3 has flows to end)" 0 "$dry"
apply_json "$T/lab.yaml"
check "web3 re-made: ended what the dry run said" "$dry" "$(apply_get 'd["ended"]')"
check "web3's old processes are gone (its echo server)" yes \
	"$(wait_for "web3's echo server to end" 3 pid_gone "$w3_pid" && echo yes || echo no)"
check "web3 has its new address" 10.61.1.13 "$(ip_of web3)"
sess_dies "web3 re-made at another address" s5000
sess_abort s5000
echo_server web3 tcp:5000
b=$(sg_in)
check "a new connection to web3's new address is refused by sgc" "fail: no echo" \
	"$(probe c1 tcp 10.61.1.13 5000 | sed 's/fail: timed out/fail: no echo/')"
check_grew "as a sg_ingress drop" "$b" "$(sg_in)"

# ---- at the end: every session that should live still does
for s in s22 s2222 s8443 u5353 s8080 s8000; do sess_lives "at the end" "$s"; done
