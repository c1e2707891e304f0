#!/usr/bin/env bash
# rules/bastion.yaml, brought up under this test's own lab name, and every one of its `checks:`
# probed with real TCP (a listener of the test's stands in for sshd on port 22, so the file's own
# `run: "nc -lk 22"` servers are left out of the copy; seen_as compares the source address the
# far end observed). Then the counters that explain the denials: the stranger is
# stopped by the network ACL before any security group (nacl_in), app1 -> app2 by app's SG
# (sg_ingress), the bastion's own egress rules (sg_egress), the NAT gateway (nat_no_mapping).
TID=ebast; . "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/edge_lib.sh"

SRC="$REPO/rules/bastion.yaml"
out=$("$VPCLAB" check "$SRC" 2>&1); rc=$?
check_rc "vpclab check rules/bastion.yaml" 0 "$rc" "$out"
check_nomatch "rules/bastion.yaml has no warnings" 'warning' "$out"
sed "s/^name:.*/name: $LAB/; s/, run: \"[^\"]*\"//" "$SRC" >"$T/bastion.yaml"
check "the copy is named $LAB" "$LAB" "$(lab_name "$T/bastion.yaml")"
check "the copy runs no server of its own" 0 "$(grep -c 'run: "' "$T/bastion.yaml")"
n=$(sed -n '/^checks:/,$p' "$T/bastion.yaml" | grep -c 'from:')
if [ "$n" -ge 8 ]; then ok "bastion.yaml has checks ($n)"; else not_ok "bastion.yaml has checks (expected >= 8, got $n)"; fi
lab_up "$T/bastion.yaml"

diag "the file's checks"
run_checks "$T/bastion.yaml"

diag "which layer said no"
b=$(drops nacl_in); s=$(drops sg_ingress)
tcp_blocked stranger bastion@203.0.113.30 22
check_grew "stranger -> bastion:22 stopped by the public ACL (nacl_in)" "$b" "$(drops nacl_in)"
check_same "... before the security group was asked (sg_ingress)" "$s" "$(drops sg_ingress)"
b=$(drops sg_ingress)
tcp_blocked app1 app2 22
check_grew "app1 -> app2:22 stopped by app's SG (sg_ingress; same subnet, no ACL)" "$b" "$(drops sg_ingress)"
b=$(drops sg_egress)
tcp_blocked bastion admin 8080
check_grew "bastion -> admin:8080 stopped by bastion's SG egress (sg_egress)" "$b" "$(drops sg_egress)"
b=$(drops nat_no_mapping)
tcp_blocked admin app1@203.0.113.31 22
check_grew "admin -> nat-eip:22 stopped at the NAT gateway (nat_no_mapping)" "$b" "$(drops nat_no_mapping)"
b=$(drops nacl_out)
tcp_blocked app1 admin 22
check_grew "app1 -> admin:22 stopped by the private ACL outbound (nacl_out)" "$b" "$(drops nacl_out)"

diag "the jump as ssh would use it: admin -> bastion, then bastion -> app1 (two hops, one session each)"
tcp_ok admin bastion@203.0.113.30 22
tcp_ok bastion app1 22
check_seen "the bastion's elastic IP" tcp bastion admin 198.51.100.10 203.0.113.30 80
check_seen "app2 leaves through the NAT gateway" tcp app2 admin 198.51.100.10 203.0.113.31 80

diag "the ICMP 3/4 rules make path MTU discovery work (admin invites 8960-byte segments)"
ip -n "$LAB-admin" route change default dev eth0 advmss 8960
for who in bastion app1; do
	edge_bg "$T/sink.$who" admin sink 443 15
	_wait_listen "$LAB-admin" tcp 443
	up=$(edge "$who" upload 198.51.100.10 443 5000000 10)
	check_match "$who uploads 5 MB to admin:443 through the 1500-byte internet gateway" '^sent 5000000 ' "$up"
	check_match "$who learned PMTU 1500" "mtu 1500" "$(on "$who" ip route get 198.51.100.10)"
	for i in $(seq 1 50); do [ -s "$T/sink.$who" ] && break; sleep 0.1; done
done
