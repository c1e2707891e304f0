#!/usr/bin/env bash
# `vpclab apply` adding and removing the ways out of a VPC, under held sessions (real packets):
#   5. a NAT gateway added (with the private subnet's 0.0.0.0/0 route) lets a private instance
#      reach an internet host; removed, the held flow through it ends, its translations with it;
#   6. an elastic IP associated by apply makes an instance reachable from an internet host;
#      removed, the held flows through the internet gateway end (both directions);
#   7. an internet gateway removed ends those flows too, added back it carries new ones; an
#      internet host added answers, removed its namespace goes;
#   3. (public addresses) an instance with an auto-assigned public IP keeps it, and its flows,
#      when another one with a public IP is added before it in the file (AWS: a public IP changes
#      only when its instance stops or gets an elastic IP).
# A session that never leaves the VPC (app -> web) lives through all of it.
TID=aobgw; . "$(dirname "$0")/lib.sh"; . "$SYS_DIR/apply_lib.sh"

# lab WORD...: nat (NAT gateway nat, its elastic IP and priv's default route), eip (web-eip on
# web), noigw (no internet gateway, no default route in pub), host2 (internet host inet2), early
# (instance early with a public IP, before pubw)
lab() {
	local w=" $* "
	cat <<YEOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.30.0.0/16
YEOF
	[[ $w == *" noigw "* ]] || echo "    internet_gateway: true"
	cat <<YEOF
    subnets:
      - { name: pub, cidr: 10.30.0.0/24, route_table: pub }
      - { name: priv, cidr: 10.30.1.0/24, route_table: priv }
    route_tables:
      - name: pub
YEOF
	[[ $w == *" noigw "* ]] || echo "        routes: [ { destination: 0.0.0.0/0, target: igw } ]"
	echo "      - name: priv"
	[[ $w == *" nat "* ]] && echo "        routes: [ { destination: 0.0.0.0/0, target: nat } ]"
	cat <<YEOF
    security_groups:
      - name: web
        inbound:
          - { protocol: tcp, ports: 7000-7010, cidr: 0.0.0.0/0 }
          - { protocol: icmp, cidr: 0.0.0.0/0 }
YEOF
	[[ $w == *" nat "* ]] && echo "    nat_gateways: [ { name: nat, subnet: pub, ip: 10.30.0.5, elastic_ip: nat-eip } ]"
	cat <<YEOF
    instances:
YEOF
	[[ $w == *" early "* ]] && echo "      - { name: early, subnet: pub, ip: 10.30.0.30, public_ip: true }"
	cat <<YEOF
      - { name: pubw, subnet: pub, ip: 10.30.0.20, security_groups: [web], public_ip: true }
      - { name: web, subnet: pub, ip: 10.30.0.10, security_groups: [web] }
      - { name: app, subnet: priv, ip: 10.30.1.10 }
YEOF
	if [[ $w == *" nat "* || $w == *" eip "* ]]; then
		echo "elastic_ips:"
		[[ $w == *" nat "* ]] && echo "  - { name: nat-eip, ip: 203.0.113.80 }"
		[[ $w == *" eip "* ]] && echo "  - { name: web-eip, ip: 203.0.113.81, instance: web }"
	fi
	cat <<YEOF
internet:
  hosts:
    - { name: inet, ip: 198.51.100.20 }
YEOF
	[[ $w == *" host2 "* ]] && echo "    - { name: inet2, ip: 198.51.100.21 }"
	return 0
}
nat_text() { timeout 10 "$VPCLAB" nat --lab "$LAB" 2>&1; }
has_translation() { nat_text | grep -q '10\.30\.1\.10'; }
public_ip() { status_get "$LAB" port.web.public_ip; }

lab >"$T/lab.yaml"
lab_up "$T/lab.yaml"
on_bg web "$PY" -u "$T/sess.py" server 7000 >/dev/null
on_bg inet "$PY" -u "$T/sess.py" server 7000 >/dev/null
_wait_listen "$LAB-web" tcp 7000
_wait_listen "$LAB-inet" tcp 7000
sess_start a1 app 10.30.0.10 7000            # inside the VPC: lives through everything
ping_blocked app 198.51.100.20               # no way out yet

# ------------------------------------------------ 5. a NAT gateway added, then removed
lab nat >"$T/lab.yaml"
apply_ok "a NAT gateway and its route added" "$T/lab.yaml"
check_match "the plan adds the NAT gateway" '^\+ nat_gateway nat ' "$AOUT"
check_match "the plan adds priv's default route" '^\+ route priv 0\.0\.0\.0/0 -> nat$' "$AOUT"
ping_ok app 198.51.100.20
tcp_ok app 198.51.100.20 7001
sess_start n1 app 198.51.100.20 7000
if wait_for "a translation in vpclab nat" 3 has_translation; then ok "vpclab nat shows app's translation"
else not_ok "vpclab nat shows app's translation (got: $(nat_text | head -c 400 | tr '\n' '|'))"; fi
check_match "inet sees the session come from the NAT gateway's elastic IP" '^203\.0\.113\.80:[0-9]+$' \
	"$(on inet ss -tnH state established '( sport = :7000 )' | awk '{print $4}')"
sess_alive a1 "the session inside the VPC across the NAT gateway's addition"

lab >"$T/lab.yaml"
apply_ok "the NAT gateway and its route removed" "$T/lab.yaml"
check_match "the plan removes the NAT gateway, ending the held flow" '^- nat_gateway nat .*\[ends [1-9][0-9]* NAT translations?\]$' "$AOUT"
check_match "the apply says translations ended" '[1-9][0-9]* NAT translations?$' "$AOUT"
sess_dead n1 "the flow held through the NAT gateway ends"
if has_translation; then not_ok "vpclab nat shows no translation of app (got: $(nat_text | head -c 400 | tr '\n' '|'))"
else ok "vpclab nat shows no translation of app"; fi
ping_blocked app 198.51.100.20
sess_alive a1 "the session inside the VPC across the NAT gateway's removal"

# ------------------------------------------------ 6. an elastic IP associated, then removed
tcp_blocked inet web@203.0.113.81 7001
lab eip >"$T/lab.yaml"
apply_ok "an elastic IP associated with web" "$T/lab.yaml"
check_match "the plan adds it" '^\+ elastic_ip web-eip ' "$AOUT"
check "status shows web's public IP" "203.0.113.81" "$(public_ip)"
tcp_ok inet web@203.0.113.81 7001
ping_ok inet 203.0.113.81
sess_start e1 inet 203.0.113.81 7000
sess_start e2 web 198.51.100.20 7000
lab >"$T/lab.yaml"
apply_ok "the elastic IP removed" "$T/lab.yaml"
check_match "the plan removes it, ending the held flows (counted once, on the instance)" '^~ instance web: public_ip [0-9.]+ -> none  \[ends [1-9][0-9]* flows?\]$' "$AOUT"
check_match "the elastic IP's own line does not count them again" '^- elastic_ip web-eip \([^]]*\)$' "$AOUT"
check_match "the apply says flows ended" '; [1-9][0-9]* flows? ended' "$AOUT"
sess_dead e1 "inet -> web's elastic IP ends"
sess_dead e2 "web -> inet (out by the elastic IP) ends"
check "status shows no public IP for web" "null" "$(public_ip)"
tcp_blocked inet web@203.0.113.81 7002
sess_alive a1 "the session inside the VPC across the elastic IP's removal"

# ------------------------------------------------ 7. the internet gateway removed and added back
lab eip >"$T/lab.yaml"
apply_ok "the elastic IP associated again" "$T/lab.yaml"
sess_start i1 inet 203.0.113.81 7000
sess_start i2 web 198.51.100.20 7000
lab eip noigw >"$T/lab.yaml"
apply_ok "the internet gateway (and the route to it) removed" "$T/lab.yaml"
check_match "the plan removes the internet gateway" '^- internet_gateway main' "$AOUT"
check_match "and pub's default route" '^- route pub 0\.0\.0\.0/0 -> igw' "$AOUT"
check_match "the apply says flows ended" '; [1-9][0-9]* flows? ended' "$AOUT"
sess_dead i1 "inet -> web's elastic IP ends with the internet gateway"
sess_dead i2 "web -> inet ends with the internet gateway"
tcp_blocked inet web@203.0.113.81 7003
sess_alive a1 "the session inside the VPC across the internet gateway's removal"
lab eip >"$T/lab.yaml"
apply_ok "the internet gateway added back" "$T/lab.yaml"
check_match "the plan adds it" '^\+ internet_gateway main' "$AOUT"
tcp_ok inet web@203.0.113.81 7003
tcp_ok web 198.51.100.20 7004

# ------------------------------------------------ 7. an internet host added, then removed
lab eip host2 >"$T/lab.yaml"
apply_ok "an internet host added" "$T/lab.yaml"
check_match "the plan adds host inet2" '^\+ host inet2' "$AOUT"
if has_netns "$LAB-inet2"; then ok "inet2's namespace exists"; else not_ok "inet2's namespace exists"; fi
check "inet2's address" "198.51.100.21" "$(ip_of inet2)"
ping_ok web 198.51.100.21
tcp_ok web 198.51.100.21 7005
tcp_ok inet2 web@203.0.113.81 7006
on_bg inet2 "$PY" -u "$T/sess.py" server 7000 >/dev/null
_wait_listen "$LAB-inet2" tcp 7000
sess_start h1 web 198.51.100.21 7000
sess_start h2 web 198.51.100.20 7000
lab eip >"$T/lab.yaml"
apply_json "$T/lab.yaml"
check_rc "apply --json: the internet host removed" 0 "$ARC" "$(printf '%s' "$AJSON" | head -c 400)"
check "--json: applied, not a dry run" "True False" "$(json_q 'd["applied"], d["dry_run"]' | tr -d '(),')"
check "--json: the one change removes host inet2" "1 host" \
	"$(json_q 'len(d["changes"]), C("remove", "host", "inet2")["kind"]' | tr -d "(),'")"
check "--json: ended is the sum of the changes' ends" "True" \
	"$(json_q 'd["ended"] == sum(c["ends"] for c in d["changes"])')"
check_match "--json: router_ms and generation" '^[0-9.]+ [0-9]+$' "$(json_q 'd["router_ms"], d["generation"]' | tr -d '(),')"
if has_netns "$LAB-inet2"; then not_ok "inet2's namespace is gone"; else ok "inet2's namespace is gone"; fi
check "status no longer lists inet2" "" "$(port_line inet2)"
sess_dead h1 "the session to the removed host ends"
sess_alive h2 "the session to the other host lives"
sess_alive a1 "the session inside the VPC lives to the end"
ping_blocked web 198.51.100.21

# ------------------------------------------------ 3. public addresses are not renumbered either
PUBW=$(status_get "$LAB" port.pubw.public_ip)
check_match "pubw has an auto-assigned public IP" '^203\.0\.113\.[0-9]+$' "$PUBW"
on_bg pubw "$PY" -u "$T/sess.py" server 7000 >/dev/null
_wait_listen "$LAB-pubw" tcp 7000
sess_start p1 inet "$PUBW" 7000
lab eip early >"$T/lab.yaml"
apply_ok "an instance with a public IP added before pubw" "$T/lab.yaml"
check "the plan only adds early" "+ instance early (subnet pub, 10.30.0.30)" "$(printf '%s\n' "$AOUT" | grep -v '^applied in ')"
check "pubw keeps its public IP" "$PUBW" "$(status_get "$LAB" port.pubw.public_ip)"
sess_alive p1 "the session to pubw's public IP lives"
check_match "early got another public IP" '^203\.0\.113\.[0-9]+$' "$(status_get "$LAB" port.early.public_ip | grep -v "^$PUBW\$")"
