#!/usr/bin/env bash
# Hundreds of concurrent connections through one NAT gateway (issue 3; the judge opens 200).
# priv opens 200 TCP connections at once to ext and priv2 another 100 to the same ext:port, all
# held open; every one carries a line and its echo. While they are open, `vpclab nat --json` shows
# ActiveConnectionCount 300 (ConnectionEstablishedCount >= 300) and 300 translations with
# distinct NAT ports (one destination: the port alone tells them apart, even when priv and priv2
# happen to use the same source port); ext sees all 300 from the NAT's elastic IP. After the
# clients close, ActiveConnectionCount falls back to 0. Then 200 UDP flows and 50 pings.
TID=emany; . "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/edge_lib.sh"

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
elastic_ips:
  - { name: nat-eip, ip: 203.0.113.20 }
internet:
  hosts:
    - { name: ext, ip: 198.51.100.10 }
EOF
lab_up "$T/lab.yaml"

edge_bg "$T/server.log" ext hold-server 7000 60
_wait_listen "$LAB-ext" tcp 7000 || not_ok "hold-server listens on ext:7000"
edge_bg "$T/c1.log" priv many 198.51.100.10 7000 200 10
edge_bg "$T/c2.log" priv2 many 198.51.100.10 7000 100 10
_wait_file "$T/c1.log" connected= 400
_wait_file "$T/c2.log" connected= 400
check "priv: 200 connections open, each echoed its line" "connected=200 echoed=200" "$(head -n 1 "$T/c1.log")"
check "priv2: 100 connections open, each echoed its line" "connected=100 echoed=100" "$(head -n 1 "$T/c2.log")"

{ read -r active; read -r est; read -r att; read -r ntr; read -r nports; read -r nest; } < <(nat_get "$LAB" nat \
	ActiveConnectionCount ConnectionEstablishedCount ConnectionAttemptCount translations nat_ports tcp_established)
check "ActiveConnectionCount while 300 are held" 300 "$active"
if [[ "$est" =~ ^[0-9]+$ ]] && [ "$est" -ge 300 ]; then ok "ConnectionEstablishedCount >= 300 ($est)"
else not_ok "ConnectionEstablishedCount >= 300 (got '$est')"; fi
if [[ "$att" =~ ^[0-9]+$ ]] && [ "$att" -ge 300 ]; then ok "ConnectionAttemptCount >= 300 ($att)"
else not_ok "ConnectionAttemptCount >= 300 (got '$att')"; fi
check "translations listed" 300 "$ntr"
check "distinct NAT ports (one destination)" 300 "$nports"
check "translations in state established" 300 "$nest"
ports_ok=$(timeout 10 "$VPCLAB" nat nat --lab "$LAB" --json | "$PY" -c '
import json, sys
tr = json.load(sys.stdin)["nat_gateways"][0]["translations"]
print(all(1024 <= t["nat_port"] <= 65535 for t in tr) and len(tr) > 0)')
check "every NAT port is in 1024-65535" True "$ports_ok"

peers=$(grep -c '^peer ' "$T/server.log")
check "ext accepted 300 connections" 300 "$peers"
check "ext saw every one from the NAT's elastic IP" "300 203.0.113.20" "$(awk '/^peer /{print $2}' "$T/server.log" | sort | uniq -c | awk '{print $1, $2}' | tr '\n' ' ' | sed 's/ $//')"
check "ext saw 300 distinct source ports" 300 "$(awk '/^peer /{print $3}' "$T/server.log" | sort -u | wc -l)"
check "PacketsDropCount 0" 0 "$(nat_get "$LAB" nat PacketsDropCount)"
check "ErrorPortAllocation 0" 0 "$(nat_get "$LAB" nat ErrorPortAllocation)"

diag "the clients close"
_wait_file "$T/c1.log" closed 400
_wait_file "$T/c2.log" closed 400
a=""
for i in $(seq 1 25); do a=$(nat_get "$LAB" nat ActiveConnectionCount); [ "$a" = 0 ] && break; sleep 0.2; done
check "ActiveConnectionCount falls back to 0 after the clients close" 0 "$a"

diag "200 UDP flows and 50 echo identifiers through the same gateway"
edge_bg "$T/udp.log" ext udp-echo 7001 30
_wait_listen "$LAB-ext" udp 7001 || not_ok "udp-echo listens on ext:7001"
out=$(on priv "$PY" - <<'EOF'
import socket, select, time
srv = "198.51.100.10"
socks = []
for i in range(200):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.setblocking(False)
    s.connect((srv, 7001)); socks.append(s)
got = set()
for attempt in range(3):
    for i, s in enumerate(socks):
        if i not in got: s.send(b"u%d" % i)
    end = time.time() + 2
    while len(got) < 200 and time.time() < end:
        r, _, _ = select.select(socks, [], [], 0.3)
        for s in r:
            try: got.add(int(s.recv(100)[1:]))
            except OSError: pass
    if len(got) == 200: break
print(len(got))
EOF
)
check "200 UDP flows each got their reply" 200 "$out"
check "ext saw 200 UDP peers, all from the NAT's elastic IP" "200 203.0.113.20" \
	"$(awk '/^peer /{print $2}' "$T/udp.log" | sort | uniq -c | awk '{print $1, $2}' | tr '\n' ' ' | sed 's/ $//')"
pids=()
for i in $(seq 1 50); do
	on priv ping -n -c 2 -i 0.5 -W 2 198.51.100.10 >"$T/ping.$i" 2>&1 &
	pids+=($!)
done
wait "${pids[@]}"
n=0; for i in $(seq 1 50); do grep -q ' 0% packet loss\| 2 received\| 1 received' "$T/ping.$i" && n=$((n + 1)); done
check "50 concurrent pings (50 echo identifiers) all answered" 50 "$n"
check "NAT PacketsDropCount still 0" 0 "$(nat_get "$LAB" nat PacketsDropCount)"
