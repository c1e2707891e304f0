#!/usr/bin/env bash
# Network load balancers with real connections: an internet host and an instance reach two
# targets in two zones through the load balancer's public and private addresses, spread by the
# flow hash; the target sees the client's address (preserve_client_ip) or the node's (off); a
# target group whose security group admits only the load balancer's group still works with the
# client's address preserved; a target calling its own load balancer never reaches itself (AWS:
# no hairpin); health checks turn a stopped server unhealthy (Target.FailedHealthChecks or
# Target.Timeout) within interval x unhealthy and back to healthy, with new connections only to
# the healthy one; both down: fail open (sent to both, refused there); `vpclab lb` text and JSON;
# trace's lb hop; apply adding a target (initial, then healthy) and removing one (draining: its
# open connections go on, new ones go elsewhere, then it is gone); `vpclab test` checks whose `to`
# is a load balancer (a target port other than the listener's, the node's address seen).
TID=lbnlb; . "$(dirname "$0")/lib.sh"

# A TCP server answering each connection with "NAME PEER-IP" on every port given, one line per
# connection in its log; the tests kill it with a pattern only its command line has ($T/srv.py NAME).
cat >"$T/srv.py" <<'EOF'
import selectors, socket, sys
name, sel = sys.argv[1], selectors.DefaultSelector()
for port in sys.argv[2:]:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", int(port)))
    s.listen(128)
    sel.register(s, selectors.EVENT_READ, "listen")
print("listening", flush=True)
while True:
    for key, _ in sel.select():
        if key.data == "listen":
            c, a = key.fileobj.accept()
            try:
                c.sendall(("%s %s\n" % (name, a[0])).encode())
                sel.register(c, selectors.EVENT_READ, "conn")
            except OSError:
                c.close()
            print("%s from %s:%d" % (name, a[0], a[1]), flush=True)
            continue
        try:
            data = key.fileobj.recv(4096)
            if data:
                key.fileobj.sendall(data)     # an echo: a held connection shows it lives
                continue
        except OSError:
            pass
        sel.unregister(key.fileobj)
        key.fileobj.close()
EOF
# N connections held open: prints "held NAME NAME ..." once all answered, waits for the file
# GO (at most 30 s), then sends a line on each and prints "NAME ok" or "NAME lost" per connection.
cat >"$T/hold.py" <<'EOF'
import os, socket, sys, time
ip, port, n, go = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
conns = []
for _ in range(n):
    s = socket.create_connection((ip, port), timeout=3)
    f = s.makefile("rb")
    conns.append((s, f, f.readline().split()[0].decode()))
print("held", " ".join(c[2] for c in conns), flush=True)
end = time.time() + 30
while not os.path.exists(go) and time.time() < end:
    time.sleep(0.05)
for s, f, name in conns:
    try:
        s.sendall(b"ping\n")
        print(name, "ok" if f.readline() == b"ping\n" else "lost", flush=True)
    except OSError:
        print(name, "lost", flush=True)
EOF
# N fresh connections to IP:PORT, one line each: the answer ("web1 198.51.100.10"), or
# "refused" / "timeout" / "error ..." (each bounded by TIMEOUT seconds).
cat >"$T/cli.py" <<'EOF'
import socket, sys
ip, port, n, timeout = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
for _ in range(n):
    s = socket.socket()
    s.settimeout(timeout)
    try:
        s.connect((ip, port))
        print(s.makefile().readline().strip() or "empty", flush=True)
    except ConnectionRefusedError:
        print("refused", flush=True)
    except socket.timeout:
        print("timeout", flush=True)
    except OSError as e:
        print("error", e.errno, flush=True)
    finally:
        s.close()
EOF

SRV="$PY -u $T/srv.py"
# The targets' group admits only the load balancer's group (AWS: it matches also with the
# client's address preserved); the load balancer's group admits the world on its listeners.
lab_file() { # $1: the targets of web-tg, as YAML; $2: web3 present (yes/no)
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
      - name: nlb-sg
        inbound: [ { protocol: tcp, ports: 80-81, cidr: 0.0.0.0/0 } ]
      - name: web
        inbound: [ { protocol: tcp, ports: 80-81, group: nlb-sg } ]
    instances:
      - { name: web1, subnet: priv-a, ip: 10.0.11.10, security_groups: [web], run: "exec $SRV web1 80 81" }
      - { name: web2, subnet: priv-b, ip: 10.0.12.10, security_groups: [web], run: "exec $SRV web2 80 81" }
      - { name: cli, subnet: priv-a, ip: 10.0.11.20 }
EOF
	[ "$2" = yes ] && cat <<EOF
      - { name: web3, subnet: priv-b, ip: 10.0.12.11, security_groups: [web], run: "exec $SRV web3 80 81" }
EOF
	cat <<EOF
    target_groups:
      - name: web-tg
        protocol: tcp
        port: 80
        targets: $1
        health_check: { protocol: tcp, interval: 5, timeout: 2, healthy: 2, unhealthy: 2 }
        deregistration_delay: 5
      - name: node-tg
        protocol: tcp
        port: 81
        targets: [web1, web2]
        preserve_client_ip: false
        health_check: { protocol: tcp, interval: 5, timeout: 2, healthy: 2, unhealthy: 2 }
    load_balancers:
      - name: web-nlb
        type: network
        scheme: internet-facing
        subnets: [pub-a, pub-b]
        security_groups: [nlb-sg]
        cross_zone: true
        listeners:
          - { protocol: tcp, port: 80, forward: web-tg }
          - { protocol: tcp, port: 81, forward: node-tg }
internet:
  hosts:
    - { name: ext, ip: 198.51.100.10 }
EOF
}
lab_file "[web1, web2]" no >"$T/lab.yaml"
lab_file "[web1, web2, web3]" yes >"$T/add.yaml"
lab_file "[web1, web3]" yes >"$T/remove.yaml"
for f in lab add remove; do
	OUT=$("$VPCLAB" check "$T/$f.yaml" 2>&1); RC=$?
	check_rc "vpclab check $f.yaml" 0 $RC "$OUT"
done

# Until the router runs load balancers, `up` refuses them: say so once and stop (not a pass).
OUT=$(timeout 30 "$VPCLAB" up "$T/lab.yaml" 2>&1); RC=$?
LABS+=("$LAB")
if [ "$RC" -ne 0 ] && [[ "$OUT" == *"not built yet"* ]]; then
	diag "SKIP: this build does not run load balancers yet ($OUT)"
	exit 0
fi
check_rc "vpclab up (a network load balancer)" 0 $RC "$OUT"
[ "$RC" -eq 0 ] || exit 1
ROUTER_PIDS+=("$(status_get "$LAB" pid)")

# ---------------------------------------------------------------- `vpclab lb` readers
# lb_get EXPR: a Python expression over the load balancer web-nlb of `vpclab lb --json` (lb)
# and a target's state/reason helpers: t("web-tg", "web1") is that target's object.
lb_get() {
	timeout 10 "$VPCLAB" lb "$LAB" web-nlb --json 2>/dev/null | "$PY" -c '
import json, sys
try:
    lb = json.load(sys.stdin)["load_balancers"][0]
except Exception:
    print("no-answer"); sys.exit(0)
def g(name):
    return [x for x in lb["target_groups"] if x["name"] == name][0]
def t(group, inst):
    m = [x for x in g(group)["targets"] if x["instance"] == inst]
    return m[0] if m else {"state": "absent", "reason": None}
def node(subnet):
    return [n for n in lb["nodes"] if n["subnet"] == subnet][0]
try:
    v = eval(sys.argv[1])
except Exception as e:
    v = "error: %s" % e
print("null" if v is None else v)
' "$1"
}
state_of() { lb_get "t('$1', '$2')['state']"; }
is_state() { [ "$(state_of "$1" "$2")" = "$3" ]; }
both_healthy() { is_state web-tg web1 healthy && is_state web-tg web2 healthy && is_state node-tg web1 healthy && is_state node-tg web2 healthy; }

# every target starts `initial` and turns healthy after 2 passing checks, 5 s apart
wait_for "all targets healthy" 30 both_healthy
check "web1 healthy" healthy "$(state_of web-tg web1)"
check "web2 healthy" healthy "$(state_of web-tg web2)"
PUB_A=$(lb_get "node('pub-a')['public_ip']")
PRIV_A=$(lb_get "node('pub-a')['private_ip']")
PRIV_B=$(lb_get "node('pub-b')['private_ip']")
check_match "node pub-a has a public IP" '^203\.0\.113\.[0-9]+$' "$PUB_A"
check_match "node pub-a has a private IP in pub-a" '^10\.0\.1\.[0-9]+$' "$PRIV_A"
check "node pub-a's namespace" "$LAB-web-nlb-pub-a" "$(lb_get "node('pub-a')['namespace']")"
check "node pub-b's zone" "b" "$(lb_get "node('pub-b')['az']")"
check_match "the DNS name" '^web-nlb-[0-9a-f]+\.elb\.us-east-1\.amazonaws\.com$' "$(lb_get "lb['dns']")"
H=$(lb_get "lb['counters']['HealthyHostCount']")
[[ "$H" =~ ^[0-9]+$ ]] && [ "$H" -ge 2 ] && ok "HealthyHostCount counts them ($H)" || not_ok "HealthyHostCount >= 2 (got $H)"
check "UnHealthyHostCount" "0" "$(lb_get "lb['counters']['UnHealthyHostCount']")"

# ---------------------------------------------------------------- spread and client IP
# answers FROM IP PORT N TIMEOUT: N fresh connections, one line each
answers() { on "$1" "$PY" "$T/cli.py" "$2" "$3" "$4" "$5" 2>&1; }
A=$(answers ext "$PUB_A" 80 20 2)
check_match "ext -> the public IP: web1 answers some of 20 connections" "^web1 " "$A"
check_match "ext -> the public IP: web2 answers some too" "^web2 " "$A"
check "every connection answered, each seeing the client 198.51.100.10" "20" \
	"$(printf '%s\n' "$A" | grep -cE '^web[12] 198\.51\.100\.10$')"
N0=$(lb_get "lb['counters']['NewFlowCount']")
check_match "NewFlowCount counts them" '^[0-9]+$' "$N0"
[[ "$N0" =~ ^[0-9]+$ ]] && [ "$N0" -ge 20 ] && ok "NewFlowCount >= 20 ($N0)" || not_ok "NewFlowCount >= 20 (got $N0)"

A=$(answers cli "$PRIV_A" 80 20 2)
check_match "cli -> the private IP: web1 answers" "^web1 " "$A"
check_match "cli -> the private IP: web2 answers" "^web2 " "$A"
check "every answer sees cli's own address" "20" "$(printf '%s\n' "$A" | grep -cE '^web[12] 10\.0\.11\.20$')"

A=$(answers ext "$PUB_A" 81 10 2)
check "preserve_client_ip false: the targets see node pub-a's address" "10" \
	"$(printf '%s\n' "$A" | grep -cE "^web[12] ${PRIV_A//./\\.}\$")"

# the targets' group admits only the load balancer's group: not cli directly
check "cli -> web1 directly: the target group admits only nlb-sg" "timeout" \
	"$(answers cli 10.0.11.10 80 1 1)"

# ---------------------------------------------------------------- no hairpin
A=$(answers web1 "$PRIV_A" 80 12 1)
check_nomatch "web1 -> its own load balancer never reaches web1 (no hairpin)" "^web1 " "$A"
check_match "web1 -> its own load balancer: web2 answers when the hash picks it" "^web2 10\.0\.11\.10$" "$A"
diag "hairpin answers: $(printf '%s' "$A" | sort | uniq -c | tr '\n' ';')"

# ---------------------------------------------------------------- trace
OUT=$("$VPCLAB" trace "$T/lab.yaml" --from ext --to web-nlb --tcp 80 2>&1); RC=$?
check_rc "trace ext -> web-nlb tcp 80" 0 $RC "$OUT"
check_match "trace shows the lb hop with its target" "lb web-nlb +target web[12]" "$OUT"

# ---------------------------------------------------------------- `vpclab lb` as text
OUT=$("$VPCLAB" lb "$LAB" 2>&1); RC=$?
check_rc "vpclab lb LAB" 0 $RC "$OUT"
check_match "lb: the header line" "^load balancer web-nlb: network, internet-facing, vpc main, cross-zone on" "$OUT"
check_match "lb: node pub-a with its addresses and namespace" "pub-a +a +${PRIV_A//./\\.} +${PUB_A//./\\.} +$LAB-web-nlb-pub-a" "$OUT"
check_match "lb: the listener" "listener tcp 80 -> web-tg" "$OUT"
check_match "lb: web1 healthy" "^ +web1 +80 +a +healthy" "$OUT"
check_match "lb: a CloudWatch counter" "^ +NewFlowCount +[0-9]+" "$OUT"
OUT=$(VPCLAB_LAB=$LAB "$VPCLAB" lb web-nlb 2>&1); RC=$?
check_rc "vpclab lb NAME (the lab from VPCLAB_LAB)" 0 $RC "$OUT"
ERR=$("$VPCLAB" lb "$LAB" nosuch 2>&1 >/dev/null); RC=$?
check_rc "vpclab lb of an unknown load balancer" 1 $RC
check_match "and it says so" "no such load balancer" "$ERR"

# ---------------------------------------------------------------- health
# web1's server stops: refused checks, unhealthy after 2 of them (interval 5 s) plus one in flight
pkill -f "$T/srv.py web1 " ; t0=$(_now_ms)
unhealthy1() { is_state web-tg web1 unhealthy; }
if wait_for "web1 unhealthy" 20 unhealthy1; then
	ok "web1 unhealthy $(( ($(_now_ms) - t0) / 1000 )) s after its server stopped (interval 5 s x 2)"
else not_ok "web1 unhealthy within 20 s (state: $(state_of web-tg web1))"; fi
check_match "its reason" "^Target\.(FailedHealthChecks|Timeout)$" "$(lb_get "t('web-tg', 'web1')['reason']")"
check "web2 stays healthy" healthy "$(state_of web-tg web2)"
U=$(lb_get "lb['counters']['UnHealthyHostCount']")
[[ "$U" =~ ^[0-9]+$ ]] && [ "$U" -ge 1 ] && ok "UnHealthyHostCount counts web1 ($U)" || not_ok "UnHealthyHostCount >= 1 (got $U)"
A=$(answers ext "$PUB_A" 80 10 2)
check "new connections all go to web2" "10" "$(printf '%s\n' "$A" | grep -c '^web2 ')"
OUT=$("$VPCLAB" lb "$LAB" web-nlb 2>&1)
check_match "lb shows web1 unhealthy with its reason" "web1 +80 +a +unhealthy +Target\.(FailedHealthChecks|Timeout)" "$OUT"

# the server comes back: healthy after 2 passing checks
on_bg web1 $SRV web1 80 81 >"$T/web1.again.log" 2>&1
healthy1() { is_state web-tg web1 healthy; }
if wait_for "web1 healthy again" 20 healthy1; then ok "web1 healthy again after its server restarted"
else not_ok "web1 healthy again within 20 s (state: $(state_of web-tg web1))"; fi
A=$(answers ext "$PUB_A" 80 20 2)
check_match "web1 answers again" "^web1 " "$A"

# both down: the group fails open, connections go to both and are refused there
pkill -f "$T/srv.py web1 "; pkill -f "$T/srv.py web2 "
both_unhealthy() { is_state web-tg web1 unhealthy && is_state web-tg web2 unhealthy; }
wait_for "both unhealthy" 25 both_unhealthy && ok "both targets unhealthy" || not_ok "both unhealthy (web1 $(state_of web-tg web1), web2 $(state_of web-tg web2))"
SYNS="tcp[tcpflags] & tcp-syn != 0 and src host 198.51.100.10 and dst port 80"
for n in web1 web2; do
	on_bg "$n" timeout 15 tcpdump -l -n -i eth0 "$SYNS" >"$T/syn.$n" 2>"$T/syn.$n.err"
done
for n in web1 web2; do wait_for "tcpdump in $n" 5 grep -qs "listening on" "$T/syn.$n.err"; done
A=$(answers ext "$PUB_A" 80 12 2)
check "fail open: every connection refused by a target (not dropped)" "12" "$(printf '%s\n' "$A" | grep -c '^refused$')"
syn_seen() { [ -s "$T/syn.web1" ] && [ -s "$T/syn.web2" ]; }
if wait_for "the SYNs at both targets" 3 syn_seen; then ok "fail open: the connections went to both targets"
else not_ok "fail open: SYNs seen at web1 $(wc -l <"$T/syn.web1"), web2 $(wc -l <"$T/syn.web2")"; fi

# ---------------------------------------------------------------- apply: targets added, removed
on_bg web1 $SRV web1 80 81 >/dev/null 2>&1
on_bg web2 $SRV web2 80 81 >/dev/null 2>&1
wait_for "both healthy again" 25 both_healthy
OUT=$("$VPCLAB" apply "$T/add.yaml" 2>&1); RC=$?
check_rc "apply adds web3 to web-tg" 0 $RC "$OUT"
S=$(state_of web-tg web3)
check_match "web3 starts initial (or already healthy)" "^(initial|healthy)$" "$S"
[ "$S" = initial ] && check "its reason" "Elb.InitialHealthChecking" "$(lb_get "t('web-tg', 'web3')['reason']")"
healthy3() { is_state web-tg web3 healthy; }
wait_for "web3 healthy" 20 healthy3 && ok "web3 healthy after apply" || not_ok "web3 healthy (state: $(state_of web-tg web3))"
A=$(answers ext "$PUB_A" 80 30 2)
check_match "web3 gets connections" "^web3 " "$A"

# connections held open across the removal: those on web2 go on while it drains
on_bg ext "$PY" -u "$T/hold.py" "$PUB_A" 80 16 "$T/go" >"$T/hold.out" 2>&1
wait_for "16 held connections" 10 grep -qs '^held' "$T/hold.out"
diag "$(head -n 1 "$T/hold.out")"
OUT=$("$VPCLAB" apply "$T/remove.yaml" 2>&1); RC=$?
check_rc "apply removes web2 from web-tg" 0 $RC "$OUT"
S=$(state_of web-tg web2)
check_match "web2 drains (deregistration_delay 5 s)" "^(draining|absent)$" "$S"
[ "$S" = draining ] && check "its reason" "Target.DeregistrationInProgress" "$(lb_get "t('web-tg', 'web2')['reason']")"
touch "$T/go"
wait_for "the held connections to answer" 10 lines_ge "$T/hold.out" 17
if head -n 1 "$T/hold.out" | grep -q ' web2'; then
	check "web2's connections held open go on while it drains" "0" "$(grep -c '^web2 lost' "$T/hold.out")"
	check_match "and they answer" "^web2 ok$" "$(cat "$T/hold.out")"
else not_ok "no held connection landed on web2 (of 16): $(head -n 1 "$T/hold.out")"; fi
check "the other targets' held connections go on too" "0" "$(grep -c ' lost$' "$T/hold.out")"
A=$(answers ext "$PUB_A" 80 20 2)
check_nomatch "no new connection goes to web2" "^web2 " "$A"
gone2() { S=$(state_of web-tg web2); [ "$S" = absent ] || [ "$S" = unused ]; }
wait_for "web2 deregistered" 15 gone2 && ok "web2 deregistered after its delay" || not_ok "web2 deregistered (state: $(state_of web-tg web2))"

# ---------------------------------------------------------------- `vpclab test`: to a load balancer
# Listener 8080 -> targets' port 9000 (the probe listens there), the node's address as source
# (preserve_client_ip false), a port without listener denied. No `run`: nothing answers the
# health checks, so the group fails open and the probe's flow still reaches a target. The
# targets admit the node's subnet only: the node is the source they see.
cat >"$T/checks.yaml" <<EOF2
name: ${LAB}c
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    internet_gateway: true
    subnets:
      - { name: pub-a, cidr: 10.0.1.0/24, az: a, route_table: public }
      - { name: priv-a, cidr: 10.0.11.0/24, az: a }
    route_tables:
      - { name: public, routes: [ { destination: 0.0.0.0/0, target: igw } ] }
    security_groups:
      - { name: app, inbound: [ { protocol: tcp, ports: 9000, cidr: 10.0.1.0/24 } ] }   # the node
    instances:
      - { name: app1, subnet: priv-a, security_groups: [app] }
      - { name: app2, subnet: priv-a, security_groups: [app] }
    target_groups:
      - { name: app-tg, protocol: tcp, port: 9000, targets: [app1, app2], preserve_client_ip: false }
    load_balancers:
      - name: app-nlb
        type: network
        scheme: internet-facing
        subnets: [ { subnet: pub-a, ip: 10.0.1.50 } ]
        listeners: [ { protocol: tcp, port: 8080, forward: app-tg } ]
internet:
  hosts: [ { name: ext, ip: 198.51.100.10 } ]
checks:
  - { from: ext, to: app-nlb, protocol: tcp, port: 8080, expect: allow, seen_as: 10.0.1.50 }
  - { from: app1, to: app-nlb, protocol: tcp, port: 8080, expect: allow, seen_as: 10.0.1.50 }
  - { from: ext, to: app-nlb, protocol: tcp, port: 9000, expect: deny }
EOF2
LABS+=("${LAB}c")
OUT=$(timeout 60 "$VPCLAB" test "$T/checks.yaml" 2>&1); RC=$?
check_rc "vpclab test with checks to a load balancer" 0 $RC "$(printf '%s' "$OUT" | tail -n 5 | tr '\n' '|')"
check "all three pass" "3 passed, 0 failed" "$(printf '%s\n' "$OUT" | tail -n 1)"
check_nomatch "trace and traffic agree" "INTERNAL ERROR" "$OUT"
