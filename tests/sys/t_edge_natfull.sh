#!/usr/bin/env bash
# NAT port exhaustion toward one destination (issue 9). With the NAT gateway's ports narrowed to
# 100 (VPCLAB_NAT_PORTS=20000-20099, a knob for tests), priv fills ext:7000/udp with 100 flows;
# a retried flow to it (200 datagrams) is refused every time: ErrorPortAllocation counts each
# one, the drop is nat_port_alloc, ext sees exactly the 100. Meanwhile priv2's ping to web (a
# third instance) keeps working, and priv itself still reaches other destinations through the
# same gateway (ext:7001/udp, ext2/tcp, a ping). With the lab's limit at 120 translations
# (VPCLAB_NAT_LIMIT), new flows past it are dropped nat_full, not counted as ErrorPortAllocation.
# `up` refuses knobs out of range.
TID=enfull; . "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/edge_lib.sh"

cat >"$T/lab.yaml" <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    internet_gateway: true
    subnets:
      - { name: public, cidr: 10.0.0.0/24, route_table: public }
      - { name: private, cidr: 10.0.1.0/24, route_table: private }
    route_tables:
      - name: public
        routes:
          - { destination: 0.0.0.0/0, target: igw }
      - name: private
        routes:
          - { destination: 0.0.0.0/0, target: nat }
    nat_gateways:
      - { name: nat, subnet: public, elastic_ip: nat-eip }
    instances:
      - { name: priv, subnet: private, ip: 10.0.1.10 }
      - { name: priv2, subnet: private, ip: 10.0.1.11 }
      - { name: web, subnet: private, ip: 10.0.1.12 }
elastic_ips:
  - { name: nat-eip, ip: 203.0.113.20 }
internet:
  hosts:
    - { name: ext, ip: 198.51.100.10 }
    - { name: ext2, ip: 198.51.100.20 }
EOF

out=$(VPCLAB_NAT_PORTS=100-200 timeout 30 "$VPCLAB" up "$T/lab.yaml" 2>&1); rc=$?
LABS+=("$LAB")
if [ "$rc" -ne 0 ]; then ok "up refuses VPCLAB_NAT_PORTS below 1024 (exit $rc)"
else not_ok "up refuses VPCLAB_NAT_PORTS below 1024 (got exit 0)"; lab_down >/dev/null 2>&1; fi
check_match "... and names it" "VPCLAB_NAT_PORTS" "$out"
out=$(VPCLAB_NAT_LIMIT=0 timeout 30 "$VPCLAB" up "$T/lab.yaml" 2>&1); rc=$?
if [ "$rc" -ne 0 ]; then ok "up refuses VPCLAB_NAT_LIMIT=0 (exit $rc)"
else not_ok "up refuses VPCLAB_NAT_LIMIT=0 (got exit 0)"; lab_down >/dev/null 2>&1; fi
check_match "... and names it" "VPCLAB_NAT_LIMIT" "$out"

export VPCLAB_NAT_PORTS=20000-20099 VPCLAB_NAT_LIMIT=120
lab_up "$T/lab.yaml"
unset VPCLAB_NAT_PORTS VPCLAB_NAT_LIMIT

cat >"$T/fill.py" <<'EOF'
# fill.py IP PORT N RETRIES: N UDP flows (one socket each) to IP:PORT, each until its echo
# comes back (3 rounds at most); prints "filled=K". Then one more flow sends RETRIES datagrams
# 5 ms apart and prints "answered=A" (how many came back).
import select, socket, sys, time
ip, port, n, retries = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
socks = []
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.setblocking(False)
    s.connect((ip, port)); socks.append(s)
got = set()
for attempt in range(3):
    for i, s in enumerate(socks):
        if i not in got: s.send(b"f%d" % i)
    end = time.time() + 2
    while len(got) < n and time.time() < end:
        r, _, _ = select.select(socks, [], [], 0.3)
        for s in r:
            try: got.add(int(s.recv(100)[1:]))
            except (OSError, ValueError): pass
    if len(got) == n: break
print("filled=%d" % len(got), flush=True)
x = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); x.setblocking(False)
x.connect((ip, port))
answered = 0
for i in range(retries):
    x.send(b"r%d" % i)
    time.sleep(0.005)
    try:
        while x.recv(100): answered += 1
    except OSError: pass
r, _, _ = select.select([x], [], [], 0.5)
if r: answered += 1
print("answered=%d" % answered, flush=True)
EOF

edge_bg "$T/echo.log" ext udp-echo 7000 60
_wait_listen "$LAB-ext" udp 7000 || not_ok "udp-echo listens on ext:7000"
# the unrelated ping runs while priv fills the destination and retries
on priv2 ping -n -c 50 -i 0.02 -W 1 10.0.1.12 >"$T/ping.log" 2>&1 &
ping_pid=$!
fill=$(on priv "$PY" "$T/fill.py" 198.51.100.10 7000 100 200)
wait "$ping_pid"
check "priv fills ext:7000/udp: 100 flows, each answered" "filled=100" "$(echo "$fill" | head -n 1)"
check "a retried flow to the full destination is never answered" "answered=0" "$(echo "$fill" | sed -n 2p)"
check_match "priv2's ping to web (a third instance) during the retries: no loss" " 0% packet loss" "$(cat "$T/ping.log")"

wait_for "ErrorPortAllocation 200" 5 eval '[ "$(nat_get "$LAB" nat ErrorPortAllocation)" -ge 200 ] 2>/dev/null'
{ read -r epa; read -r ntr; read -r nports; read -r pdc; } < <(nat_get "$LAB" nat \
	ErrorPortAllocation translations nat_ports PacketsDropCount)
check "ErrorPortAllocation counts every refused datagram" 200 "$epa"
check "PacketsDropCount too" 200 "$pdc"
check "100 translations, one per port of the range" 100 "$ntr"
check "100 distinct NAT ports" 100 "$nports"
ports_ok=$(timeout 10 "$VPCLAB" nat nat --lab "$LAB" --json | "$PY" -c '
import json, sys
tr = json.load(sys.stdin)["nat_gateways"][0]["translations"]
print(len(tr) > 0 and all(20000 <= t["nat_port"] <= 20099 for t in tr))')
check "every NAT port is in the narrowed range 20000-20099" True "$ports_ok"
check "status: dropped nat_port_alloc 200" 200 "$(drops nat_port_alloc)"
check "ext saw exactly 100 peers, all from the NAT's elastic IP" "100 203.0.113.20" \
	"$(awk '/^peer /{print $2}' "$T/echo.log" | sort | uniq -c | awk '{print $1, $2}' | tr '\n' ' ' | sed 's/ $//')"

diag "the full destination is one of many: the gateway still serves the others"
check_seen "another port of the same host" udp priv ext 198.51.100.10 203.0.113.20 7001
check_seen "another host" tcp priv ext2 198.51.100.20 203.0.113.20 7002
ping_ok priv 198.51.100.10
ping_ok priv2 10.0.1.12
check "ErrorPortAllocation did not move" 200 "$(nat_get "$LAB" nat ErrorPortAllocation)"

diag "the lab's limit: 120 translations for all destinations"
edge_bg "$T/echo2.log" ext udp-echo 7004 30
_wait_listen "$LAB-ext" udp 7004 || not_ok "udp-echo listens on ext:7004"
before=$(nat_get "$LAB" nat translations)
fill=$(on priv "$PY" "$T/fill.py" 198.51.100.10 7004 30 0)
check "30 new flows to ext:7004: as many answered as the limit leaves room for" \
	"filled=$((120 - before))" "$(echo "$fill" | head -n 1)"
check "translations at the limit" 120 "$(nat_get "$LAB" nat translations)"
nf=$(drops nat_full)
if [[ "$nf" =~ ^[0-9]+$ ]] && [ "$nf" -ge $((30 - 120 + before)) ]; then ok "status: dropped nat_full ($nf)"
else not_ok "status: dropped nat_full >= $((30 - 120 + before)) (got '$nf')"; fi
check "ErrorPortAllocation still 200 (the limit is not a port shortage)" 200 "$(nat_get "$LAB" nat ErrorPortAllocation)"
