#!/usr/bin/env bash
# `vpclab apply` and open sessions, the stateless parts and traffic (AWS, reference 4.4):
#   - 20 applies in a row of two files that differ in one unrelated rule (then in an instance
#     added and removed), under a tracked and an untracked TCP echo stream and a fast ping: not
#     one packet lost (no retransmission at either end, every echo answered, 0% ping loss), no tap
#     or router drop;
#   - a network ACL deny added in the server's subnet stops a tracked session at its very next
#     packet (nacl_in drops); removed, the same session works again (its flow was kept);
#     the same with the subnet moved to an ACL that denies all inbound, and back;
#   - a route blackholed, then removed (then the subnet moved to a table without it), stops a tracked session from the internet at its next
#     reply (blackhole, no_route drops); restored, the same session works again;
#   - ICMP is always tracked: a running ping outlives the removal of its rule; a new ping is refused;
#   - an instance added answers at once; removed, its process, namespace and flows go (the count
#     the dry run gave) and the other sessions live;
#   - an elastic IP removed ends the flows through it (the count the dry run gave).
TID=apnet; . "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/sess_lib.sh"

# The lab as the test edits it: each variable is one line (empty: it is gone).
RIGW='          - { destination: 0.0.0.0/0, target: igw }'
RBH=''
ADENY=''
RICMP='          - { protocol: icmp, cidr: 0.0.0.0/0 }'
RX=''
C3=''
SRVACL=srv-acl
PUBRT=pub
EIP='  - { name: edge-eip, ip: 203.0.113.62, instance: edge }'
gen() {
	cat >"$1" <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.62.0.0/16
    internet_gateway: true
    subnets:
      - { name: srv, cidr: 10.62.1.0/24, network_acl: $SRVACL }
      - { name: cli, cidr: 10.62.2.0/24 }
      - { name: pub, cidr: 10.62.3.0/24, route_table: $PUBRT }
    route_tables:
      - name: pub
        routes:
$RIGW
$RBH
      - name: pub2
        routes:
          - { destination: 192.0.2.0/24, target: igw }
    network_acls:
      - name: srv-acl
        inbound:
$ADENY
          - { rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0 }
        outbound:
          - { rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0 }
      - name: shut
        inbound:
          - { rule: 100, action: deny, protocol: all, cidr: 0.0.0.0/0 }
        outbound:
          - { rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0 }
    security_groups:
      - name: web
        inbound:
          - { protocol: tcp, ports: 6000, cidr: 10.62.2.0/24 }
          - { protocol: tcp, ports: 7777, cidr: 10.62.2.0/24 }
          - { protocol: tcp, ports: 8443, cidr: 0.0.0.0/0 }
$RICMP
$RX
        outbound:
          - { protocol: all, cidr: 0.0.0.0/0 }
      - name: edge
        inbound:
          - { protocol: tcp, ports: 7000, cidr: 198.51.100.0/24 }
        outbound:
          - { protocol: all, cidr: 0.0.0.0/0 }
      - name: cli
        outbound:
          - { protocol: all, cidr: 0.0.0.0/0 }
    instances:
      - { name: web, subnet: srv, ip: 10.62.1.10, security_groups: [web] }
      - { name: edge, subnet: pub, ip: 10.62.3.10, security_groups: [edge] }
      - { name: c1, subnet: cli, ip: 10.62.2.10, security_groups: [cli] }
      - { name: c2, subnet: cli, ip: 10.62.2.11, security_groups: [cli] }
$C3
elastic_ips:
$EIP
  - { name: spare-eip, ip: 203.0.113.63 }
internet:
  hosts:
    - { name: ext, ip: 198.51.100.20 }
EOF
}
gen "$T/lab.yaml"
lab_up "$T/lab.yaml"
WEB=10.62.1.10 EDGE=10.62.3.10 EDGE_EIP=203.0.113.62 C2=10.62.2.11

echo_server web tcp:6000 tcp:7777 tcp:8443
echo_server edge tcp:7000
sess_open s6000 c1 tcp $WEB 6000 46000
sess_open s7000 ext tcp $EDGE_EIP 7000 47000
check "the internet session is tracked at edge" True "$(tracked edge 198.51.100.20:47000 $EDGE:7000)"

# ---- case 11: applies in a loop under traffic lose nothing
# apply_loop WHAT B.yaml SP: while two streams run from c2 (SP7777 -> web:7777, a rule for the /24:
# tracked; SP8443 -> web:8443, 0.0.0.0/0: untracked) and a fast ping, 20 applies alternate
# B.yaml and the running file, which differ only in WHAT
tapd() { status_get "$LAB" port.web.tap_dropped port.c2.tap_dropped port.web.drops port.c2.drops | tr '\n' ' '; }
progress() { grep -c '^progress' "$T/st.$1.out"; }
apply_loop() {
	local what=$1 bfile=$2 sp=$3 p taps0 p0 p1 a0 b0 a1 b1 gen0 fails=0 ends=0 i f d n ping_pid running=no
	gen "$T/a.yaml"
	rm -f "$T/stop"
	for p in 7777 8443; do
		on_bg c2 "$PY" "$SESS_PY" stream $WEB $p "$sp$p" "$T/stop" 100000 60 >"$T/st.$p.out" 2>&1
	done
	wait_for "both streams to run" 10 lines_ge "$T/st.7777.out" 1 '^progress' &&
		wait_for "both streams to run" 10 lines_ge "$T/st.8443.out" 1 '^progress'
	check "$what: the 7777 stream is tracked at web" True "$(tracked web "$C2:${sp}7777" $WEB:7777)"
	check "$what: the 8443 stream is untracked at web" False "$(tracked web "$C2:${sp}8443" $WEB:8443)"
	taps0=$(tapd)
	p0="$(progress 7777) $(progress 8443)"
	on_bg c2 ping -n -q -i 0.01 -c 500 -W 2 $WEB >"$T/ping.loop" 2>&1
	ping_pid=$!
	gen0=$(timeout 10 "$VPCLAB" apply "$T/a.yaml" --json 2>/dev/null | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["generation"])')
	for i in $(seq 1 20); do
		f=$bfile; [ $((i % 2)) -eq 0 ] && f=$T/a.yaml
		if ! timeout 30 "$VPCLAB" apply "$f" --json >"$T/apply.json" 2>"$T/apply.err"; then
			fails=$((fails + 1)); diag "apply $i: $(cat "$T/apply.err")"
		fi
		ends=$((ends + $(apply_get 'd["ended"]' | grep -E '^[0-9]+$' || echo 1000)))
	done
	check "$what: 20 applies under traffic succeed" 0 "$fails"
	check "$what: they ended no flow" 0 "$ends"
	check "$what: each published a new generation" $((gen0 + 20)) "$(apply_get 'd["generation"]')"
	pid_alive "$ping_pid" && running=yes
	p1="$(progress 7777) $(progress 8443)"
	touch "$T/stop"
	wait_for "the streams to report" 10 lines_ge "$T/st.7777.out" 1 '^done' &&
		wait_for "the streams to report" 10 lines_ge "$T/st.8443.out" 1 '^done'
	for p in 7777 8443; do
		d=$(grep '^done' "$T/st.$p.out")
		check_match "$what: stream to $p: every echo answered, no retransmission at either end" \
			'^done sent=([0-9]+) answered=\1 retrans=0 peer_retrans=0 ' "$d"
		diag "$what: stream to $p: $d"
		n=$(sed -n 's/^done sent=\([0-9]*\).*/\1/p' "$T/st.$p.out")
		check_grew "$what: stream to $p ran: more than 200 round trips" 200 "${n:-0}"
	done
	read -r a0 b0 <<<"$p0"; read -r a1 b1 <<<"$p1"
	check_grew "$what: the 7777 stream went on while the applies ran (hundreds of round trips)" "$a0" "$a1"
	check_grew "$what: the 8443 stream went on while the applies ran" "$b0" "$b1"
	wait_for "the ping to end" 15 pid_gone "$ping_pid"
	diag "the ping was still running after the 20 applies: $running"
	check_match "$what: ping -i 0.01 -c 500 across the applies: 0% loss" \
		'500 packets transmitted, 500 received, 0% packet loss' "$(cat "$T/ping.loop")"
	check "$what: tap drops (web, c2) and router drops of their frames did not grow" "$taps0" "$(tapd)"
	check_match "$what: tap drop counters are read" '^[0-9]+ [0-9]+ 0 0 $' "$taps0"
	sess_lives "$what: after the loop" s6000
	sess_lives "$what: after the loop" s7000
}
RX='          - { protocol: tcp, ports: 9999, cidr: 192.0.2.0/24 }'; gen "$T/b.yaml"; RX=''
apply_loop "an unrelated rule of web's group" "$T/b.yaml" 4
C3='      - { name: c3, subnet: cli, ip: 10.62.2.12, security_groups: [cli] }'; gen "$T/c.yaml"; C3=''
apply_loop "an instance added and removed" "$T/c.yaml" 5

# ---- case 6: a network ACL deny in the server's subnet acts on the very next packet; removed,
# the same (tracked) session works again
ADENY='          - { rule: 50, action: deny, protocol: tcp, ports: 6000, cidr: 0.0.0.0/0 }'; gen "$T/lab.yaml"
apply_json "$T/lab.yaml"
check "acl deny added: no flow ended" 0 "$(apply_get 'd["ended"]')"
b=$(drops nacl_in)
sess_dies "acl deny for tcp 6000 in srv" s6000
check_grew "the packet is a nacl_in drop" "$b" "$(drops nacl_in)"
check "the flow is still tracked at web" True "$(tracked web 10.62.2.10:46000 $WEB:6000)"
ADENY=''; gen "$T/lab.yaml"
apply_json "$T/lab.yaml"
# the line sent while denied is retransmitted; the next line waits behind it (TCP backoff)
sess_lives "acl deny removed (after TCP's retransmission)" s6000 15
sess_lives "acl deny removed, again at once" s6000

# the subnet moved to another ACL that denies everything inbound, and back
SRVACL=shut; gen "$T/lab.yaml"
apply_json "$T/lab.yaml"
check "srv's ACL srv-acl -> shut: the plan says so, no flow ended" "subnet srv 0" \
	"$(apply_get '" ".join([d["changes"][0]["kind"], d["changes"][0]["name"], str(d["ended"])])')"
b=$(drops nacl_in)
sess_dies "srv moved to ACL shut" s6000
check_grew "the packet is a nacl_in drop" "$b" "$(drops nacl_in)"
SRVACL=srv-acl; gen "$T/lab.yaml"
apply_json "$T/lab.yaml"
sess_lives "srv back to srv-acl (after TCP's retransmission)" s6000 15
sess_lives "srv back to srv-acl, again at once" s6000

# ---- case 7: routes act on the next packet: blackholed, removed, restored
RBH='          - { destination: 198.51.100.0/24, target: blackhole }'; gen "$T/lab.yaml"
apply_json "$T/lab.yaml"
b=$(drops blackhole)
sess_dies "198.51.100.0/24 blackholed in pub" s7000
check_grew "edge's echo is a blackhole drop" "$b" "$(drops blackhole)"
RBH=''; gen "$T/lab.yaml"
apply_json "$T/lab.yaml"
sess_lives "blackhole removed (after TCP's retransmission)" s7000 15
sess_lives "blackhole removed, again at once" s7000
RIGW='          - { destination: 192.0.2.0/24, target: igw }'; gen "$T/lab.yaml"
apply_json "$T/lab.yaml"
check "pub's default route removed: no flow ended (routes are stateless)" 0 "$(apply_get 'd["ended"]')"
b=$(drops no_route)
sess_dies "pub's default route removed" s7000
check_grew "edge's echo is a no_route drop" "$b" "$(drops no_route)"
RIGW='          - { destination: 0.0.0.0/0, target: igw }'; gen "$T/lab.yaml"
apply_json "$T/lab.yaml"
sess_lives "default route restored (after TCP's retransmission)" s7000 15
sess_lives "default route restored, again at once" s7000

PUBRT=pub2; gen "$T/lab.yaml"
apply_json "$T/lab.yaml"
check "pub's route table pub -> pub2 (no default route): no flow ended" 0 "$(apply_get 'd["ended"]')"
b=$(drops no_route)
sess_dies "pub moved to route table pub2" s7000
check_grew "edge's echo is a no_route drop" "$b" "$(drops no_route)"
PUBRT=pub; gen "$T/lab.yaml"
apply_json "$T/lab.yaml"
sess_lives "pub back to route table pub (after TCP's retransmission)" s7000 15
sess_lives "pub back to route table pub, again at once" s7000

# ---- case 8: ICMP is always tracked: a running ping outlives its rule; a new ping is refused
on_bg c1 ping -n -i 0.2 -c 40 -W 2 $WEB >"$T/ping.icmp" 2>&1
ping_pid=$!
wait_for "the ping to be answered" 5 grep -q 'icmp_seq=3 ' "$T/ping.icmp"
RICMP=''; gen "$T/lab.yaml"
apply_json "$T/lab.yaml"
check "icmp rule removed: no flow ended" 0 "$(apply_get 'd["ended"]')"
at=$(grep -c 'icmp_seq=' "$T/ping.icmp")
b=$(drops sg_ingress)
ping_blocked c1 web
check_grew "the new ping is a sg_ingress drop" "$b" "$(drops sg_ingress)"
wait_for "the running ping to end" 15 pid_gone "$ping_pid"
check_match "the running ping lost nothing" '40 packets transmitted, 40 received, 0% packet loss' "$(cat "$T/ping.icmp")"
check_grew "it was answered after the rule went" "$at" "$(grep -c 'icmp_seq=' "$T/ping.icmp")"
sess_lives "at the end" s6000

# ---- an instance added answers; removed, it leaves nothing and disturbs nothing else
C3='      - { name: c3, subnet: cli, ip: 10.62.2.12, security_groups: [cli] }'; gen "$T/lab.yaml"
out=$(timeout 30 "$VPCLAB" apply "$T/lab.yaml" 2>&1); rc=$?
check_rc "apply: add instance c3" 0 "$rc" "$out"
check_match "the plan adds c3" '^\+ instance c3 \(subnet cli, 10\.62\.2\.12\)$' "$out"
sess_open s3 c3 tcp $WEB 7777 43777
c3_pid=${BG_PIDS[-1]}
sess_lives "c3 added" s6000
c3_flows=$(status_get "$LAB" port.c3.connections)
C3=''; gen "$T/lab.yaml"
apply_json "$T/lab.yaml" --dry-run
check "removing c3 (dry run): ends c3's flows" "remove instance c3 $c3_flows" \
	"$(apply_get '" ".join([d["changes"][0]["op"], d["changes"][0]["kind"], d["changes"][0]["name"], str(d["ends"])])')"
apply_json "$T/lab.yaml"
check "removing c3: ended c3's flows" "$c3_flows" "$(apply_get 'd["ended"]')"
check_grew "(c3 had flows)" 0 "$c3_flows"
check "c3's namespace is gone" no "$(ip netns list | awk '{print $1}' | grep -qx "$LAB-c3" && echo yes || echo no)"
check "c3's session process is gone" yes "$(wait_for "c3's client to end" 3 pid_gone "$c3_pid" && echo yes || echo no)"
check "c3's interface is gone from status" "missing:port.c3.ip" "$(status_get "$LAB" port.c3.ip)"
sess_lives "c3 removed" s6000
sess_lives "c3 removed" s7000

# ---- an elastic IP removed: the flows through it end
EIP=''; gen "$T/lab.yaml"
apply_json "$T/lab.yaml" --dry-run
check "edge-eip removed (dry run): ends 1 flow" "1" "$(apply_get 'd["ends"]')"
sess_lives "after the dry run" s7000
apply_json "$T/lab.yaml"
check "edge-eip removed: ended 1" 1 "$(apply_get 'd["ended"]')"
check "edge's flow from the internet is gone" None "$(tracked edge 198.51.100.20:47000 $EDGE:7000)"
b=$(drops igw_no_mapping)
sess_dies "edge-eip removed" s7000
check_grew "the packet to the old address is an igw_no_mapping drop" "$b" "$(drops igw_no_mapping)"
sess_lives "edge-eip removed" s6000
