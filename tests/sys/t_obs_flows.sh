#!/usr/bin/env bash
# `vpclab flows`: tracked connections per interface and NAT translations, on real held
# connections of tests/golden/labs/obs.yaml:
#   - web:40200 -> app:5432 held open: listed on web (admitted by egress) and on app (admitted by
#     ingress), state ESTABLISHED, packet and byte counts of what was sent, idle time small;
#   - app:40201 -> ext:443 held open through NAT gateway nat: on app ESTABLISHED, and a NAT
#     translation 10.1.1.10:40201 -> 198.51.100.10:443 in state established whose nat_port is the
#     source port ext observed;
#   - a UDP flow shows with state "-"; after the close the TCP entry is no longer ESTABLISHED;
#   - --json parses (python3 -m json.tool); the text form lists the same connection.
TID=oflws; . "$(dirname "$0")/lib.sh"

sed "s/^name: .*/name: $LAB/" "$REPO/tests/golden/labs/obs.yaml" >"$T/lab.yaml"
lab_up "$T/lab.yaml"

cat >"$T/hold.py" <<'PYEOF'
# hold.py server PORT SECS            accept one connection, read, print the peer, hold it SECS
# hold.py client IP PORT SPORT SECS   connect from SPORT, send 100 bytes, hold SECS, close
import socket, sys, time
if sys.argv[1] == "server":
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", int(sys.argv[2]))); s.listen(1); s.settimeout(10)
    c, a = s.accept()
    print("%s %d" % a, flush=True)
    c.settimeout(float(sys.argv[3]))
    try:
        c.recv(1000); time.sleep(float(sys.argv[3]))
    except OSError:
        pass
    c.close()
else:
    c = socket.socket(); c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    c.bind(("0.0.0.0", int(sys.argv[4]))); c.settimeout(5)
    c.connect((sys.argv[2], int(sys.argv[3])))
    c.sendall(b"h" * 100)
    print("connected", flush=True)
    time.sleep(float(sys.argv[5]))
    c.close()
PYEOF
# flows_q EXPR: EXPR over d = `vpclab flows --json`; I(name) = that interface's flows;
# N(name) = that NAT gateway's translations
flows_q() {
	timeout 10 "$VPCLAB" flows --lab "$LAB" --json 2>/dev/null >"$T/flows.json"
	"$PY" -c '
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception as e:
    print("no-json: %s" % e); sys.exit(0)
I = lambda n: next((i["flows"] for i in d["interfaces"] if i["name"] == n), [])
N = lambda n: next((g.get("translations", []) for g in d.get("nat_gateways", []) if g["name"] == n), [])
try:
    print(eval(sys.argv[2]))
except Exception as e:
    print("eval-error: %s" % e)
' "$T/flows.json" "$1"
}

# ------------------------------------------------------------------ a held connection in the VPC
on_bg app "$PY" "$T/hold.py" server 5432 6 >"$T/srv1.out"
_wait_listen "$LAB-app" tcp 5432
on_bg web "$PY" "$T/hold.py" client 10.1.1.10 5432 40200 6 >"$T/cli1.out"
CL1=$!
# and one through the NAT gateway
on_bg ext "$PY" "$T/hold.py" server 443 6 >"$T/srv2.out"
_wait_listen "$LAB-ext" tcp 443
on_bg app "$PY" "$T/hold.py" client 198.51.100.10 443 40201 6 >"$T/cli2.out"
CL2=$!
# and a UDP flow
on app "$PY" -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", 40202)); s.sendto(b"u" * 10, ("10.1.0.10", 5353))'
# both connections are up once each client said so and each server accepted (printed its peer)
wait_for "both held connections to be established" 5 \
	eval 'grep -qs connected "$T/cli1.out" && grep -qs connected "$T/cli2.out" && [ -s "$T/srv1.out" ] && [ -s "$T/srv2.out" ]'
check "web -> app:5432 connected" connected "$(cat "$T/cli1.out")"
check "app -> ext:443 connected" connected "$(cat "$T/cli2.out")"

timeout 10 "$VPCLAB" flows --lab "$LAB" --json >"$T/raw.json" 2>"$T/raw.err"; rc=$?
check_rc "vpclab flows --json: exit 0" 0 "$rc" "$(head -c 200 "$T/raw.err")"
if "$PY" -m json.tool <"$T/raw.json" >/dev/null 2>&1; then ok "vpclab flows --json parses (python3 -m json.tool)"
else not_ok "vpclab flows --json parses (got: $(head -c 200 "$T/raw.json"))"; fi

F1='[f for f in I("web") if f["protocol"] == 6 and f["from"] == "10.1.0.10:40200" and f["to"] == "10.1.1.10:5432"]'
check "web lists web:40200 -> app:5432 once" 1 "$(flows_q "len($F1)")"
check "web: the connection is ESTABLISHED" ESTABLISHED "$(flows_q "$F1[0]['state']")"
check "web: admitted by web's egress rules" egress "$(flows_q "$F1[0]['admitted_by']")"
check "web: idle time small (held connection, a second old)" True "$(flows_q "0 <= $F1[0]['idle_s'] <= 3")"
check "web: packets out >= 3 (SYN, ACK, data), back >= 2 (SYN-ACK, ACK)" True "$(flows_q "$F1[0]['packets_out'] >= 3 and $F1[0]['packets_back'] >= 2")"
check "web: bytes out include the 100 data bytes plus headers" True "$(flows_q "$F1[0]['bytes_out'] >= 100 + 3 * 40")"
A1='[f for f in I("app") if f["protocol"] == 6 and f["from"] == "10.1.0.10:40200" and f["to"] == "10.1.1.10:5432"]'
check "app lists the same connection, ESTABLISHED, admitted by its ingress rules" "ESTABLISHED ingress" \
	"$(flows_q "$A1[0]['state'] + ' ' + $A1[0]['admitted_by']")"
check "app's view counts the same packets as web's" True "$(flows_q "$A1[0]['packets_out'] == $F1[0]['packets_out'] and $A1[0]['packets_back'] == $F1[0]['packets_back']")"
check "the connection is on no other interface" 0 \
	"$(flows_q 'sum(1 for i in d["interfaces"] if i["name"] not in ("web", "app") for f in i["flows"] if f["from"].endswith(":40200"))')"

F2='[f for f in I("app") if f["protocol"] == 6 and f["from"] == "10.1.1.10:40201" and f["to"] == "198.51.100.10:443"]'
check "app lists app:40201 -> ext:443 ESTABLISHED (admitted by egress)" "ESTABLISHED egress" \
	"$(flows_q "$F2[0]['state'] + ' ' + $F2[0]['admitted_by']")"
N1='[t for t in N("nat") if t["protocol"] == 6 and t["source"] == "10.1.1.10" and t["source_port"] == 40201 and t["destination"] == "198.51.100.10" and t["destination_port"] == 443]'
check "NAT gateway nat has the translation of app:40201 -> ext:443, established" established "$(flows_q "$N1[0]['state']")"
seen_port=$(awk '{print $2}' "$T/srv2.out")
check "the translation's nat_port is the source port ext saw (from 203.0.113.20)" "$seen_port" "$(flows_q "$N1[0]['nat_port']")"
check_match "ext saw the NAT gateway's elastic IP" '^203\.0\.113\.20 ' "$(cat "$T/srv2.out")"

U='[f for f in I("app") if f["protocol"] == 17 and f["from"] == "10.1.1.10:40202" and f["to"] == "10.1.0.10:5353"]'
check "app lists the UDP flow app:40202 -> web:5353 with state -" "-" "$(flows_q "$U[0]['state']")"

txt=$(timeout 10 "$VPCLAB" flows --lab "$LAB" 2>&1)
check_match "vpclab flows (text) lists the connection on web as ESTABLISHED" '10\.1\.0\.10:40200 +-> 10\.1\.1\.10:5432 +ESTABLISHED' "$txt"
check_match "vpclab flows (text) shows NAT gateway nat" 'nat gateway nat' "$txt"

# ------------------------------------------------------------------ after the close
wait "$CL1" 2>/dev/null; wait "$CL2" 2>/dev/null
# the FINs are through once neither the flow nor the translation is established (asserted below)
closed() {
	! flows_q "[f['state'] for f in I('web') if f['from'] == '10.1.0.10:40200']" | grep -q ESTABLISHED &&
		[ "$(flows_q "all(t['state'] != 'established' for t in $N1)")" = True ]
}
wait_for "the closed connections to leave ESTABLISHED" 3 closed
st=$(flows_q "[f['state'] for f in I('web') if f['from'] == '10.1.0.10:40200']")
check_nomatch "after the close, web:40200 -> app:5432 is no longer ESTABLISHED ($st)" 'ESTABLISHED' "$st"
check "after the close, the NAT translation is no longer established" True \
	"$(flows_q "all(t['state'] != 'established' for t in $N1)")"
