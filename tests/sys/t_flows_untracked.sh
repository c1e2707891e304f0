#!/usr/bin/env bash
# `vpclab flows` tells the flows AWS would not track (reference 4.4) from the others, on real
# held TCP connections. web's group is AWS's example: inbound tcp 22 from admin's /32, tcp 80
# from 0.0.0.0/0, outbound all to 0.0.0.0/0:
#   - admin -> web:22 (SSH-like, /32 rule): "tracked": true;
#   - client -> web:80 (HTTP-like, 0.0.0.0/0 rule, outbound open): "tracked": false, and the
#     text form marks it "untracked" (and says so in the interface's line);
#   - web -> client:8080 (outbound 0/0, inbound not open for the replies): tracked;
#   - open (a group open both ways) -> client:8080 through the internet gateway: untracked, but
#     app (the same group) -> client:8080 through NAT gateway nat: tracked (AWS always tracks
#     flows through a NAT gateway).
TID=funtr; . "$(dirname "$0")/lib.sh"

cat >"$T/lab.yaml" <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.7.0.0/16
    internet_gateway: true
    subnets:
      - { name: pub, cidr: 10.7.0.0/24, route_table: pub }
      - { name: priv, cidr: 10.7.1.0/24, route_table: priv }
    route_tables:
      - name: pub
        routes:
          - { destination: 0.0.0.0/0, target: igw }
      - name: priv
        routes:
          - { destination: 0.0.0.0/0, target: nat }
    security_groups:
      - name: web
        inbound:
          - { protocol: tcp, ports: 22, cidr: 198.51.100.11/32 }
          - { protocol: tcp, ports: 80, cidr: 0.0.0.0/0 }
          - { protocol: icmp, cidr: 0.0.0.0/0 }
        outbound:
          - { protocol: all, cidr: 0.0.0.0/0 }
      - name: open
        inbound:
          - { protocol: all, cidr: 0.0.0.0/0 }
        outbound:
          - { protocol: all, cidr: 0.0.0.0/0 }
    nat_gateways:
      - { name: nat, subnet: pub, ip: 10.7.0.5, elastic_ip: nat-eip }
    instances:
      - { name: web, subnet: pub, ip: 10.7.0.10, security_groups: [web] }
      - { name: open, subnet: pub, ip: 10.7.0.11, security_groups: [open] }
      - { name: app, subnet: priv, ip: 10.7.1.10, security_groups: [open] }
elastic_ips:
  - { name: nat-eip, ip: 203.0.113.70 }
  - { name: web-eip, ip: 203.0.113.71, instance: web }
  - { name: open-eip, ip: 203.0.113.72, instance: open }
internet:
  hosts:
    - { name: admin, ip: 198.51.100.11 }
    - { name: client, ip: 198.51.100.12 }
EOF
lab_up "$T/lab.yaml"

cat >"$T/hold.py" <<'PYEOF'
# hold.py server PORT SECS            accept connections, hold each SECS
# hold.py client IP PORT SPORT SECS   connect from SPORT, send 10 bytes, hold SECS, close
import socket, sys, threading, time
if sys.argv[1] == "server":
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", int(sys.argv[2]))); s.listen(8); s.settimeout(10)
    def hold(c):
        time.sleep(float(sys.argv[3])); c.close()
    end = time.time() + 10
    while time.time() < end:
        try:
            c, a = s.accept()
        except OSError:
            break
        print("%s %d" % a, flush=True)
        threading.Thread(target=hold, args=(c,), daemon=True).start()
else:
    c = socket.socket(); c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    c.bind(("0.0.0.0", int(sys.argv[4]))); c.settimeout(5)
    c.connect((sys.argv[2], int(sys.argv[3])))
    c.sendall(b"h" * 10)
    print("connected", flush=True)
    time.sleep(float(sys.argv[5]))
    c.close()
PYEOF

# flows_q EXPR: EXPR over d = `vpclab flows --json`; F(itf, from, to) = that interface's flow
flows_q() {
	timeout 10 "$VPCLAB" flows --lab "$LAB" --json 2>/dev/null >"$T/flows.json"
	"$PY" -c '
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception as e:
    print("no-json: %s" % e); sys.exit(0)
def F(n, a, b):
    i = next((i["flows"] for i in d["interfaces"] if i["name"] == n), [])
    return next((f for f in i if f["protocol"] == 6 and f["from"] == a and f["to"] == b), {})
try:
    print(eval(sys.argv[2]))
except Exception as e:
    print("eval-error: %s" % e)
' "$T/flows.json" "$1"
}

on_bg web "$PY" "$T/hold.py" server 22 8 >"$T/srv22.out"
on_bg web "$PY" "$T/hold.py" server 80 8 >"$T/srv80.out"
on_bg client "$PY" "$T/hold.py" server 8080 8 >"$T/srv8080.out"
_wait_listen "$LAB-web" tcp 22
_wait_listen "$LAB-web" tcp 80
_wait_listen "$LAB-client" tcp 8080
on_bg admin "$PY" "$T/hold.py" client 203.0.113.71 22 40022 8 >"$T/c1.out"
on_bg client "$PY" "$T/hold.py" client 203.0.113.71 80 40080 8 >"$T/c2.out"
on_bg web "$PY" "$T/hold.py" client 198.51.100.12 8080 40001 8 >"$T/c3.out"
on_bg open "$PY" "$T/hold.py" client 198.51.100.12 8080 40002 8 >"$T/c4.out"
on_bg app "$PY" "$T/hold.py" client 198.51.100.12 8080 40003 8 >"$T/c5.out"
all_connected() {
	local f
	for f in c1 c2 c3 c4 c5; do grep -qs connected "$T/$f.out" || return 1; done
}
wait_for "the five held connections" 6 all_connected
for f in c1 c2 c3 c4 c5; do check "connection $f established" connected "$(cat "$T/$f.out")"; done

check "admin -> web:22 (rule names admin's /32): tracked" True \
	"$(flows_q 'F("web", "198.51.100.11:40022", "10.7.0.10:22")["tracked"]')"
check "client -> web:80 (rule names 0.0.0.0/0, outbound open): untracked" False \
	"$(flows_q 'F("web", "198.51.100.12:40080", "10.7.0.10:80")["tracked"]')"
check "the HTTP flow keeps its other keys (ESTABLISHED, admitted by ingress)" "ESTABLISHED ingress" \
	"$(flows_q 'F("web", "198.51.100.12:40080", "10.7.0.10:80")["state"] + " " + F("web", "198.51.100.12:40080", "10.7.0.10:80")["admitted_by"]')"
check "tracked is the last key of a flow" tracked \
	"$(flows_q 'list(F("web", "198.51.100.12:40080", "10.7.0.10:80"))[-1]')"
check "web -> client:8080 (inbound not open for its replies): tracked" True \
	"$(flows_q 'F("web", "10.7.0.10:40001", "198.51.100.12:8080")["tracked"]')"
check "open -> client:8080 through the internet gateway (open both ways): untracked" False \
	"$(flows_q 'F("open", "10.7.0.11:40002", "198.51.100.12:8080")["tracked"]')"
check "app -> client:8080 through NAT gateway nat (same group): tracked" True \
	"$(flows_q 'F("app", "10.7.1.10:40003", "198.51.100.12:8080")["tracked"]')"

txt=$(timeout 10 "$VPCLAB" flows --lab "$LAB" 2>&1)
check_match "text: the HTTP flow is marked untracked" \
	'198\.51\.100\.12:40080 +-> 10\.7\.0\.10:80 .*untracked$' "$txt"
check_nomatch "text: the SSH flow is not" '198\.51\.100\.11:40022 .*untracked' "$txt"
check_match "text: web's line counts its untracked flow" '^web: 3 connections \(1 untracked\)$' "$txt"
check_match "text: app's line says all its connections are tracked" '^app: 1 tracked connection$' "$txt"
