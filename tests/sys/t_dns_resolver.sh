#!/usr/bin/env bash
# The lab's resolver (issue 12): LAB-amazon-dns holds 192.0.2.53 and, by a local route,
# 169.254.253.0/24; it answers UDP and TCP (dig, kdig) per the address asked, never an address of
# no VPC, survives garbage, bounds TCP connections, learns an apply at once, goes with the lab.
# Through the data plane: from instances (base+2, .253) and internet hosts (192.0.2.53); once
# `up` serves hosted zones: a failover by a Route 53 check of a private address.
TID=dnsrs; . "$(dirname "$0")/lib.sh"

RNS="$LAB-amazon-dns"
cat >"$T/lab.yaml" <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    internet_gateway: true
    subnets:
      - { name: pub, cidr: 10.0.1.0/24, route_table: public }
    route_tables:
      - { name: public, routes: [ { destination: 0.0.0.0/0, target: igw } ] }
    instances:
      - { name: web, subnet: pub, ip: 10.0.1.10, public_ip: true }
      - { name: db, subnet: pub, ip: 10.0.1.20 }
  - name: other
    cidr: 10.1.0.0/16
    subnets:
      - { name: o, cidr: 10.1.1.0/24 }
    instances:
      - { name: far, subnet: o, ip: 10.1.1.10 }
internet:
  hosts:
    - { name: ext, ip: 198.51.100.70 }
EOF
lab_up "$T/lab.yaml"
wait_for "the resolver's UDP socket" 5 listening "$RNS" udp 53 || true
wait_for "the resolver's TCP socket" 5 listening "$RNS" tcp 53 || true
PUB=$("$VPCLAB" status "$LAB" | awk '$1 == "web" { print $7 }')
PUBNAME="ec2-${PUB//./-}.compute-1.amazonaws.com"

check "its namespace holds 192.0.2.53/32 on eth0" "192.0.2.53/32" \
	"$(ip -n "$RNS" -4 -o addr show dev eth0 | awk '{print $4}')"
check_match "169.254.253.0/24 is local there (on lo)" "^local 169\.254\.253\.0/24 dev lo" \
	"$(ip -n "$RNS" route show table local)"

# dig/kdig inside the resolver's namespace: the query goes to the address itself, no data plane
q() { ip netns exec "$RNS" dig +short +time=2 +tries=1 "$@" 2>&1; }
st() { ip netns exec "$RNS" dig +time=2 +tries=1 "$@" 2>&1 | sed -n 's/.*status: \([A-Z]*\).*/\1/p'; }
V0=169.254.253.2; V0L=169.254.253.3; V1=169.254.253.4
check "UDP, VPC main at base+2: a private name" "10.0.1.10" "$(q @$V0 ip-10-0-1-10.ec2.internal)"
check "UDP, VPC main at .253: a short name" "10.0.1.20" "$(q @$V0L db)"
check "UDP: PTR of a private address" "ip-10-0-1-10.ec2.internal." "$(q @$V0 -x 10.0.1.10)"
check "UDP: the public name inside the VPC is the private address" "10.0.1.10" "$(q @$V0 "$PUBNAME")"
check "UDP: the internet view (192.0.2.53) gets the public address" "$PUB" "$(q @192.0.2.53 "$PUBNAME")"
check "the internet view has no private names" "NXDOMAIN" "$(st @192.0.2.53 ip-10-0-1-10.ec2.internal)"
check "VPC other does not see main's private names" "NXDOMAIN" "$(st @$V1 ip-10-0-1-10.ec2.internal)"
check "VPC other: its own instance" "10.1.1.10" "$(q @$V1 far)"
check "unknown names: NXDOMAIN" "NXDOMAIN" "$(st @$V0 nothing.example.com)"
check "TCP (kdig): a private name" "10.0.1.20" \
	"$(ip netns exec "$RNS" kdig +short +tcp +timeout=2 +retry=0 @$V0 ip-10-0-1-20.ec2.internal)"
check "TCP (dig)" "10.0.1.10" "$(q +tcp @$V0 web)"
check_match "an address that stands for no VPC answers nothing" "timed out|no servers" "$(q @169.254.253.9 web)"

# --- TCP: two queries on one connection, in order; garbage and bounds
cat >"$T/dnsc.py" <<'EOF'
import os, random, socket, struct, sys, time
def query(name, qid):
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for part in name.split("."):
        q += bytes([len(part)]) + part.encode()
    return q + b"\x00" + struct.pack("!HH", 1, 1)
def read_msg(s):
    hdr = b""
    while len(hdr) < 2:
        b = s.recv(2 - len(hdr))
        if not b: return None
        hdr += b
    n = struct.unpack("!H", hdr)[0]; body = b""
    while len(body) < n:
        b = s.recv(n - len(body))
        if not b: return None
        body += b
    return body
dst, what = sys.argv[1], sys.argv[2]
if what == "pipeline":
    s = socket.create_connection((dst, 53), timeout=3)
    a, b = query("web", 7), query("db", 9)
    s.sendall(struct.pack("!H", len(a)) + a + struct.pack("!H", len(b)) + b)
    ids = [struct.unpack("!H", read_msg(s)[:2])[0] for _ in range(2)]
    print(" ".join(map(str, ids)))
elif what == "garbage":
    random.seed(7)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i in range(400):
        n = random.choice([0, 1, 11, 12, 13, 40, 300, 1400])
        d = bytes(random.getrandbits(8) for _ in range(n))
        if n >= 12 and i % 2: d = d[:2] + b"\x01\x00" + d[4:]
        u.sendto(d, (dst, 53))
    for i in range(40):
        try:
            t = socket.create_connection((dst, 53), timeout=2)
            t.sendall([b"\x00\x00", b"\xff\xff" + os.urandom(64), b"\x00\x10" + os.urandom(16),
                       os.urandom(1)][i % 4])
            t.close()
        except OSError:
            pass
    print("sent")
elif what == "conns":
    import select
    held = [socket.create_connection((dst, 53), timeout=3) for i in range(80)]
    # those the server closed at accept read EOF at once; the others stay silent (idle
    # timeout: 10 s, far off)
    closed, end = set(), time.time() + 1.5
    while time.time() < end:
        r, _, _ = select.select([s for s in held if s not in closed], [], [], 0.2)
        for s in r:
            try:
                if s.recv(1) == b"": closed.add(s)
            except OSError:
                closed.add(s)
    print(len(closed))
EOF
check "TCP: two queries on one connection, answered in order" "7 9" \
	"$(ip netns exec "$RNS" timeout 10 "$PY" "$T/dnsc.py" $V0 pipeline 2>&1)"
PID=$(status_get "$LAB" pid)
MAL0=$(counter resolver.malformed)
check "garbage over UDP and TCP sent" "sent" "$(ip netns exec "$RNS" timeout 30 "$PY" "$T/dnsc.py" $V0 garbage 2>&1)"
check "after garbage: the router runs" "0" "$(kill -0 "$PID" 2>/dev/null; echo $?)"
check "after garbage: it still answers" "10.0.1.10" "$(q @$V0 web)"
check_grew "status: the resolver counts malformed queries" "$MAL0" "$(counter resolver.malformed)"
check "80 idle TCP connections: those past 64 are closed at once" "16" \
	"$(ip netns exec "$RNS" timeout 20 "$PY" "$T/dnsc.py" $V0 conns 2>&1)"
check "then a new connection is served" "10.0.1.20" "$(q +tcp @$V0 db)"
check "status: the connections refused at accept" "16" "$(counter resolver.tcp_refused)"

# --- apply: a new instance answers at once; a removed one is gone
sed 's|      - { name: db, subnet: pub, ip: 10.0.1.20 }|      - { name: cache, subnet: pub, ip: 10.0.1.30 }|' \
	"$T/lab.yaml" >"$T/lab2.yaml"
OUT=$("$VPCLAB" apply "$T/lab2.yaml" 2>&1); RC=$?
check_rc "apply: db replaced by cache" 0 $RC "$OUT"
check "the added instance's name answers at once" "10.0.1.30" "$(q @$V0 cache)"
check "the removed instance's name is gone" "NXDOMAIN" "$(st @$V0 db)"
check "the removed instance's private name is gone" "NXDOMAIN" "$(st @$V0 ip-10-0-1-20.ec2.internal)"

# --- through the data plane: from an instance (base+2, .253) and an internet host
check "instance web asks base+2" "10.0.1.30" "$(on web dig +short +time=2 +tries=1 @10.0.0.2 ip-10-0-1-30.ec2.internal)"
check "instance web asks 169.254.169.253 over TCP" "10.0.1.30" \
	"$(on web kdig +short +tcp +timeout=2 +retry=0 @169.254.169.253 cache)"
check "instance far (VPC other) asks its base+2" "10.1.1.10" "$(on far dig +short +time=2 +tries=1 @10.1.0.2 far)"
check "an internet host asks 192.0.2.53" "$PUB" "$(on ext dig +short +time=2 +tries=1 @192.0.2.53 "$PUBNAME")"
check "an internet host over TCP" "$PUB" "$(on ext kdig +short +tcp +timeout=2 +retry=0 @192.0.2.53 "$PUBNAME")"

# --- capture --stage dns:VPC: the query before and after its rewrite, the answer too (one VPC only)
"$VPCLAB" capture --stage dns:main -c 4 --seconds 10 --lab "$LAB" -w "$T/dns.pcapng" 2>"$T/dns.err" &
CAPPID=$!
for i in $(seq 1 100); do
	[ "$(stat -c %s "$T/dns.pcapng" 2>/dev/null || echo 0)" -ge 48 ] && break
	sleep 0.05
done
on far dig +short +time=2 +tries=1 @10.1.0.2 far >/dev/null   # VPC other: not in this capture
on web dig +short +time=2 +tries=1 @10.0.0.2 web >/dev/null
wait "$CAPPID"
DNSCAP=$(tcpdump -nr "$T/dns.pcapng" 2>/dev/null)
check "capture --stage dns:main: 4 packets" "4" "$(printf '%s\n' "$DNSCAP" | grep -c .)"
check "the query to base+2, then to the resolver's address for main" "10.0.0.2.53 169.254.253.2.53" \
	"$(printf '%s\n' "$DNSCAP" | grep -o '> [0-9.]*53:' | head -2 | tr -d '>:' | xargs)"
check "none of VPC other's query" "0" "$(printf '%s\n' "$DNSCAP" | grep -c '10\.1\.')"

# --- hosted zones and a failover by a Route 53 health check of a private address
cat >"$T/zones.yaml" <<EOF
name: ${PFX}dnsz
vpcs:
  - name: main
    cidr: 10.2.0.0/16
    subnets:
      - { name: a, cidr: 10.2.1.0/24 }
    security_groups:
      - { name: web, inbound: [ { protocol: tcp, ports: 80, cidr: 0.0.0.0/0 } ] }
    instances:
      - { name: app1, subnet: a, ip: 10.2.1.30, security_groups: [web], run: "exec $PY -m http.server 80" }
      - { name: app2, subnet: a, ip: 10.2.1.31 }
hosted_zones:
  - name: corp.internal
    vpcs: [main]
    records:
      - { name: app, type: A, failover: primary, values: [10.2.1.30], health_check: app-hc }
      - { name: app, type: A, failover: secondary, values: [10.2.1.31] }
health_checks:
  - { name: app-hc, ip: 10.2.1.30, port: 80, protocol: http, interval: 10, failure_threshold: 1 }
EOF
ZL="${PFX}dnsz"
OUT=$(timeout 30 "$VPCLAB" up "$T/zones.yaml" 2>&1); RC=$?
LABS+=("$ZL")
if [ $RC -ne 0 ] && printf '%s' "$OUT" | grep -q "not served yet"; then
	diag "up refuses hosted zones in this build: the failover part is not tested here"
else
	check_rc "up: a lab with a private zone and a health check" 0 $RC "$OUT"
	zq() { ip netns exec "$ZL-amazon-dns" dig +short +time=1 +tries=1 @169.254.253.2 app.corp.internal; }
	is() { [ "$(zq)" = "$1" ]; }
	if wait_for "the primary (its check passing)" 25 is 10.2.1.30; then ok "the primary while app1 answers"
	else not_ok "the primary while app1 answers (got $(zq))"; fi
	ip netns pids "$ZL-app1" | xargs -r kill
	if wait_for "the secondary" 25 is 10.2.1.31; then ok "the secondary once app1's check fails"
	else not_ok "the secondary once app1's check fails (got $(zq))"; fi
fi
timeout 20 "$VPCLAB" down "$ZL" >/dev/null 2>&1

# --- down: the resolver's namespace goes; nothing of it in the root namespace
lab_down >/dev/null 2>&1
check "no namespace of the lab is left" "" "$(ls /run/netns | grep "^$LAB-" | tr '\n' ' ')"
check "no 169.254.253.0/24 in the root namespace" "" "$(ip -4 route show table all | grep 169.254.253)"
