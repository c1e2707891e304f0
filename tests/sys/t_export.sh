#!/usr/bin/env bash
# vpclab export round trip: rules/demo.yaml comes up, an apply adds an instance before a running
# one that has an auto-assigned public IP (the running one keeps it, a fresh `up` of the file
# would hand it to the new one) and changes a security group and a network ACL; the export
# checks, and brought up under another name gives every interface the same private and public
# address (status --json) and the same live traces, and real packets go where they went.
TID=expo; . "$(dirname "$0")/lib.sh"
LAB2="${PFX}expb"

sed "s/^name: demo\$/name: $LAB/" "$REPO/rules/demo.yaml" >"$T/a.yaml"
# b: `new` (public_ip, a web server) before admin; db admits ssh from admin (its group and the
# private subnet's network ACL)
"$PY" - "$T/a.yaml" "$T/b.yaml" <<'PY'
import sys
s = open(sys.argv[1]).read()
admin = "      - { name: admin,"
acl = "          - { rule: 100, action: allow, protocol: tcp, ports: 5432, cidr: 10.0.1.0/24 }"
assert admin in s and "ports: 5432, group: web }" in s and acl in s
s = s.replace(acl, acl + "\n          - { rule: 105, action: allow, protocol: tcp, ports: 22, cidr: 10.0.1.0/24 }", 1)
s = s.replace(admin, '      - { name: new, subnet: public, security_groups: [web], public_ip: true, '
              'run: "python3 -m http.server 80" }\n' + admin, 1)
s = s.replace("ports: 5432, group: web }", "ports: 5432, group: web }\n"
              "          - { protocol: tcp, ports: 22, group: admin }", 1)
open(sys.argv[2], "w").write(s)
PY

lab_up "$T/a.yaml"
pub_admin=$(status_get "$LAB" port.admin.public_ip)
out=$("$VPCLAB" apply "$T/b.yaml" 2>&1); rc=$?
check_rc "apply: new instance and an sg rule" 0 "$rc" "$out"
check "admin keeps its public IP" "$pub_admin" "$(status_get "$LAB" port.admin.public_ip)"

# the fresh check of b.yaml alone gives new admin's address: the export must not
"$VPCLAB" export "$LAB" >"$T/e.yaml" 2>"$T/e.err"; rc=$?
check_rc "vpclab export $LAB" 0 "$rc" "$(cat "$T/e.err")"
"$VPCLAB" export --lab "$LAB" -o "$T/e2.yaml"; rc=$?
check_rc "vpclab export --lab -o" 0 "$rc"
check "-o writes what stdout gets" "$(cat "$T/e.yaml")" "$(cat "$T/e2.yaml")"
out=$("$VPCLAB" check "$T/e.yaml" 2>&1); rc=$?
check_rc "the export checks" 0 "$rc" "$out"
check_match "new's public IP is written as an elastic IP holding it" \
	"name: public-1, ip: [0-9.]+, instance: new" "$(cat "$T/e.yaml")"
check_nomatch "no instance of another name" "instance: (admin|web|db)\\}" "$(grep public- "$T/e.yaml")"

# addresses: name kind ip public_ip of every port
addrs() {
	timeout 10 "$VPCLAB" status "$1" --json | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
for p in sorted(d["ports"], key=lambda p: p["name"]):
    print(p["name"], p["kind"], p["ip"], p.get("public_ip"))'
}
# live traces (request and reply) of a few pairs, the lab name taken out
results() {
	local lab=$1 pair
	for pair in "web db --tcp 5432" "admin db --tcp 22" "web db --tcp 22" "ext web-eip --tcp 80" \
		    "ext db --tcp 5432" "db ext --tcp 80" "new ext --tcp 443" "admin ext --tcp 80"; do
		set -- $pair
		echo "== $pair"
		timeout 20 "$VPCLAB" trace --live --lab "$lab" --return --from "$1" --to "$2" "$3" "$4" 2>&1 |
			sed "s/$lab/LAB/g"
		echo "exit ${PIPESTATUS[0]}"
	done
}
before_addrs=$(addrs "$LAB")
before=$(results "$LAB")
[ -n "${EXPORT_SHOW:-}" ] && echo "$before" | sed 's/^/# /'
check_match "the traces ran" "== admin db --tcp 22.*trace admin -> db" "$(echo "$before" | tr '\n' ' ')"
lab_down "$LAB" >/dev/null; rc=$?
check_rc "vpclab down $LAB" 0 "$rc"

sed "s/^name: $LAB\$/name: $LAB2/" "$T/e.yaml" >"$T/f.yaml"
LAB=$LAB2
lab_up "$T/f.yaml"
check "the same addresses, private and public" "$before_addrs" "$(addrs "$LAB2")"
after=$(results "$LAB2")
check "the same traces" "$before" "$after"
[ "$before" = "$after" ] || diff <(echo "$before") <(echo "$after") | head -30 | sed 's/^/# /'

# real packets in the exported lab: new serves http at its public IP, db admits admin on 22
pub_new=$(status_get "$LAB2" port.new.public_ip)
wait_for "new's web server" 10 listening "$LAB2-new" tcp 80
out=$(on ext curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://$pub_new/"); 
check "ext reaches new's web server at $pub_new" "200" "$out"
tcp_ok admin db 22
tcp_blocked web db 22
