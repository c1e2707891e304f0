#!/usr/bin/env bash
# `vpclab export --file` without root, on every example lab and on one lab with every feature
# the loader knows: the export checks, exporting it again gives the same text, and the offline
# trace of every check's flow (request and reply) is the same on the file and on its export.
# Also its usage errors and exit codes. Usage: bash tests/offline/export.sh
set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd)
VPCLAB=${VPCLAB:-$REPO/bin/vpclab}
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
T=$(mktemp -d "${TMPDIR:-/tmp}/vpclab-export-offline.XXXXXX")
trap 'rm -rf "$T"' EXIT
PASS=0 FAIL=0
ok()     { PASS=$((PASS + 1)); echo "ok - $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
if [ ! -x "$VPCLAB" ]; then echo "not ok - $VPCLAB exists (run make)"; echo "export-offline: 0 passed, 1 failed"; exit 1; fi

# Every feature: two VPCs, NACLs, SG rules of every shape, NAT gateway, instances with run,
# elastic IPs (named and pooled), hosts, NLB and ALB with rules of every condition and action,
# DNS attributes, zones, failover records and health checks, launch templates and groups.
cat >"$T/all.yaml" <<'LAB'
name: every
region: eu-west-1
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    internet_gateway: true
    dns: { support: true, hostnames: true }
    subnets:
      - { name: public-a, cidr: 10.0.1.0/24, az: a, route_table: public, map_public_ip: true }
      - { name: public-b, cidr: 10.0.3.0/24, az: b, route_table: public }
      - { name: private-a, cidr: 10.0.2.0/24, az: a, route_table: private, network_acl: web-acl }
      - { name: private-b, cidr: 10.0.4.0/24, az: b, route_table: private }
    route_tables:
      - name: public
        routes: [ { destination: 0.0.0.0/0, target: igw } ]
      - name: private
        main: true
        routes:
          - { destination: 0.0.0.0/0, target: nat-a }
          - { destination: 192.0.2.0/24, target: blackhole }
          - { destination: 172.16.0.0/12, target: box }
    network_acls:
      - name: web-acl
        inbound:
          - { rule: 100, action: allow, protocol: tcp, ports: 80, cidr: 0.0.0.0/0 }
          - { rule: 110, action: allow, protocol: tcp, ports: 1024-65535, cidr: 0.0.0.0/0 }
          - { rule: 120, action: deny, protocol: icmp, icmp_type: 8, icmp_code: 0, cidr: 10.0.9.0/24 }
          - { rule: 130, action: allow, protocol: all, cidr: 10.0.0.0/16 }
        outbound:
          - { rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0 }
    security_groups:
      - name: web
        description: "web servers: port 80, and ssh from the bastion"
        inbound:
          - { protocol: tcp, ports: 80, cidr: 0.0.0.0/0 }
          - { protocol: tcp, ports: 22, group: bastion }
          - { protocol: icmp, icmp_type: 8, cidr: 10.0.0.0/16 }
          - { protocol: 47, cidr: 10.0.0.0/16 }
      - name: bastion
        inbound: [ { protocol: tcp, ports: 22, cidr: 198.51.100.0/24 } ]
      - name: db
        inbound: [ { protocol: tcp, ports: 5432, group: web } ]
        outbound: [ { protocol: udp, ports: 53, cidr: 0.0.0.0/0 } ]
      - name: sealed
        outbound: []
      - name: lb-sg
        inbound: [ { protocol: tcp, ports: 80, cidr: 0.0.0.0/0 } ]
    nat_gateways:
      - { name: nat-a, subnet: public-a, elastic_ip: nat-eip }
    instances:
      - { name: web, subnet: public-a, security_groups: [web], run: "python3 -m http.server 80" }
      - { name: web2, subnet: public-b, security_groups: [web], public_ip: true }
      - { name: jump, subnet: public-a, security_groups: [bastion], public_ip: false }
      - { name: db, subnet: private-a, ip: 10.0.2.10, security_groups: [db, sealed] }
      - { name: box, subnet: private-b, source_dest_check: false }
    target_groups:
      - name: web-tg
        protocol: tcp
        port: 80
        targets: [web, { instance: web2, port: 8080 }]
        health_check: { protocol: http, port: 80, path: /health, interval: 10, timeout: 5, healthy: 3, unhealthy: 2, matcher: 200-399 }
        deregistration_delay: 30
        preserve_client_ip: false
      - name: app-tg
        protocol: http
        port: 80
        targets: [web2]
        stickiness: { type: lb_cookie, duration: 3600 }
      - name: asg-tg
        protocol: http
        port: 80
    load_balancers:
      - name: nlb
        type: network
        scheme: internet-facing
        subnets: [public-a, { subnet: public-b, ip: 10.0.3.200 }]
        elastic_ips: { public-a: nlb-eip }
        cross_zone: true
        listeners: [ { protocol: tcp, port: 80, forward: web-tg, idle_timeout: 350 } ]
      - name: alb
        type: application
        scheme: internet-facing
        subnets: [public-a, public-b]
        security_groups: [lb-sg]
        listeners:
          - protocol: http
            port: 80
            default: app-tg
            rules:
              - { priority: 10, host: [api.example.com, "*.api.example.com"], forward: app-tg }
              - { priority: 20, path: "/images/*", method: GET, source_ip: 198.51.100.0/24, forward: asg-tg }
              - { priority: 30, header: { name: X-Env, value: [staging, "a b"] }, query: { key: v, value: "2" }, forward: app-tg }
              - { priority: 40, path: /old, fixed_response: { status: 404, body: "gone: for good", content_type: text/plain } }
              - { priority: 50, path: /new, redirect: { status: HTTP_301, protocol: HTTPS, host: "#{host}", port: "443", path: "/#{path}", query: "#{query}" } }
              - { priority: 60, query: [ { value: x }, { key: k, value: "y" } ], forward: app-tg }
    launch_templates:
      - { name: web-lt, security_groups: [web], run: "python3 -m http.server 80", public_ip: false, source_dest_check: true }
    auto_scaling_groups:
      - name: web-asg
        launch_template: web-lt
        subnets: [private-a, private-b]
        min: 1
        desired: 2
        max: 4
        target_groups: [asg-tg]
        health_check: { type: elb, grace_period: 30 }
        metric_period: 10
        cooldown: 60
        policies:
          - { name: rps, type: target_tracking, metric: alb_request_count_per_target, target: 100 }
          - { name: cpu, type: target_tracking, metric: cpu, target: "50.5" }
  - name: other
    cidr: 172.16.0.0/16
    subnets: [ { name: o-a, cidr: 172.16.1.0/24 } ]
    instances: [ { name: peer, subnet: o-a } ]
elastic_ips:
  - { name: nat-eip, ip: 203.0.113.20 }
  - { name: web-eip, instance: web }
  - { name: nlb-eip }
  - { name: spare }
internet:
  public_pool: 203.0.113.0/24
  hosts:
    - { name: ext, ip: 198.51.100.10 }
    - { name: far, ip: 192.0.2.77 }
hosted_zones:
  - name: corp.internal
    vpcs: [main, other]
    records:
      - { name: db, type: A, values: [10.0.2.10], ttl: 60 }
      - { name: www, type: A, alias: alb }
      - { name: api, type: CNAME, values: [www.corp.internal] }
      - { name: app, type: A, failover: primary, values: [10.0.1.30], health_check: app-hc }
      - { name: app, type: A, failover: secondary, values: [10.0.1.31] }
      - { name: "@", type: TXT, values: ["lab", "v=1; x=\"y\""] }
health_checks:
  - { name: app-hc, ip: 10.0.1.30, port: 80, protocol: http, path: /, interval: 10, failure_threshold: 3 }
checks:
  - { from: ext, to: web-eip, protocol: tcp, port: 80, expect: allow }
  - { from: ext, to: db, protocol: tcp, port: 5432, expect: deny }
  - { from: web, to: db, protocol: tcp, port: 5432, expect: allow }
  - { from: db, to: ext, protocol: udp, port: 53, expect: allow, seen_as: nat-eip }
  - { from: jump, to: web, protocol: tcp, port: 22, expect: allow }
  - { from: web2, to: far, protocol: icmp, expect: allow }
LAB

run() { "$VPCLAB" "$@" >"$T/out" 2>"$T/err" </dev/null; RC=$?; }

# the flows of a file's checks, traced offline with their replies: one block per check
traces() {
	local f=$1 from to proto port
	"$PY" - "$f" <<'PY' >"$T/flows"
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
for c in d.get("checks") or []:
    print(c["from"], c["to"], c["protocol"], c.get("port", ""))
PY
	while read -r from to proto port; do
		echo "== $from $to $proto $port"
		case $proto in icmp) set -- --icmp ;; *) set -- "--$proto" "$port" ;; esac
		"$VPCLAB" trace "$f" --return --from "$from" --to "$to" "$@" 2>&1 | grep -v ": warning: " | sed "s#$f#FILE#g"
		echo "exit ${PIPESTATUS[0]}"
	done <"$T/flows"
}

n=0
for f in "$T/all.yaml" "$REPO"/rules/*.yaml; do
	b=$(basename "$f")
	run check "$f"
	[ "$RC" = 0 ] || { not_ok "$b checks before export (exit $RC)"; continue; }
	run export --file "$f"
	[ "$RC" = 0 ] && [ -s "$T/out" ] || { not_ok "vpclab export --file $b (exit $RC: $(head -c 200 "$T/err"))"; continue; }
	cp "$T/out" "$T/x.yaml"
	if "$VPCLAB" check "$T/x.yaml" >/dev/null 2>"$T/cerr"; then ok "$b: the export checks"
	else not_ok "$b: the export checks: $(head -c 300 "$T/cerr" | tr '\n' '|')"; fi
	"$VPCLAB" export --file "$T/x.yaml" -o "$T/y.yaml"
	if cmp -s "$T/x.yaml" "$T/y.yaml"; then ok "$b: exporting the export gives the same file"
	else not_ok "$b: exporting the export gives the same file"; diff "$T/x.yaml" "$T/y.yaml" | head -10 | sed 's/^/# /'; fi
	a=$(traces "$f"); e=$(traces "$T/x.yaml")
	if [ "$a" = "$e" ]; then ok "$b: the same traces for its $(grep -c '^==' <<<"$a") checks"
	else not_ok "$b: the same traces"; diff <(echo "$a") <(echo "$e") | head -20 | sed 's/^/# /'; fi
	n=$((n + 1))
done

# what the every-feature export holds: assigned addresses written, strings kept
run export --file "$T/all.yaml"
for want in 'name: every' 'region: eu-west-1' '{name: web-eip, ip: 203.0.113.' '{name: nlb-eip, ip: 203.0.113.' \
	    '{name: nat-a, subnet: public-a, elastic_ip: nat-eip, ip: 10.0.1.' '{subnet: public-b, ip: 10.0.3.200}' \
	    "name: '@'" 'values: [lab, v=1; x="y"]' 'outbound: []' 'name: peer, subnet: o-a, ip: 172.16.1.4'; do
	if grep -qF -- "$want" "$T/out"; then ok "the export has $want"
	else not_ok "the export has $want"; fi
done

# usage and exit codes
run export --file "$T/all.yaml" extra;      [ "$RC" = 2 ] && ok "--file with an operand: exit 2" || not_ok "--file with an operand: exit 2 (got $RC)"
run export a b;                             [ "$RC" = 2 ] && ok "two labs: exit 2" || not_ok "two labs: exit 2 (got $RC)"
run export --bogus;                         [ "$RC" = 2 ] && ok "unknown option: exit 2" || not_ok "unknown option: exit 2 (got $RC)"
printf 'vpcs:\n  - name: v\n    cidr: 10.0.0.0/33\n' >"$T/bad.yaml"
run export --file "$T/bad.yaml"
if [ "$RC" = 1 ] && [ ! -s "$T/out" ] && grep -q "bad.yaml:3:" "$T/err"; then ok "an invalid file: exit 1, its errors, nothing written"
else not_ok "an invalid file: exit 1, its errors, nothing written (got $RC)"; fi
run export --file "$T/all.yaml" -o "$T/no/such/dir/x.yaml"
[ "$RC" = 3 ] && ok "unwritable -o: exit 3" || not_ok "unwritable -o: exit 3 (got $RC)"
run export zz-not-a-running-lab
if [ "$RC" = 1 ] && grep -q "is not running" "$T/err"; then ok "a lab that is not running: exit 1"
else not_ok "a lab that is not running: exit 1 (got $RC: $(head -c 200 "$T/err"))"; fi

[ "$n" -ge 10 ] && ok "$n labs exported" || not_ok "$n labs exported (expected every rules/*.yaml)"
echo "export-offline: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
