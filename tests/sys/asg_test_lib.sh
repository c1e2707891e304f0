# tests/sys/asg_test_lib.sh — sourced by the t_asg_*.sh tests after lib.sh and alb_test_lib.sh:
# a small lab with an auto scaling group behind an internet-facing ALB (asg_lab), the instances'
# web server (each page says the instance's own address), readers of the group as the router
# answers `asg` (asgj), set-desired, and waits on the group's states.

# The template's `run:`: a page naming the instance's address, served on 80 (health path
# /index.html: removing the page fails the check with a 404). The server's command line holds
# "$T/www/IP 80" so that one instance's server can be killed by that pattern alone (pkill -f run
# with `vpclab exec` reaches only the instance's processes, but one run from the machine reaches
# every instance's).
cat >"$T/web.sh" <<EOF
ip=\$(ip -4 -o addr show dev eth0 | awk '{split(\$4,a,"/"); print a[1]; exit}')
d=$T/www/\$ip
mkdir -p "\$d"
# $T/sick-next: the next instance launched serves no page (its health check fails from the start)
if [ -e $T/sick-next ] && rm $T/sick-next 2>/dev/null; then rm -f "\$d/index.html"
else echo "\$ip" >"\$d/index.html"; fi
exec $PY $T/websrv.py "\$d" 80 >/dev/null 2>&1
EOF
# The server: python's http.server from a script of our own, so that the command line does not
# say "http.server" (a `pkill -f http.server` elsewhere on the machine leaves it alone).
cat >"$T/websrv.py" <<'EOF'
import functools, http.server, sys
h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
http.server.ThreadingHTTPServer(("0.0.0.0", int(sys.argv[2])), h).serve_forever()
EOF
WEB_RUN="exec sh $T/web.sh"

# asg_lab [KEY=VALUE...]: the lab file on stdout. Keys (defaults): MIN=1 DESIRED=2 MAX=4
# HC=ec2 GRACE=0 PERIOD=5 COOLDOWN=5 POLICIES="" (YAML list items, one per line, already
# indented) RUN=$WEB_RUN DEREG=2 SUBNETS="[priv-a, priv-b]" LTSGS="[web, admin]" (the template's
# security groups) GROUP=yes (no: no group at all).
asg_lab() {
	local MIN=1 DESIRED=2 MAX=4 HC=ec2 GRACE=0 PERIOD=5 COOLDOWN=5 POLICIES="" RUN=$WEB_RUN DEREG=2
	local SUBNETS="[priv-a, priv-b]" LTSGS="[web, admin]" GROUP=yes kv
	for kv in "$@"; do local "$kv"; done
	cat <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    internet_gateway: true
    subnets:
      - { name: pub-a, cidr: 10.0.1.0/24, az: a, route_table: public }
      - { name: pub-b, cidr: 10.0.2.0/24, az: b, route_table: public }
      - { name: priv-a, cidr: 10.0.11.0/24, az: a }
      - { name: priv-b, cidr: 10.0.12.0/24, az: b }
    route_tables:
      - { name: public, routes: [ { destination: 0.0.0.0/0, target: igw } ] }
    security_groups:
      - { name: alb-sg, inbound: [ { protocol: tcp, ports: 80, cidr: 0.0.0.0/0 } ] }
      - { name: web, inbound: [ { protocol: tcp, ports: 80, group: alb-sg } ] }
      - { name: admin, inbound: [ { protocol: tcp, ports: 22, cidr: 10.0.0.0/16 } ] }
    instances:
      - { name: fixed, subnet: priv-a, ip: 10.0.11.200, security_groups: [admin] }
    target_groups:
      - name: web-tg
        protocol: http
        port: 80
        health_check: { path: /index.html, interval: 5, timeout: 2, healthy: 2, unhealthy: 2, matcher: 200 }
        deregistration_delay: $DEREG
    load_balancers:
      - name: web-alb
        type: application
        scheme: internet-facing
        subnets: [pub-a, pub-b]
        security_groups: [alb-sg]
        listeners:
          - { protocol: http, port: 80, default: web-tg }
    launch_templates:
      - { name: web-lt, security_groups: $LTSGS, public_ip: false, run: "$RUN" }
EOF
	[ "$GROUP" = yes ] && cat <<EOF
    auto_scaling_groups:
      - name: web
        launch_template: web-lt
        subnets: $SUBNETS
        min: $MIN
        desired: $DESIRED
        max: $MAX
        target_groups: [web-tg]
        health_check: { type: $HC, grace_period: $GRACE }
        metric_period: $PERIOD
        cooldown: $COOLDOWN
EOF
	[ "$GROUP" = yes ] && [ -n "$POLICIES" ] && printf '        policies:\n%s\n' "$POLICIES"
	cat <<EOF
internet:
  hosts:
    - { name: ext, ip: 198.51.100.10 }
EOF
}

# asg_ctl REQUEST: the router's JSON answer to one control request (include/vpclab/ctl.h), as
# `vpclab asg` asks it; "no-answer" when the router does not answer.
asg_ctl() {
	"$PY" - "/run/vpclab/$LAB/ctl" "$1" <<'EOF' 2>/dev/null || echo no-answer
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
s.shutdown(socket.SHUT_WR)
b = b""
while True:
    c = s.recv(65536)
    if not c:
        break
    b += c
print(b.decode())
EOF
}
# Whether the CLI has `vpclab asg` (the asg-cli branch): then the tests read the group with it.
ASG_CLI=no
"$VPCLAB" asg --help >/dev/null 2>&1 && ASG_CLI=yes
# asg_json: the `asg` answer for $LAB ({"groups": [...]})
asg_json() {
	if [ "$ASG_CLI" = yes ]; then timeout 10 "$VPCLAB" asg "$LAB" --json 2>/dev/null || echo no-answer
	else asg_ctl asg; fi
}
# asgj EXPR: EXPR (Python) over group "web" (g) of the `asg` answer, with
#   insts(life=None): the instances' names (sorted by N), of that lifecycle state when given
#   inst(name): an instance ({} when none); acts(): the activities, newest first
#   act(desc_regex): the newest activity whose description matches ({} when none)
#   pol(name): a policy
asgj() {
	asg_json | "$PY" -c '
import json, re, sys
try:
    d = json.load(sys.stdin)
    g = [x for x in d["groups"] if x["name"] == "web"][0]
except Exception:
    print("no-answer"); sys.exit(0)
def seq(n):
    return int(n.rsplit("-", 1)[1])
def insts(life=None):
    return " ".join(sorted((i["name"] for i in g["instances"] if life is None or i["life"] == life), key=seq))
def inst(name):
    m = [i for i in g["instances"] if i["name"] == name]
    return m[0] if m else {}
def acts():
    return g["activities"]
def act(rx):
    m = [a for a in g["activities"] if re.search(rx, a["description"])]
    return m[0] if m else {}
def pol(name):
    return [p for p in g["policies"] if p["name"] == name][0]
try:
    v = eval(sys.argv[1])
except Exception as e:
    v = "error: %s" % e
print("null" if v is None else v)
' "$1"
}
# in_service N: exactly N instances, all InService (nothing Pending or Terminating)
in_service() {
	local s; s=$(asgj "'%d %d' % (len(g['instances']), len(insts('InService').split()))")
	[ "$s" = "$1 $1" ]
}
# is_life NAME LIFE / gone NAME: an instance's lifecycle state; it is no longer in the group
is_life() { [ "$(asgj "inst('$1').get('life')")" = "$2" ]; }
gone_from_group() { [ "$(asgj "inst('$1') == {}")" = True ]; }
# ns_gone NAME: the namespace LAB-NAME is gone
ns_gone() { ! ip netns list 2>/dev/null | awk '{print $1}' | grep -qx -- "$LAB-$1"; }
ns_there() { ip netns list 2>/dev/null | awk '{print $1}' | grep -qx -- "$LAB-$1"; }
# desired_is N
desired_is() { [ "$(asgj "g['desired']")" = "$1" ]; }

# set_desired N: `vpclab asg LAB set-desired web N` (or the control request when the CLI has no
# asg yet); prints "RC MESSAGE" (MESSAGE: stderr on failure, stdout else)
set_desired() {
	local out rc
	if [ "$ASG_CLI" = yes ]; then
		out=$(timeout 10 "$VPCLAB" asg "$LAB" set-desired web "$1" 2>&1); rc=$?
	else
		out=$(asg_ctl "asg-set-desired web $1")
		rc=$("$PY" -c 'import json,sys
try: d = json.loads(sys.argv[1])
except Exception: print(3); sys.exit(0)
print(1 if d.get("error") and d.get("input") else 3 if d.get("error") else 0)' "$out")
	fi
	echo "$rc $out"
}

# The ALB's public address (node pub-a) and a page through it: the answering instance's IP
alb_vip() { lbj web-alb "node('pub-a')['public_ip']"; }
# ips_seen N: N requests from ext through the ALB; the distinct answers (sorted, one line)
ips_seen() {
	local i
	for i in $(seq 1 "$1"); do on ext curl -s -m 3 "http://$VIP/" 2>/dev/null; done | sort -u | tr '\n' ' ' | sed 's/ $//'
}
# ips_of NAMES...: the instances' addresses as the group says (sorted, one line)
ips_of() {
	local n; for n in "$@"; do asgj "inst('$n').get('ip')"; done | sort | tr '\n' ' ' | sed 's/ $//'
}
# serves NAMES...: requests through the ALB reach every one of NAMES and nothing else
serves_exactly() { [ "$(ips_seen $(( 4 * $# )))" = "$(ips_of "$@")" ]; }
# tg_has NAME STATE: the target NAME of web-tg is in STATE (absent when not registered)
tg_is() { is_tstate web-alb web-tg "$1" "$2"; }
# srv_pattern IP: a pkill -f pattern for the web server of the instance with address IP (the
# "[ ]" keeps it from matching the command lines of pkill's own callers, vpclab exec and timeout)
srv_pattern() { echo "$T/www/$1[ ]80"; }
