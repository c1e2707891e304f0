#!/usr/bin/env bash
# `vpclab test` on a lab whose instances run their own servers (`run:`): the probes never bind
# those instances' ports and watch their namespaces instead (TCP: the SYN arrived and the
# server's SYN-ACK or, on a closed port, the kernel's RST came back; UDP: the datagram arrived,
# the reply not judged); allowed and denied checks pass, seen_as still sees the source, a server
# that starts 1 s after up is not robbed of its port, no TCP nonce reaches the servers, the
# servers still listen afterwards, and wrong expectations still fail.
TID=runpr; . "$(dirname "$0")/lib.sh"

cat >"$T/lab.yaml" <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    internet_gateway: true
    subnets:
      - { name: a, cidr: 10.0.1.0/24, route_table: pub }
    route_tables:
      - { name: pub, routes: [ { destination: 0.0.0.0/0, target: igw } ] }
    security_groups:
      - name: web
        inbound:
          - { protocol: tcp, ports: 80, cidr: 0.0.0.0/0 }
          - { protocol: tcp, ports: 22, cidr: 198.51.100.0/24 }
          - { protocol: udp, ports: 5405, cidr: 10.0.1.20/32 }
          - { protocol: tcp, ports: 9000, cidr: 10.0.0.0/16 }
          - { protocol: tcp, ports: 8000, cidr: 10.0.0.0/16 }
    instances:
      - { name: web, subnet: a, ip: 10.0.1.10, security_groups: [web],
          run: "nc -lk 22 & nc -lku 5405 & exec $PY -m http.server 80" }
      - { name: late, subnet: a, ip: 10.0.1.11, security_groups: [web],
          run: "sleep 1; exec $PY -m http.server 8000" }
      - { name: cli, subnet: a, ip: 10.0.1.20 }
      - { name: other, subnet: a, ip: 10.0.1.21 }
elastic_ips:
  - { name: web-eip, ip: 203.0.113.40, instance: web }
  - { name: cli-eip, ip: 203.0.113.41, instance: cli }
internet:
  hosts:
    - { name: admin, ip: 198.51.100.10 }
    - { name: stranger, ip: 192.0.2.66 }
EOF
cat >"$T/good.yaml" <<EOF
checks:
  - { from: admin, to: web-eip, protocol: tcp, port: 22, expect: allow }
  - { from: stranger, to: web-eip, protocol: tcp, port: 22, expect: deny }
  - { from: cli, to: web, protocol: tcp, port: 22, expect: deny }
  - { from: cli, to: web, protocol: tcp, port: 80, expect: allow }
  - { from: other, to: web, protocol: tcp, port: 80, expect: allow }
  - { from: stranger, to: web-eip, protocol: tcp, port: 80, expect: allow }
  - { from: cli, to: web-eip, protocol: tcp, port: 80, expect: allow, seen_as: cli-eip }
  - { from: cli, to: web, protocol: udp, port: 5405, expect: allow }
  - { from: other, to: web, protocol: udp, port: 5405, expect: deny }
  - { from: cli, to: late, protocol: tcp, port: 8000, expect: allow }
  - { from: admin, to: late, protocol: tcp, port: 8000, expect: deny }
  - { from: other, to: web, protocol: tcp, port: 9000, expect: allow }
  - { from: other, to: web, protocol: tcp, port: 443, expect: deny }
EOF
N=$(grep -c 'from:' "$T/good.yaml")
LABS+=("$LAB")

t0=$(_now_ms)
"$VPCLAB" test "$T/lab.yaml" "$T/good.yaml" --keep >"$T/good.out" 2>"$T/good.err"; RC=$?
ms=$(( $(_now_ms) - t0 ))
OUT=$(cat "$T/good.out")
check_rc "vpclab test with run servers on the probed ports" 0 $RC "$(grep -v '^PASS' <<<"$OUT" | tr '\n' '|') $(head -c 300 "$T/good.err")"
check "every check passed" "$N passed, 0 failed" "$(tail -n 1 <<<"$OUT")"
check_nomatch "trace and traffic agree" "INTERNAL ERROR|cannot probe" "$OUT"
check_match "UDP to the lab's own server: the reply is not judged, and it says so" \
	"^PASS  cli -> web udp/5405 allow \(delivered to the instance's own port: the reply is not judged\)$" "$OUT"
check_match "seen_as through the servers' namespace" "^PASS  cli -> web-eip tcp/80 allow seen_as cli-eip$" "$OUT"
if [ "$ms" -lt 10000 ]; then ok "the test took $ms ms (under 10 s)"; else not_ok "the test took $ms ms (expected under 10 s)"; fi

# The servers kept their ports: the probes' own listeners and observers are gone, theirs remain.
check "web's nc still listens on tcp 22" yes "$(listening "$LAB-web" tcp 22 && echo yes || echo no)"
check "web's python still listens on tcp 80" yes "$(listening "$LAB-web" tcp 80 && echo yes || echo no)"
check "web's nc still listens on udp 5405" yes "$(listening "$LAB-web" udp 5405 && echo yes || echo no)"
if wait_for "late's server on 8000" 5 listening "$LAB-late" tcp 8000; then
	ok "late's python (started 1 s after up) has its port 8000"
else not_ok "late's python (started 1 s after up) has its port 8000: $("$VPCLAB" logs "$LAB" late 2>&1 | tail -n 2 | tr '\n' '|')"; fi
check_nomatch "late's server did not fail to bind" "Address already in use" "$("$VPCLAB" logs "$LAB" late 2>&1)"
check "nothing listens on 9000 (the probe watched web's closed port: the RST was the answer)" no \
	"$(listening "$LAB-web" tcp 9000 && echo yes || echo no)"
check "web's http server still answers" "200" \
	"$(on cli curl -s -m 5 -o /dev/null -w '%{http_code}' http://10.0.1.10/)"
check "nc -lk on 22 still accepts after the probes" 0 "$(on admin nc -z -w 2 203.0.113.40 22 >/dev/null 2>&1; echo $?)"
LOG=$("$VPCLAB" logs "$LAB" web 2>&1)
check_nomatch "no TCP nonce was sent to the servers" "VPCLABT" "$LOG"
check_nomatch "the http server saw no malformed request" "code 400" "$LOG"
"$VPCLAB" down "$LAB" >/dev/null 2>&1

# Wrong expectations against the same servers fail (the probe does not just trust the server).
cat >"$T/wrong.yaml" <<EOF
checks:
  - { from: admin, to: web-eip, protocol: tcp, port: 22, expect: deny }
  - { from: stranger, to: web-eip, protocol: tcp, port: 22, expect: allow }
  - { from: other, to: web, protocol: udp, port: 5405, expect: allow }
  - { from: cli, to: web-eip, protocol: tcp, port: 80, expect: allow, seen_as: web-eip }
EOF
"$VPCLAB" test "$T/lab.yaml" "$T/wrong.yaml" >"$T/wrong.out" 2>"$T/wrong.err"; RC=$?
OUT=$(cat "$T/wrong.out")
check_rc "wrong expectations: exit 1" 1 $RC "$(head -c 300 "$T/wrong.err")"
check "wrong expectations: all four fail" "0 passed, 4 failed" "$(tail -n 1 <<<"$OUT")"
check_match "allowed by the server's namespace, expected deny" \
	"^FAIL  admin -> web-eip tcp/22 expected deny, got allow" "$OUT"
check_match "denied before the server, expected allow" \
	"^FAIL  stranger -> web-eip tcp/22 expected allow, got deny" "$OUT"
check_match "UDP denied before the server, expected allow" \
	"^FAIL  other -> web udp/5405 expected allow, got deny" "$OUT"
check_match "seen_as: the observer saw cli's elastic IP" \
	"^FAIL  cli -> web-eip tcp/80 allow, seen as 203.0.113.41, expected 203.0.113.40" "$OUT"
check_nomatch "wrong expectations: trace and traffic agree" "INTERNAL ERROR" "$OUT"
