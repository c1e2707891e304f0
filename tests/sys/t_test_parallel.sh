#!/usr/bin/env bash
# Two `vpclab test` runs at the same time do not interfere: two copies of one lab (the same
# addresses, ports and checks, different lab names) and a third, different lab, all at once;
# every check passes in each. A third run under a name that is already running is refused
# (exit 3) without disturbing it. Also the throughput number: ~110 checks, most of them denied
# (each waits out the 1 s timeout), finish in a few seconds.
TID=testp
. "$(dirname "$0")/lib.sh"

A="${PFX}a" B="${PFX}b" C="${PFX}c"
LABS+=("$A" "$B" "$C")
cat >"$T/a.yaml" <<EOF
name: $A
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    internet_gateway: true
    subnets:
      - { name: public, cidr: 10.0.1.0/24, route_table: public, map_public_ip: true }
      - { name: app, cidr: 10.0.2.0/24, route_table: private, network_acl: app-acl }
      - { name: data, cidr: 10.0.3.0/24 }
    route_tables:
      - { name: public, routes: [ { destination: 0.0.0.0/0, target: igw } ] }
      - { name: private, routes: [ { destination: 0.0.0.0/0, target: nat } ] }
    network_acls:
      - name: app-acl
        inbound:
          - { rule: 100, action: deny, protocol: tcp, ports: 23, cidr: 0.0.0.0/0 }
          - { rule: 110, action: allow, protocol: all, cidr: 10.0.0.0/16 }
          - { rule: 120, action: allow, protocol: tcp, ports: 1024-65535, cidr: 0.0.0.0/0 }
        outbound:
          - { rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0 }
    security_groups:
      - name: web
        inbound:
          - { protocol: tcp, ports: 80, cidr: 0.0.0.0/0 }
          - { protocol: icmp, icmp_type: 8, cidr: 10.0.0.0/16 }
      - name: app
        inbound:
          - { protocol: tcp, ports: 8080, group: web }
          - { protocol: tcp, ports: 22, cidr: 10.0.1.0/24 }
          - { protocol: udp, ports: 53, cidr: 10.0.0.0/16 }
      - name: db
        inbound:
          - { protocol: tcp, ports: 5432, group: app }
        outbound: []
    nat_gateways: [ { name: nat, subnet: public, elastic_ip: nat-eip } ]
    instances:
      - { name: web1, subnet: public, security_groups: [web] }
      - { name: web3, subnet: public, security_groups: [web] }
      - { name: app1, subnet: app, security_groups: [app] }
      - { name: app2, subnet: app, security_groups: [app] }
      - { name: app3, subnet: app, security_groups: [app] }
      - { name: db1, subnet: data, security_groups: [db] }
      - { name: db2, subnet: data, security_groups: [db] }
elastic_ips:
  - { name: nat-eip, ip: 203.0.113.200 }
internet:
  hosts:
    - { name: ext1, ip: 198.51.100.10 }
EOF
# The checks: every pair of a few sources and targets on a few services, each expectation what
# the offline trace says (the real traffic must then agree with it, or the run reports an
# INTERNAL ERROR). The point here is many checks at once, in several labs at once.
{
	echo "checks:"
	for spec in "tcp 80" "tcp 8080" "tcp 22" "tcp 5432" "udp 53" "icmp -"; do
		set -- $spec
		for from in web1 app1 db1 ext1 app2; do
			for to in web3 app3 db2 ext1; do
				[ "$from" = "$to" ] && continue
				if [ "$1" = icmp ]; then args=(--icmp --return); port=""
				else args=("--$1" "$2"); port=", port: $2"; [ "$1" = tcp ] && args+=(--return); fi
				if "$VPCLAB" trace "$T/a.yaml" --from "$from" --to "$to" "${args[@]}" >/dev/null 2>&1
				then e=allow; else e=deny; fi
				echo "  - { from: $from, to: $to, protocol: $1$port, expect: $e }"
			done
		done
	done
} >"$T/checks.yaml"
N=$(grep -c 'from:' "$T/checks.yaml")
N_DENY=$(grep -c 'expect: deny' "$T/checks.yaml")
sed "s/^name: .*/name: $B/" "$T/a.yaml" >"$T/b.yaml"
sed "s/^name: .*/name: $C/" "$REPO/rules/bastion.yaml" >"$T/c.yaml"
N_C=$(sed -n '/^checks:/,$p' "$T/c.yaml" | grep -c 'from:')

start=$(date +%s%N)
timeout 120 "$VPCLAB" test "$T/a.yaml" "$T/checks.yaml" --junit "$T/a.xml" >"$T/a.out" 2>"$T/a.err" & pa=$!
timeout 120 "$VPCLAB" test "$T/b.yaml" "$T/checks.yaml" --junit "$T/b.xml" >"$T/b.out" 2>"$T/b.err" & pb=$!
timeout 120 "$VPCLAB" test "$T/c.yaml" >"$T/c.out" 2>"$T/c.err" & pc=$!
# while A runs: the same lab name again is refused, and A goes on undisturbed
for _ in $(seq 1 100); do [ -s "/run/vpclab/$A/pid" ] && break; sleep 0.05; done
timeout 60 "$VPCLAB" test "$T/a.yaml" "$T/checks.yaml" >"$T/a2.out" 2>"$T/a2.err"; rc2=$?
wait "$pa"; ra=$?
wait "$pb"; rb=$?
wait "$pc"; rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))

check_rc "same name while running: refused" 3 "$rc2" "$(cat "$T/a2.err")"
check_match "same name while running: says so" "lab $A is already running" "$(cat "$T/a2.err")"
for x in a b c; do
	want=$N; [ $x = c ] && want=$N_C
	r=$ra; [ $x = b ] && r=$rb; [ $x = c ] && r=$rc
	out=$(cat "$T/$x.out")
	check_rc "lab $x: exit 0" 0 "$r" "$(grep -v '^PASS' <<<"$out" | head -c 600 | tr '\n' '|') $(head -c 300 "$T/$x.err")"
	check "lab $x: every check passed" "$want passed, 0 failed" "$(tail -n 1 <<<"$out")"
	check_nomatch "lab $x: trace and traffic agree" "INTERNAL ERROR" "$out"
done
check "the two copies report the same lines" "$(grep -v '^[0-9]' "$T/a.out")" "$(grep -v '^[0-9]' "$T/b.out")"
check "JUnit of both parse" "$N $N" "$("$PY" -c '
import sys, xml.etree.ElementTree as E
print(*[len(E.parse(f).findall(".//testcase")) for f in sys.argv[1:]])' "$T/a.xml" "$T/b.xml" 2>&1)"
check "nothing of the three labs left" 0 "$(ip netns list | awk '{print $1}' | grep -c "^$PFX")"
diag "3 labs at once, $((2 * N + N_C)) checks ($N_DENY of each $N deny), ${ms} ms wall clock with ups and downs"
if [ "$ms" -lt 20000 ]; then ok "$((2 * N + N_C)) checks in 3 labs in under 20 s"
else not_ok "$((2 * N + N_C)) checks in 3 labs took ${ms} ms (more than 20 s)"; fi
