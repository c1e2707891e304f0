#!/usr/bin/env bash
# A SYN flood and connection churn against a small connection pool (VPCLAB_CT_LIMIT=100,
# dataplane/ct.h). Three flooders' subnet ACL drops the target's SYN-ACKs, so their kernels
# never reset them: every flood flow stays half-open at both ends, as with a real attacker.
# While they flood, a client still makes 16 connections to the same port (at least 15 must succeed: under
# pressure half-open entries are evicted first); a refused connection (RST) holds no entry; 500
# short connections in a row (each closed properly) never hit ct_full although the pool holds
# fewer than 500 entries (finished flows are evicted first); a flood at a denied port leaves no
# entry at the target. Floods are bounded in count and time, and stay inside the lab.
TID=ctsyn; . "$(dirname "$0")/lib.sh"

LIMIT=100
cat >"$T/lab.yaml" <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    subnets:
      - { name: atk, cidr: 10.0.1.0/24, network_acl: noreply }
      - { name: srv, cidr: 10.0.2.0/24 }
      - { name: cli, cidr: 10.0.3.0/24 }
    network_acls:
      - name: noreply                   # the target's answers never reach the flooder
        inbound:
          - { rule: 100, action: deny,  protocol: tcp, cidr: 10.0.2.0/24 }
          - { rule: 200, action: allow, protocol: all, cidr: 0.0.0.0/0 }
        outbound:
          - { rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0 }
    security_groups:
      - name: web
        inbound:
          - { protocol: tcp, ports: 8080-8081, cidr: 10.0.0.0/16 }
      - name: quiet                     # nothing inbound, everything outbound
    instances:
      - { name: flooder, subnet: atk, ip: 10.0.1.10, security_groups: [quiet] }
      - { name: flood2, subnet: atk, ip: 10.0.1.11, security_groups: [quiet] }
      - { name: flood3, subnet: atk, ip: 10.0.1.12, security_groups: [quiet] }
      - { name: target, subnet: srv, ip: 10.0.2.20, security_groups: [web] }
      - { name: client, subnet: cli, ip: 10.0.3.30, security_groups: [quiet] }
EOF
export VPCLAB_CT_LIMIT=$LIMIT
lab_up "$T/lab.yaml"
unset VPCLAB_CT_LIMIT

# the target's service: answers each connection with one byte, then closes (bounded in time)
on_bg target timeout 120 "$PY" -c '
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 8080))
s.listen(1024)
while True:
    c, _ = s.accept()
    c.settimeout(2)
    try:
        c.recv(16)
        c.sendall(b"y")
    except OSError:
        pass
    c.close()
'
_wait_listen "$LAB-target" tcp 8080 || not_ok "the service listens on target:8080"

# connects N [PORT]: N connections from the client one after another (each: send, half-close,
# read the answer to its end, close); prints how many got their answer. It gives up after 10
# failures in a row (a full table would only cost 2 s each).
connects() {
	on client timeout 120 "$PY" -c '
import socket, sys
n, port, ok, bad = int(sys.argv[1]), int(sys.argv[2]), 0, 0
for i in range(n):
    if bad >= 10:
        break
    try:
        s = socket.create_connection(("10.0.2.20", port), timeout=2)
        s.settimeout(2)
        s.sendall(b"x")
        s.shutdown(socket.SHUT_WR)
        got = b""
        while True:
            d = s.recv(16)
            if not d:
                break
            got += d
        s.close()
        ok += got == b"y"
        bad = 0 if got == b"y" else bad + 1
    except OSError:
        bad += 1
print(ok)
' "$1" "${2:-8080}"
}

diag "a refused connection (RST) gives its entries back at once"
conns0=$(status_get "$LAB" port.client.connections)
refused=$(on client timeout 30 "$PY" -c '
import socket
n = 0
for i in range(20):
    try:
        socket.create_connection(("10.0.2.20", 8081), timeout=2).close()
    except ConnectionRefusedError:
        n += 1
    except OSError:
        pass
print(n)
')
check "20 connections to a closed allowed port are refused" 20 "$refused"
check_same "... and the client's table holds none of them" "$conns0" "$(status_get "$LAB" port.client.connections)"

# syn_flood_on NAME IP DPORT COUNT SECONDS STOPFILE PROGRESS: raw SYNs from NAME (address IP)
# from random source ports (no answer ever reaches it), at most COUNT of them and for at most
# SECONDS, until STOPFILE exists; PROGRESS (a file, or -) gets the number sent so far every 500
syn_flood() { syn_flood_on flooder 10.0.1.10 "$@"; }
syn_flood_on() {
	local who=$1 src=$2; shift 2
	on $who timeout 60 "$PY" -c '
import os, random, socket, struct, sys, time
dport, n, secs, stop = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
prog = sys.argv[5] if sys.argv[5] != "-" else None
src, dst = socket.inet_aton(sys.argv[6]), socket.inet_aton("10.0.2.20")
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
def csum(b):
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    t = (t >> 16) + (t & 0xffff)
    return ~(t + (t >> 16)) & 0xffff
rng, sent, end = random.Random(), 0, time.time() + secs
while sent < n and time.time() < end and not os.path.exists(stop):
    h = struct.pack("!HHIIBBHHH", rng.randint(1024, 65535), dport, rng.getrandbits(32), 0,
                    5 << 4, 0x02, 64240, 0, 0)
    c = csum(src + dst + struct.pack("!BBH", 0, 6, len(h)) + h)
    s.sendto(h[:16] + struct.pack("!H", c) + h[18:], ("10.0.2.20", 0))
    sent += 1
    if sent % 50 == 0:
        time.sleep(0.01)   # a rate cap (about 5,000 SYNs/s), not a wait for anything
    if prog and sent % 500 == 0:
        with open(prog + ".tmp", "w") as f:
            f.write("%d\n" % sent)
        os.rename(prog + ".tmp", prog)
print(sent)
' "$@" "$src"
}

diag "a SYN flood from three instances at the target's open port; the client connects during it"
stop="$T/stop"
syn_flood_on flood2 10.0.1.11 8080 100000 30 "$stop" - >/dev/null &
BG_PIDS+=($!)
syn_flood_on flood3 10.0.1.12 8080 100000 30 "$stop" - >/dev/null &
BG_PIDS+=($!)
syn_flood 8080 100000 30 "$stop" "$T/flood.progress" >"$T/flood.sent" &
FLOOD_PID=$!; BG_PIDS+=("$FLOOD_PID")
# the flood is well under way (2,000 SYNs, ten times what the pool holds) and has reached the
# pool: the flooder's half-open flows fill its share at the target
flood_sent_ge() { [ "$(cat "$T/flood.progress" 2>/dev/null || echo 0)" -ge "$1" ]; }
wait_for "2000 SYNs sent" 15 flood_sent_ge 2000
wait_for "the flood's entries at the target" 15 counter_ge "$LAB" port.target.connections $((LIMIT / 5))
during=$(connects 16)
alive=no; pid_alive "$FLOOD_PID" && alive=yes
touch "$stop"; wait "$FLOOD_PID" 2>/dev/null
diag "the flood sent $(cat "$T/flood.sent" 2>/dev/null) SYNs; still running while the client connected: $alive"
check "the flood was still going while the client connected" yes "$alive"
if [[ "$during" =~ ^[0-9]+$ ]] && [ "$during" -ge 15 ]; then ok "legitimate connects during the flood: $during of 16"
else not_ok "legitimate connects during the flood: at least 15 of 16 (got $during)"; fi
{ read -r fc; read -r fe; } < <(status_get "$LAB" port.flooder.connections port.flooder.ct_evicted)
if [[ "$fc" =~ ^[0-9]+$ ]] && [ "$fc" -le $((LIMIT / 4)) ]; then ok "the flooder holds at most its share ($fc flows)"
else not_ok "the flooder holds at most its share (expected <= $((LIMIT / 4)), got $fc)"; fi
if [[ "$fe" =~ ^[0-9]+$ ]] && [ "$fe" -gt 0 ]; then ok "the flood recycled its own half-open entries (ct_evicted $fe)"
else not_ok "the flood's half-open entries were evicted (expected ct_evicted > 0, got $fe)"; fi

diag "churn: 500 short connections in a row through a pool of $LIMIT entries"
full0=$(status_get "$LAB" port.client.ct_full)
churn=$(connects 500)
check "500 connections one after another all answered" 500 "$churn"
check_same "none of them hit ct_full" "$full0" "$(status_get "$LAB" port.client.ct_full)"

diag "a flood at a port the target does not open leaves no entry there"
{ read -r t0; read -r d0; } < <(status_get "$LAB" port.target.connections drops.sg_ingress)
rm -f "$stop"
sent=$(syn_flood 9999 2000 10 "$stop" -)
# the flooder's own table is full of half-open flows: its new ones replace them, and are judged
if wait_for "2000 more sg_ingress drops" 10 counter_ge "$LAB" drops.sg_ingress $((d0 + 2000)); then
	ok "the flooder's new flows are not locked out by its own half-open ones (2000 judged at the target)"
else not_ok "the flooder's new flows reach the target's group (expected 2000 more sg_ingress drops, got $(($(drops sg_ingress) - d0)))"; fi
t1=$(status_get "$LAB" port.target.connections)
if [[ "$t0" =~ ^[0-9]+$ && "$t1" =~ ^[0-9]+$ ]] && [ "$t1" -le "$t0" ]; then
	ok "denied SYNs ($sent sent) create no entry at the target ($t0 -> $t1)"
else not_ok "denied SYNs create no entry at the target (expected <= $t0, got $t1)"; fi
tcp_ok client target 8081
