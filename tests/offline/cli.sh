#!/usr/bin/env bash
# The command line without root: --help of every command (usage on stdout, exit 0), `vpclab
# help CMD`, --version, unknown options and bad values (exit 2, one stderr line naming the
# option), --opt=value, and the commands that need no root (check, trace, replay) on a lab file.
# Usage: bash tests/offline/cli.sh   (VPCLAB=path/to/vpclab to test another binary)
set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd)
VPCLAB=${VPCLAB:-$REPO/bin/vpclab}
T=$(mktemp -d "${TMPDIR:-/tmp}/vpclab-cli-offline.XXXXXX")
trap 'rm -rf "$T"' EXIT
PASS=0 FAIL=0
ok()     { PASS=$((PASS + 1)); echo "ok - $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
if [ ! -x "$VPCLAB" ]; then echo "not ok - $VPCLAB exists (run make)"; echo "cli-offline: 0 passed, 1 failed"; exit 1; fi

# run ARGS...: sets RC, OUT (stdout), ERR (stderr)
run() { "$VPCLAB" "$@" >"$T/out" 2>"$T/err" </dev/null; RC=$?; OUT=$(cat "$T/out"); ERR=$(cat "$T/err"); }
# usage_error DESC REGEX ARGS...: exit 2, nothing on stdout, exactly one stderr line matching REGEX
usage_error() {
	local desc=$1 re=$2; shift 2
	run "$@"
	local lines; lines=$(printf '%s' "$ERR" | grep -c '')
	if [ "$RC" = 2 ] && [ -z "$OUT" ] && [ "$lines" = 1 ] && printf '%s\n' "$ERR" | grep -Eq -- "$re"; then
		ok "$desc: exit 2, one line naming it"
	else
		not_ok "$desc (expected exit 2 and one stderr line matching /$re/, got exit $RC, $lines lines: $(printf '%s' "$ERR" | head -c 200 | tr '\n' '|'))"
	fi
}

cat >"$T/lab.yaml" <<'LAB'
name: offline
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    subnets:
      - { name: a, cidr: 10.0.1.0/24 }
    security_groups:
      - name: db
        inbound:
          - { protocol: tcp, ports: 5432, cidr: 10.0.0.0/16 }
    instances:
      - { name: web, subnet: a, ip: 10.0.1.10 }
      - { name: db, subnet: a, ip: 10.0.1.11, security_groups: [db] }
LAB

# --- --help and --version
cmds="check up apply export down status list exec trace replay capture flows nat lb asg dns flowlogs eip logs test api aws"
for c in $cmds; do
	run "$c" --help
	if [ "$RC" = 0 ] && [ -z "$ERR" ] && printf '%s\n' "$OUT" | head -n 1 | grep -Eq "^usage: vpclab $c( |$)"; then
		ok "vpclab $c --help: usage on stdout, exit 0"
	else
		not_ok "vpclab $c --help (expected 'usage: vpclab $c' on stdout and exit 0, got exit $RC: $(printf '%s' "$OUT$ERR" | head -c 120 | tr '\n' '|'))"
	fi
	run help "$c"
	if [ "$RC" = 0 ] && printf '%s\n' "$OUT" | head -n 1 | grep -q "^usage: vpclab $c"; then ok "vpclab help $c"
	else not_ok "vpclab help $c (expected its usage, got exit $RC)"; fi
done
for h in --help help; do
	run $h
	n=0; for c in $cmds; do printf '%s\n' "$OUT" | grep -Eq "^  $c +[A-Za-z]" && n=$((n + 1)); done
	all=$(echo $cmds | wc -w)
	if [ "$RC" = 0 ] && [ "$n" = "$all" ] && [ -z "$ERR" ]; then ok "vpclab $h lists the $all commands on stdout"
	else not_ok "vpclab $h lists the commands (expected $all and exit 0, got $n, exit $RC)"; fi
done
# --- the AWS API: loopback only, and `aws` needs the aws CLI's arguments after --
usage_error "api --listen on a non-loopback address" "^vpclab: api: --listen: '0\.0\.0\.0:4566' .*loopback" api --listen 0.0.0.0:4566
usage_error "api --listen not an address" "^vpclab: api: --listen: 'nowhere'" api --listen nowhere
usage_error "up --api on a non-loopback address" "^vpclab: up: --api: '192\.0\.2\.1' .*loopback" up x.yaml --api=192.0.2.1
usage_error "aws without -- SERVICE ACTION" "^vpclab: aws: .*SERVICE ACTION" aws
usage_error "aws with two labs" "^vpclab: aws: " aws a b -- ec2 describe-vpcs
run --version
if [ "$RC" = 0 ] && printf '%s\n' "$OUT" | grep -Eq '^vpclab [0-9A-Za-z][0-9A-Za-z.+~-]*$' && [ "$OUT" != "vpclab unknown" ]; then
	ok "vpclab --version: '$OUT'"
else
	not_ok "vpclab --version (expected 'vpclab VERSION', got exit $RC: '$OUT')"
fi
run
if [ "$RC" = 2 ] && printf '%s\n' "$ERR" | grep -q '^usage: vpclab'; then ok "vpclab alone: usage on stderr, exit 2"
else not_ok "vpclab alone (expected usage on stderr and exit 2, got exit $RC)"; fi

# --- unknown options, missing and bad values
usage_error "vpclab --bogus" "unknown option '--bogus'" --bogus
usage_error "vpclab no-such-command" "unknown command 'no-such-command'" no-such-command
usage_error "status --jsn" "status: unknown option '--jsn'" status --jsn
usage_error "trace --t (ambiguous)" "trace: ambiguous option '--t' \(--to, --tcp\)" trace "$T/lab.yaml" --t 1
usage_error "status --json=yes" "status: --json takes no value" status --json=yes
usage_error "check -x" "check: unknown option '-x'" check -x "$T/lab.yaml"
usage_error "check without a file" "check: LAB.yaml missing" check
usage_error "check with two files" "check: unexpected argument" check "$T/lab.yaml" "$T/lab.yaml"
usage_error "trace --tcp 99999" "trace: --tcp: '99999' is not a port \(1-65535\)" trace "$T/lab.yaml" --from web --to db --tcp 99999
usage_error "trace --tcp=abc" "trace: --tcp: 'abc' is not a port" trace "$T/lab.yaml" --from web --to db --tcp=abc
usage_error "trace --udp 0" "trace: --udp: '0' is not a port" trace "$T/lab.yaml" --from web --to db --udp 0
usage_error "trace --sport -1" "trace: --sport: '-1' is not a port" trace "$T/lab.yaml" --from web --to db --tcp 1 --sport -1
usage_error "trace --proto 256" "trace: --proto: '256' is not an IP protocol number" trace "$T/lab.yaml" --from web --to db --proto 256
usage_error "trace --size abc" "trace: --size: 'abc' is not an IP packet size" trace "$T/lab.yaml" --from web --to db --icmp --size abc
usage_error "trace --tcp without a value" "trace: --tcp needs a value" trace "$T/lab.yaml" --from web --to db --tcp
usage_error "trace without a protocol" "trace: a protocol .* missing" trace "$T/lab.yaml" --from web --to db
usage_error "trace without --from" "trace: --from NAME missing" trace "$T/lab.yaml" --to db --icmp
usage_error "trace without a lab file" "trace: LAB.yaml \(or --live\) missing" trace --from web --to db --icmp
usage_error "up --flow-log-interval abc" "up: --flow-log-interval: 'abc' is not a number of seconds" up "$T/lab.yaml" --flow-log-interval abc
usage_error "up --flow-log-interval 0" "up: --flow-log-interval: '0'" up --flow-log-interval=0 "$T/lab.yaml"
usage_error "up --foregrund" "up: unknown option '--foregrund'" up --foregrund "$T/lab.yaml"
usage_error "capture -c x" "capture: -c: 'x' is not a packet count" capture web -c x
usage_error "capture --seconds -3" "capture: --seconds: '-3'" capture web --seconds -3
usage_error "capture -w without a file" "capture: -w needs a value" capture web -w
usage_error "test --jobs 0" "test: --jobs: '0' is not a number of probes \(1-256\)" test "$T/lab.yaml" --jobs 0
usage_error "test --timeout abc" "test: --timeout: 'abc' is not milliseconds" test "$T/lab.yaml" --timeout abc
usage_error "test --tapp" "test: unknown option '--tapp'" test "$T/lab.yaml" --tapp
usage_error "replay without --from" "replay: --from NAME missing" replay "$T/lab.yaml" "$T/in.pcap"
usage_error "replay -o without a directory" "replay: -o needs a value" replay "$T/lab.yaml" --from web "$T/in.pcap" -o
usage_error "exec without --" "exec: '--' before CMD missing" exec lab web true
usage_error "exec without CMD" "exec: CMD missing" exec lab web --
usage_error "exec --bogus" "exec: unknown option '--bogus'" exec --bogus lab web -- true
usage_error "logs without NAME" "logs: NAME missing" logs
usage_error "logs with three operands" "logs: unexpected argument 'c'" logs a b c
usage_error "logs --bogus" "logs: unknown option '--bogus'" logs --bogus web
usage_error "lb with three operands" "lb: unexpected argument 'c'" lb a b c
usage_error "lb --jsn" "lb: unknown option '--jsn'" lb --jsn
usage_error "lb LAB BAD_NAME" "lb: 'Web_1' is not a load balancer name" lb lab Web_1
usage_error "lb --lab x with two operands" "lb: unexpected argument 'b'" lb --lab x a b
usage_error "asg with three operands" "asg: unexpected argument 'c'" asg a b c
usage_error "asg --jsn" "asg: unknown option '--jsn'" asg --jsn
usage_error "asg --json=yes" "asg: --json takes no value" asg --json=yes
usage_error "asg LAB BAD_NAME" "asg: 'Web_1' is not an auto scaling group name" asg lab Web_1
usage_error "asg LAB with a name past 10 characters" "asg: 'web-asg-long' is not an auto scaling group name" asg lab web-asg-long
usage_error "asg --lab x with two operands" "asg: unexpected argument 'b'" asg --lab x a b
usage_error "asg --lab without a value" "asg: --lab needs a value" asg --lab
usage_error "asg set-desired without NAME" "asg: NAME missing" asg set-desired
usage_error "asg set-desired without N" "asg: N missing" asg lab set-desired web-asg
usage_error "asg set-desired N not a number" "asg: N: 'three' is not a number of instances" asg set-desired web-asg three
usage_error "asg set-desired N 3x" "asg: N: '3x' is not a number of instances" asg --lab x set-desired web-asg 3x
usage_error "asg set-desired N negative" "asg: N: '-1' is not a number of instances" asg lab set-desired web-asg -- -1
usage_error "asg set-desired N too large" "asg: N: '1234567890' is not a number of instances" asg lab set-desired web-asg 1234567890
usage_error "asg set-desired with an extra operand" "asg: unexpected argument '4'" asg lab set-desired web-asg 3 4
usage_error "asg set-desired BAD_NAME" "asg: 'Web' is not an auto scaling group name" asg set-desired Web 3
usage_error "asg set-desired --bogus" "asg: unknown option '--bogus'" asg set-desired web-asg 3 --bogus
for args in "offline-nolab web-asg" "--lab offline-nolab" "offline-nolab-x" "offline-nolab set-desired web-asg 2" \
	"--lab offline-nolab set-desired web-asg 0 --json"; do
	# shellcheck disable=SC2086  # args are words written here
	run asg $args
	if [ "$RC" = 1 ] && [ -z "$OUT" ] && [ "$(printf '%s' "$ERR" | grep -c '')" = 1 ] &&
		printf '%s\n' "$ERR" | grep -qE "^vpclab: asg: lab offline-nolab(-x)? is not running$"; then
		ok "asg $args of a lab that is not running: exit 1, naming it"
	else not_ok "asg $args of a lab that is not running (exit $RC: $OUT $ERR)"; fi
done
VPCLAB_LAB=offline-nolab run asg
if [ "$RC" = 1 ] && printf '%s\n' "$ERR" | grep -qx "vpclab: asg: lab offline-nolab is not running"; then
	ok "VPCLAB_LAB=offline-nolab asg: exit 1, naming it"
else not_ok "VPCLAB_LAB=offline-nolab asg (exit $RC: $ERR)"; fi
usage_error "dns without a name" "dns: NAME missing" dns
usage_error "dns with three operands" "dns: unexpected argument 'c'" dns a b c
usage_error "dns --type XX" "dns: 'XX' is not a record type" dns lab db --type XX
usage_error "dns --lab x with two operands" "dns: unexpected argument 'b'" dns --lab x a b
usage_error "dns of a name too long" "dns: a name has 1 to 253 characters" dns lab "$(printf 'a%.0s' $(seq 254))"
run dns offline-nolab db.corp.internal
if [ "$RC" = 1 ] && printf '%s\n' "$ERR" | grep -q "offline-nolab"; then ok "dns of a lab that is not running: exit 1, naming it"
else not_ok "dns of a lab that is not running (exit $RC: $ERR)"; fi
usage_error "eip frobnicate" "eip: 'frobnicate' is not associate or disassociate" eip frobnicate x
usage_error "eip associate without an instance" "eip: INSTANCE missing" eip associate web-eip --lab x
usage_error "status ../x: not a lab name" "status: '../x' is not a lab name" status ../x
usage_error "down with two labs" "down: unexpected argument 'b'" down a b
usage_error "flows --lab a b" "flows: unexpected argument 'b'" flows --lab a b
VPCLAB_LAB=../x usage_error "VPCLAB_LAB=../x status" "status: VPCLAB_LAB='../x' is not a lab name" status

# --- what needs no root works, in both option spellings
run check "$T/lab.yaml"
if [ "$RC" = 0 ] && [ "$OUT" = "$T/lab.yaml: ok (lab offline)" ]; then ok "check of a good file"; else not_ok "check of a good file (exit $RC: $OUT $ERR)"; fi
run check -- "$T/lab.yaml"
if [ "$RC" = 0 ]; then ok "check -- FILE: options end at --"; else not_ok "check -- FILE (exit $RC: $ERR)"; fi
run trace "$T/lab.yaml" --from=web --to=db --tcp=5432
if [ "$RC" = 0 ] && printf '%s\n' "$OUT" | grep -q delivered; then ok "trace --from=web --to=db --tcp=5432: delivered, exit 0"
else not_ok "trace with --opt=value (expected delivered and exit 0, got exit $RC: $(printf '%s' "$OUT$ERR" | tail -n 2 | tr '\n' '|'))"; fi
run trace --tcp 22 --to db "$T/lab.yaml" --from web
if [ "$RC" = 1 ] && printf '%s\n' "$OUT" | grep -q sg_ingress; then ok "trace with the file after options: tcp 22 dropped by sg_ingress, exit 1"
else not_ok "trace tcp 22 (expected a sg_ingress drop and exit 1, got exit $RC: $(printf '%s' "$OUT$ERR" | tail -n 2 | tr '\n' '|'))"; fi
run trace "$T/lab.yaml" --from web --to db --tcp 5432 --size 1400 --df --json
if [ "$RC" = 0 ] && [ -z "$ERR" ]; then ok "trace --size 1400 --df --json: accepted"
else not_ok "trace --size 1400 --df (expected exit 0, got exit $RC: $ERR)"; fi
run trace "$T/lab.yaml" --from nosuch --to db --icmp
if [ "$RC" = 1 ] && printf '%s\n' "$ERR" | grep -q nosuch; then ok "trace from an unknown name: exit 1 naming it"
else not_ok "trace from an unknown name (expected exit 1, got exit $RC: $ERR)"; fi
run replay "$T/lab.yaml" --from web "$T/nosuch.pcap"
if [ "$RC" = 1 ]; then ok "replay of a missing capture: exit 1"; else not_ok "replay of a missing capture (expected exit 1, got exit $RC: $ERR)"; fi

# --- load balancers: check shows them
cat >"$T/lb.yaml" <<'LAB'
name: offline-lb
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    internet_gateway: true
    subnets:
      - { name: a, cidr: 10.0.1.0/24, az: a, route_table: pub }
    route_tables:
      - { name: pub, routes: [ { destination: 0.0.0.0/0, target: igw } ] }
    instances: [ { name: web1, subnet: a, public_ip: true } ]
    target_groups: [ { name: tg, protocol: tcp, port: 80, targets: [web1] } ]
    load_balancers:
      - { name: nlb, type: network, scheme: internet-facing, subnets: [a], listeners: [ { protocol: tcp, port: 80, forward: tg } ] }
internet:
  hosts: [ { name: client, ip: 198.51.100.10 } ]
checks:
  - { from: client, to: web1, protocol: tcp, port: 80, expect: allow }
LAB
run check "$T/lb.yaml"
if [ "$RC" = 0 ] && printf '%s\n' "$OUT" | grep -q '^  load balancer nlb (network, internet-facing): nlb-[0-9a-f]\{16\}\.elb\.us-east-1\.amazonaws\.com$' &&
	printf '%s\n' "$OUT" | grep -q '^    node a (az a): 10.0.1.5, public 203.0.113.2$' &&
	printf '%s\n' "$OUT" | grep -q '^  target group tg (tcp 80, 1 target): health check tcp every 30 s, timeout 10 s, healthy 5, unhealthy 2$'
then ok "check of a lab with a load balancer: DNS name, node, target group"
else not_ok "check of a lab with a load balancer (exit $RC: $OUT $ERR)"; fi
# an application load balancer is accepted: check passes and shows it, apply goes past it to
# "not running" (up and test bring labs up: the namespace tests run them, t_alb_*.sh)
sed -e 's/^name: offline-lb/name: offline-alb/' -e 's/protocol: tcp, port: 80, targets/protocol: http, port: 80, targets/' \
	-e 's/{ name: nlb, type: network, scheme: internet-facing, subnets: \[a\], listeners: \[ { protocol: tcp, port: 80, forward: tg } \] }/{ name: alb, type: application, scheme: internet-facing, subnets: [a, b], listeners: [ { protocol: http, port: 80, default: tg } ] }/' \
	-e 's/^      - { name: a, cidr: 10.0.1.0\/24, az: a, route_table: pub }/&\n      - { name: b, cidr: 10.0.2.0\/24, az: b, route_table: pub }/' "$T/lb.yaml" >"$T/alb.yaml"
run check "$T/alb.yaml"
if [ "$RC" = 0 ] && printf '%s\n' "$OUT" | grep -q '^  load balancer alb (application, internet-facing): alb-[0-9a-f]\{10\}\.us-east-1\.elb\.amazonaws\.com$' && printf '%s\n' "$OUT" | grep -q '^    node b (az b): 10.0.2.4, public 203.0.113.3$'
then ok "check of a lab with an application load balancer: accepted, shown"
else not_ok "check of the application load balancer lab (exit $RC: $OUT $ERR)"; fi
run apply "$T/alb.yaml"
if [ "$RC" = 1 ] && printf '%s\n' "$ERR" | grep -q "lab offline-alb is not running" && ! printf '%s\n' "$ERR" | grep -q "not built"; then
	ok "apply of a lab with an application load balancer: accepted (the lab is not running)"
else not_ok "apply of a lab with an application load balancer (expected exit 1, not running; got exit $RC: $ERR)"; fi
run trace "$T/lb.yaml" --from client --to nlb --tcp 80
if printf '%s\n' "$OUT" | grep -q '^trace client -> nlb (203.0.113.2)'; then ok "trace from the internet to a load balancer's name: its node's public IP"
else not_ok "trace to a load balancer (exit $RC: $OUT $ERR)"; fi

# --- Route 53: check shows hosted zones, records and health checks; up, apply and test refuse
# them until the resolver serves them (exit 3, nothing made); `dns:` attributes alone are run
cat >"$T/dns.yaml" <<'LAB'
name: offline-dns
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    dns: { support: true, hostnames: true }
    subnets: [ { name: a, cidr: 10.0.1.0/24 } ]
    instances: [ { name: web, subnet: a, ip: 10.0.1.10 } ]
  - name: bare
    cidr: 10.1.0.0/16
    dns: { support: true, hostnames: false }
hosted_zones:
  - name: corp.internal
    vpcs: [main]
    records:
      - { name: db, type: A, values: [10.0.1.10] }
      - { name: app, type: A, failover: primary, values: [10.0.1.10], health_check: app-hc }
      - { name: app, type: A, failover: secondary, values: [10.0.1.11] }
      - { name: "@", type: MX, values: ["10 mail.corp.internal"], ttl: 60 }
health_checks:
  - { name: app-hc, ip: 203.0.113.30, interval: 10 }
checks:
  - { from: web, to: web, protocol: tcp, port: 80, expect: allow }
LAB
run check "$T/dns.yaml"
if [ "$RC" = 0 ] && printf '%s\n' "$OUT" | grep -qx '  hosted zone corp.internal (private, vpcs main): 4 record sets' &&
	printf '%s\n' "$OUT" | grep -qx '    app.corp.internal 300 A 10.0.1.10 (failover primary, health check app-hc)' &&
	printf '%s\n' "$OUT" | grep -qx '    corp.internal 60 MX 10 mail.corp.internal.' &&
	printf '%s\n' "$OUT" | grep -qx '  health check app-hc: http 203.0.113.30:80/ every 10 s, unhealthy after 3 failures, from the internet'
then ok "check of a lab with a hosted zone: zone, records, health check with Route 53's defaults"
else not_ok "check of a lab with a hosted zone (exit $RC: $OUT $ERR)"; fi
run apply "$T/dns.yaml" --dry-run
if [ "$RC" = 1 ] && printf '%s\n' "$ERR" | grep -q "lab offline-dns is not running" && ! printf '%s\n' "$ERR" | grep -q "hosted zones"; then
	ok "apply of a lab with a hosted zone: accepted (the lab is not running)"
else not_ok "apply of a lab with a hosted zone (expected 'not running', exit 1; got exit $RC: $ERR)"; fi
sed -e '/^hosted_zones:/,/^checks:/{/^checks:/!d}' "$T/dns.yaml" >"$T/dnsattr.yaml"
run apply "$T/dnsattr.yaml" --dry-run
if [ "$RC" = 1 ] && printf '%s\n' "$ERR" | grep -q "lab offline-dns is not running" && ! printf '%s\n' "$ERR" | grep -q "hosted zones"; then
	ok "apply of a lab with dns attributes alone: not refused (the lab is not running)"
else not_ok "apply of a lab with dns attributes alone (expected 'not running', exit 1; got exit $RC: $ERR)"; fi
sed -e 's/vpcs: \[main\]$/vpcs: [main, bare]/' "$T/dns.yaml" >"$T/dnsbad.yaml"
run check "$T/dnsbad.yaml"
if [ "$RC" = 1 ] && printf '%s\n' "$ERR" | grep -qF "dnsbad.yaml:13:18: error: private hosted zone 'corp.internal' needs 'dns: { support: true, hostnames: true }' in vpc 'bare'"; then
	ok "check of a private zone in a VPC without DNS hostnames: the error at the vpc, exit 1"
else not_ok "check of a private zone in a VPC without DNS hostnames (exit $RC: $ERR)"; fi

# Auto scaling groups: check shows templates and groups with AWS's defaults; up, apply and test
# refuse the lab (the controller that runs groups is not built yet), exit 3, nothing made.
sed -e 's/^name: asg$/name: offline-asg/' "$REPO/rules/asg-alb.yaml" >"$T/asg.yaml"
run check "$T/asg.yaml"
if [ "$RC" = 0 ] && printf '%s\n' "$OUT" | grep -q '^  launch template web-lt: security groups web; public ip no; run: ' &&
	printf '%s\n' "$OUT" | grep -qx '  auto scaling group web-asg (launch template web-lt): min 1, desired 2, max 4 in private-a, private-b' &&
	printf '%s\n' "$OUT" | grep -qx '    target groups web-tg' &&
	printf '%s\n' "$OUT" | grep -qx '    health check elb, grace period 30 s; metric period 10 s; cooldown 30 s' &&
	printf '%s\n' "$OUT" | grep -qx '    policy rps: target tracking alb_request_count_per_target 100 (target group web-tg)'
then ok "check of a lab with an auto scaling group: template, group, health, periods, policy"
else not_ok "check of a lab with an auto scaling group (exit $RC: $OUT $ERR)"; fi
sed -e '/^ *health_check: { type: elb/d; /^ *metric_period: 10/d; /^ *cooldown: 30/d; s/^        desired: 2$//' "$T/asg.yaml" >"$T/asgdef.yaml"
run check "$T/asgdef.yaml"
if [ "$RC" = 0 ] && printf '%s\n' "$OUT" | grep -qx '  auto scaling group web-asg (launch template web-lt): min 1, desired 1, max 4 in private-a, private-b' &&
	printf '%s\n' "$OUT" | grep -qx '    health check ec2, grace period 300 s; metric period 60 s; cooldown 300 s'
then ok "check of an auto scaling group without optional keys: AWS's defaults (desired = min, ec2, 300 s, 60 s, 300 s)"
else not_ok "check of an auto scaling group's defaults (exit $RC: $OUT $ERR)"; fi
sed -e 's/^        max: 4$/        max: 40/' "$T/asg.yaml" >"$T/asgbad.yaml"
run check "$T/asgbad.yaml"
if [ "$RC" = 1 ] && printf '%s\n' "$ERR" | grep -qE "asgbad.yaml:[0-9]+:14: error: max 40 is out of range 0..32"; then
	ok "check of an auto scaling group over the lab's max: the error at the value, exit 1"
else not_ok "check of an auto scaling group over the lab's max (exit $RC: $ERR)"; fi

# A VPC's declared default group and ACL: two VPCs may each declare one; twice in one VPC is an
# error at the second; the plan between the implicit and a declared default is its rule changes.
cat >"$T/dflt.yaml" <<'LAB'
name: offline-dflt
vpcs:
  - name: a
    cidr: 10.0.0.0/16
    subnets: [ { name: sa, cidr: 10.0.1.0/24 } ]
    security_groups:
      - name: default
        inbound: [ { protocol: tcp, ports: 22, cidr: 198.51.100.0/24 } ]
    network_acls:
      - name: default
        inbound: [ { rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0 } ]
        outbound: [ { rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0 } ]
    instances: [ { name: x, subnet: sa } ]
  - name: b
    cidr: 10.1.0.0/16
    security_groups:
      - name: default
        inbound: []
LAB
run check "$T/dflt.yaml"
if [ "$RC" = 0 ]; then ok "check of two VPCs that each declare their default group"
else not_ok "check of declared default groups (exit $RC: $OUT $ERR)"; fi
sed -e 's/^        inbound: \[\]$/        inbound: []\n      - name: default/' "$T/dflt.yaml" >"$T/dflt2.yaml"
run check "$T/dflt2.yaml"
if [ "$RC" = 1 ] && printf '%s\n' "$ERR" | grep -qF "dflt2.yaml:19:15: error: security group 'default' is already declared in this vpc at 17:15"; then
	ok "check of a VPC declaring its default group twice: the error at the second, exit 1"
else not_ok "check of a default group declared twice (exit $RC: $ERR)"; fi

echo "cli-offline: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
