#!/usr/bin/env bash
# `vpclab apply` adding and removing the VPC's own objects (case 8), under a held session x -> y
# that none of them concerns:
#   - a subnet added with an instance in it (reachable), removed with it (namespace gone, the
#     session to it ends);
#   - a VPC added with two instances (they reach each other), removed (namespaces gone);
#   - a route table added to subnet a (192.0.2.0/24 -> blackhole: the drop counter says so),
#     removed (back to the main table: no_route);
#   - a network ACL added to subnet b (denies tcp 7100: a new connection is blocked), removed
#     (allowed again);
#   - a security group added to y (tcp 7200-7201 allowed), removed (new connections refused, the held
#     tracked one lives: AWS).
TID=aobnt; . "$(dirname "$0")/lib.sh"; . "$SYS_DIR/apply_lib.sh"

# lab WORD...: subc (subnet c with z), vpc2 (VPC other with w1, w2), rt (route table rt on a),
# acl (network ACL guard on b), grp (group extra on y)
lab() {
	local w=" $* " ra="" nb="" g=""
	[[ $w == *" rt "* ]] && ra=", route_table: rt"
	[[ $w == *" acl "* ]] && nb=", network_acl: guard"
	[[ $w == *" grp "* ]] && g=", extra"
	cat <<YEOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.40.0.0/16
    subnets:
      - { name: a, cidr: 10.40.1.0/24$ra }
      - { name: b, cidr: 10.40.2.0/24$nb }
YEOF
	[[ $w == *" subc "* ]] && echo "      - { name: c, cidr: 10.40.3.0/24 }"
	[[ $w == *" rt "* ]] && cat <<YEOF
    route_tables:
      - name: rt
        routes: [ { destination: 192.0.2.0/24, target: blackhole } ]
YEOF
	[[ $w == *" acl "* ]] && cat <<YEOF
    network_acls:
      - name: guard
        inbound:
          - { rule: 100, action: deny, protocol: tcp, ports: 7100, cidr: 0.0.0.0/0 }
          - { rule: 200, action: allow, protocol: all, cidr: 0.0.0.0/0 }
        outbound:
          - { rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0 }
YEOF
	cat <<YEOF
    security_groups:
      - name: base
        inbound:
          - { protocol: tcp, ports: 7000-7100, cidr: 10.40.0.0/16 }
          - { protocol: icmp, cidr: 10.40.0.0/16 }
YEOF
	[[ $w == *" grp "* ]] && cat <<YEOF
      - name: extra
        inbound: [ { protocol: tcp, ports: 7200-7201, cidr: 10.40.1.0/24 } ]
YEOF
	cat <<YEOF
    instances:
      - { name: x, subnet: a, ip: 10.40.1.10, security_groups: [base] }
      - { name: y, subnet: b, ip: 10.40.2.10, security_groups: [base$g] }
YEOF
	[[ $w == *" subc "* ]] && echo "      - { name: z, subnet: c, ip: 10.40.3.10, security_groups: [base] }"
	[[ $w == *" vpc2 "* ]] && cat <<YEOF
  - name: other
    cidr: 10.50.0.0/16
    subnets:
      - { name: o, cidr: 10.50.1.0/24 }
    instances:
      - { name: w1, subnet: o, ip: 10.50.1.11 }
      - { name: w2, subnet: o, ip: 10.50.1.12 }
YEOF
	return 0
}

lab >"$T/lab.yaml"
lab_up "$T/lab.yaml"
on_bg y "$PY" -u "$T/sess.py" server 7000 >/dev/null
on_bg y "$PY" -u "$T/sess.py" server 7200 >/dev/null
_wait_listen "$LAB-y" tcp 7000
_wait_listen "$LAB-y" tcp 7200
sess_start k x 10.40.2.10 7000          # concerned by none of the changes

# ------------------------------------------------ a subnet with an instance: added, removed
lab subc >"$T/lab.yaml"
apply_ok "a subnet with an instance added" "$T/lab.yaml"
check_match "the plan adds subnet c" '^\+ subnet c' "$AOUT"
check_match "and instance z" '^\+ instance z \(subnet c, 10\.40\.3\.10\)$' "$AOUT"
check "z's namespace has its address" "10.40.3.10" "$(ip_of z)"
ping_ok x 10.40.3.10
on_bg z "$PY" -u "$T/sess.py" server 7000 >/dev/null
_wait_listen "$LAB-z" tcp 7000
sess_start kz x 10.40.3.10 7000
lab >"$T/lab.yaml"
apply_ok "the subnet removed with its instance" "$T/lab.yaml"
check_match "the plan removes subnet c" '^- subnet c' "$AOUT"
check_match "and instance z, with its flows (the session and the ping's)" '^- instance z .*\[ends 2 flows\]$' "$AOUT"
if has_netns "$LAB-z"; then not_ok "z's namespace is gone"; else ok "z's namespace is gone"; fi
check "status no longer lists z" "" "$(port_line z)"
sess_dead kz "the session to z ends"
sess_alive k "the session x -> y across the subnet's removal"

# ------------------------------------------------ a VPC: added, removed
lab vpc2 >"$T/lab.yaml"
apply_ok "a VPC with two instances added" "$T/lab.yaml"
check_match "the plan adds vpc other" '^\+ vpc other' "$AOUT"
check "w1's namespace has its address" "10.50.1.11" "$(ip_of w1)"
ping_ok w1 10.50.1.12
check_match "status lists w2 in VPC other" '^w2 instance other o 10\.50\.1\.12 ' "$(port_line w2)"
lab >"$T/lab.yaml"
apply_ok "the VPC removed" "$T/lab.yaml"
check_match "the plan removes vpc other" '^- vpc other' "$AOUT"
check "no namespace of w1 or w2 is left" "" "$(netns_view | grep -E -- '-w[12]$')"
check "status lists neither" "" "$(ports_view | grep -E '^w[12] ')"
sess_alive k "the session x -> y across the VPC's removal"

# ------------------------------------------------ a route table: added, removed
bh0=$(drops blackhole); nr0=$(drops no_route)
ping_blocked x 192.0.2.1
check_grew "without a table of its own, a's traffic to 192.0.2.1 has no route" "$nr0" "$(drops no_route)"
lab rt >"$T/lab.yaml"
apply_ok "a route table added (on subnet a)" "$T/lab.yaml"
check_match "the plan adds route table rt" '^\+ route_table rt' "$AOUT"
check_match "and its route" '^\+ route rt 192\.0\.2\.0/24 -> blackhole$' "$AOUT"
check_match "and changes subnet a's table" '^~ subnet a: route_table' "$AOUT"
bh0=$(drops blackhole); nr0=$(drops no_route)
ping_blocked x 192.0.2.1
check_grew "the new table's blackhole route drops it" "$bh0" "$(drops blackhole)"
check_same "and no_route no longer counts it" "$nr0" "$(drops no_route)"
lab >"$T/lab.yaml"
apply_ok "the route table removed" "$T/lab.yaml"
check_match "the plan removes route table rt" '^- route_table rt' "$AOUT"
bh0=$(drops blackhole); nr0=$(drops no_route)
ping_blocked x 192.0.2.1
check_grew "back to the main table: no route" "$nr0" "$(drops no_route)"
check_same "and no blackhole" "$bh0" "$(drops blackhole)"
sess_alive k "the session x -> y across the route table's addition and removal"

# ------------------------------------------------ a network ACL: added, removed
tcp_ok x y 7100
lab acl >"$T/lab.yaml"
apply_ok "a network ACL added (on subnet b)" "$T/lab.yaml"
check_match "the plan adds network ACL guard" '^\+ network_acl guard' "$AOUT"
check_match "with its deny rule" '^\+ acl rule guard .*100.*deny.*7100' "$AOUT"
n0=$(drops nacl_in)
tcp_blocked x y 7100
check_grew "the ACL drops it (nacl_in)" "$n0" "$(drops nacl_in)"
tcp_ok x y 7099
lab >"$T/lab.yaml"
apply_ok "the network ACL removed" "$T/lab.yaml"
check_match "the plan removes network ACL guard" '^- network_acl guard' "$AOUT"
tcp_ok x y 7100
sess_alive k "the session x -> y across the ACL's addition and removal"

# ------------------------------------------------ a security group: added, removed
tcp_blocked x y 7201
lab grp >"$T/lab.yaml"
apply_ok "a security group added (to y)" "$T/lab.yaml"
check_match "the plan adds sg extra" '^\+ sg extra' "$AOUT"
check_match "and changes y's groups" '^~ instance y: security_groups \[base\] -> \[base, extra\]$' "$AOUT"
check_match "status shows y's groups" ' base,extra$' "$(port_line y)"
tcp_ok x y 7201
sess_start kg x 10.40.2.10 7200
lab >"$T/lab.yaml"
apply_ok "the security group removed" "$T/lab.yaml"
check_match "the plan removes sg extra" '^- sg extra' "$AOUT"
check_match "the apply ends no flow (the held one is tracked)" '; 0 flows ended' "$AOUT"
tcp_blocked x y 7201
sess_alive kg "the tracked session admitted by the removed group lives (AWS)"
sess_alive k "the session x -> y to the end"
