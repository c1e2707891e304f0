#!/usr/bin/env bash
# An elastic IP moved while traffic runs (issue 3, AWS AssociateAddress with reassociation).
# a and b each run a server on port 80 that answers its own name. ext polls the EIP every 0.1 s
# and also holds one TCP connection to a through the EIP, sending a line every 0.2 s. Then
# `vpclab eip associate web-eip b`: the poll's answers switch from a to b (and never back), the
# held connection does not continue (AWS drops the old mapping's connections; nothing more
# reaches a's server on it), status shows the address on b, outbound from b is seen as the EIP
# and a, without a public IP now, cannot reach the internet. Then disassociate: nothing answers.
# Bad names are refused.
TID=eeip; . "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/edge_lib.sh"

cat >"$T/lab.yaml" <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    internet_gateway: true
    subnets:
      - { name: public, cidr: 10.0.0.0/24, route_table: public }
    route_tables:
      - name: public
        routes:
          - { destination: 0.0.0.0/0, target: igw }
    security_groups:
      - name: web
        inbound:
          - { protocol: tcp, ports: 80, cidr: 0.0.0.0/0 }
    instances:
      - { name: a, subnet: public, ip: 10.0.0.10, security_groups: [web] }
      - { name: b, subnet: public, ip: 10.0.0.11, security_groups: [web] }
elastic_ips:
  - { name: web-eip, ip: 203.0.113.60, instance: a }
internet:
  hosts:
    - { name: ext, ip: 198.51.100.10 }
EOF
lab_up "$T/lab.yaml"
EIP=203.0.113.60

edge_bg "$T/srv-a" a name-server 80 inst-a
edge_bg "$T/srv-b" b name-server 80 inst-b
_wait_listen "$LAB-a" tcp 80; _wait_listen "$LAB-b" tcp 80
check "before: the EIP answers as a" inst-a "$(edge ext tcp-client "$EIP" 80 2)"

edge_bg "$T/poll" ext poll "$EIP" 80 6 0.1; poll_pid=$!
edge_bg "$T/long" ext longconn "$EIP" 80 6 0.2; long_pid=$!
# move once a has answered the polls and the held connection several times (asserted below)
wait_for "5 polls answered by a, 3 echoes on the held connection" 5 \
	eval 'lines_ge "$T/poll" 5 " inst-a$" && lines_ge "$T/long" 3 "^[0-9.]+ ok "'
t_move=$(date +%s.%N)
out=$("$VPCLAB" eip associate web-eip b --lab "$LAB" 2>&1); rc=$?
check_rc "vpclab eip associate web-eip b ($out)" 0 "$rc"
# both clients stop by themselves (6 s); the held connection earlier, when it fails
wait_for "the poll and the held connection to finish" 10 eval 'pid_gone $poll_pid && pid_gone $long_pid'

# the poll: a's answers, then b's, no a after the first b
seq_names=$(awk '{print $2}' "$T/poll" | uniq | tr '\n' ' ' | sed 's/ $//')
diag "poll answers in order (runs collapsed): $seq_names"
check_match "the poll's answers switch from a to b" '^inst-a( -)* inst-b$' "$seq_names"
na=$(grep -c ' inst-a$' "$T/poll"); nb=$(grep -c ' inst-b$' "$T/poll")
if [ "$na" -ge 5 ] && [ "$nb" -ge 5 ]; then ok "both phases answered several polls (a $na, b $nb)"
else not_ok "both phases answered several polls (expected >= 5 each, got a $na, b $nb)"; fi
gap=$(awk '$2=="-"' "$T/poll" | wc -l)
if [ "$gap" -le 3 ]; then ok "at most 3 polls unanswered around the move ($gap)"
else not_ok "at most 3 polls unanswered around the move (got $gap)"; fi

# the held connection
before=$(awk -v t="$t_move" '$1 < t && $2 == "ok"' "$T/long" | wc -l)
after=$(awk -v t="$t_move" '$1 > t + 0.05 && $2 == "ok"' "$T/long" | wc -l)
if [ "$before" -ge 3 ]; then ok "the held connection to a echoed before the move ($before lines)"
else not_ok "the held connection to a echoed before the move (expected >= 3, got $before): $(tr '\n' '|' <"$T/long" | head -c 300)"; fi
check "the held connection does not continue after the move (echoes after it)" 0 "$after"
check_match "the held connection failed (reset, timeout or EOF)" ' fail ' "$(cat "$T/long")"
late=$(awk -v t="$t_move" '$1 == "got" && $3 > t + 0.05' "$T/srv-a" | wc -l)
check "a's server got nothing on the held connection after the move" 0 "$late"
check_nomatch "b's server never saw the held connection's lines" '^got line-' "$(cat "$T/srv-b")"

diag "the address is b's now"
check "status: b's public_ip is the EIP" "$EIP" "$(public_ip_of b)"
check "status: a's public_ip is null" null "$(public_ip_of a)"
check "after: the EIP answers as b" inst-b "$(edge ext tcp-client "$EIP" 80 2)"
check_seen "b outbound" tcp b ext 198.51.100.10 "$EIP"
b0=$(drops igw_no_public_ip)
tcp_blocked a ext 80
check_grew "drops.igw_no_public_ip grows (a lost its only public address)" "$b0" "$(drops igw_no_public_ip)"

diag "move it back, then disassociate"
out=$("$VPCLAB" eip associate web-eip a --lab "$LAB" 2>&1); rc=$?
check_rc "vpclab eip associate web-eip a" 0 "$rc" "$out"
check "the EIP answers as a again" inst-a "$(edge ext tcp-client "$EIP" 80 2)"
out=$("$VPCLAB" eip disassociate web-eip --lab "$LAB" 2>&1); rc=$?
check_rc "vpclab eip disassociate web-eip" 0 "$rc" "$out"
check "status: a's public_ip is null after disassociate" null "$(public_ip_of a)"
d0=$(drops_sum igw_no_mapping inet_no_host)
check_match "nothing answers on the EIP" '^error' "$(edge ext tcp-client "$EIP" 80 1)"
check_grew "igw_no_mapping (or inet_no_host) grows" "$d0" "$(drops_sum igw_no_mapping inet_no_host)"
out=$("$VPCLAB" eip associate web-eip b --lab "$LAB" 2>&1); rc=$?
check_rc "vpclab eip associate web-eip b (from unassociated)" 0 "$rc" "$out"
check "the EIP answers as b" inst-b "$(edge ext tcp-client "$EIP" 80 2)"

diag "refusals"
out=$("$VPCLAB" eip associate no-such-eip a --lab "$LAB" 2>&1); rc=$?
check_rc "associate an unknown EIP is refused" 1 "$rc" "$out"
out=$("$VPCLAB" eip associate web-eip no-such-inst --lab "$LAB" 2>&1); rc=$?
check_rc "associate with an unknown instance is refused" 1 "$rc" "$out"
check "the refused moves changed nothing: b still holds the EIP" "$EIP" "$(public_ip_of b)"
out=$("$VPCLAB" eip associate web-eip --lab "$LAB" 2>&1); rc=$?
check_rc "associate without an instance is a usage error" 2 "$rc" "$out"
