#!/usr/bin/env bash
# Application load balancers with real HTTP (issue 11): curl from an internet host and from an
# instance through the nodes' addresses; requests alternate between the two targets (round robin
# per node and group), also on one keep-alive connection; the target sees the node's private IP
# as the source and X-Forwarded-For (appended to the client's own) / -Proto / -Port and
# X-Amzn-Trace-Id; the AWSALB cookie keeps a browser on one target; the load balancer answers
# itself, with `Server: awselb/2.0`: 503 for an empty target group, 502 for a target that
# refuses, 504 for one that accepts and never answers (the listener's idle timeout), 400 for a
# request without Host; the targets' group admits only the load balancer's group (a direct
# connection from an instance times out); the load balancer's own group without a listener's
# port keeps clients out; `vpclab lb` text and JSON (nodes, DNS name, targets, counters that
# grow by the requests made); `vpclab test` with checks whose `to:` is the load balancer.
TID=albht; . "$(dirname "$0")/lib.sh"
. "$SYS_DIR/alb_test_lib.sh"

# $1: lab name, $2: log prefix of the servers
lab_file() {
	cat <<EOF
name: $1
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
      - name: alb-sg
        inbound:
          - { protocol: tcp, ports: 80, cidr: 0.0.0.0/0 }
          - { protocol: tcp, ports: 8081, cidr: 0.0.0.0/0 }
          - { protocol: tcp, ports: 8083, cidr: 0.0.0.0/0 }   # no listener there
          # 8082 has a listener and no rule here: the group keeps the clients out
      - name: web
        inbound: [ { protocol: tcp, ports: 80-82, group: alb-sg }, { protocol: tcp, ports: 84, group: alb-sg } ]   # not 83
    instances:
      - { name: web1, subnet: priv-a, ip: 10.0.11.10, security_groups: [web], run: "exec $ALBSRV web1 $T/$2web1.log --http 80 --silent 82 --garbage 84" }
      - { name: web2, subnet: priv-b, ip: 10.0.12.10, security_groups: [web], run: "exec $ALBSRV web2 $T/$2web2.log --http 80 --silent 82" }
      - { name: cli, subnet: priv-a, ip: 10.0.11.20 }
    target_groups:
      - name: web-tg
        protocol: http
        port: 80
        targets: [web1, web2]
        health_check: { interval: 5, timeout: 2, healthy: 2, unhealthy: 2 }
      - name: sticky-tg
        protocol: http
        port: 80
        targets: [web1, web2]
        health_check: { interval: 5, timeout: 2, healthy: 2, unhealthy: 2 }
        stickiness: { type: lb_cookie, duration: 3600 }
      - { name: empty-tg, protocol: http, port: 80 }
      - { name: refuse-tg, protocol: http, port: 81, targets: [web1] }     # nothing listens on 81
      - { name: silent-tg, protocol: http, port: 82, targets: [web2] }     # accepts, never answers
      - { name: drop-tg, protocol: http, port: 83, targets: [web2] }       # web's group drops the SYN
      - { name: garbage-tg, protocol: http, port: 84, targets: [web1] }    # answers what is not HTTP
    load_balancers:
      - name: web-alb
        type: application
        scheme: internet-facing
        subnets: [pub-a, pub-b]
        security_groups: [alb-sg]
        listeners:
          - protocol: http
            port: 80
            default: web-tg
            rules:
              - { priority: 10, path: /empty*, forward: empty-tg }
              - { priority: 20, path: /refuse*, forward: refuse-tg }
              - { priority: 30, host: sticky.example.com, forward: sticky-tg }
              - { priority: 40, path: /drop*, forward: drop-tg }
              - { priority: 50, path: /garbage*, forward: garbage-tg }
          - { protocol: http, port: 8081, idle_timeout: 3, default: silent-tg }
          - { protocol: http, port: 8082, default: web-tg }
internet:
  hosts:
    - { name: ext, ip: 198.51.100.10 }
EOF
}
lab_file "$LAB" srv- >"$T/lab.yaml"
OUT=$("$VPCLAB" check "$T/lab.yaml" 2>&1); RC=$?
check_rc "vpclab check (an application load balancer, five target groups)" 0 $RC "$OUT"
lab_up "$T/lab.yaml"

ALB=web-alb
both() { is_tstate $ALB "$1" web1 healthy && is_tstate $ALB "$1" web2 healthy; }
all_healthy() { both web-tg && both sticky-tg; }
wait_for "web-tg and sticky-tg healthy" 30 all_healthy
check "web1 healthy in web-tg" healthy "$(tstate $ALB web-tg web1)"
check "web2 healthy in web-tg" healthy "$(tstate $ALB web-tg web2)"
PUB_A=$(lbj $ALB "node('pub-a')['public_ip']")
PUB_B=$(lbj $ALB "node('pub-b')['public_ip']")
PRIV_A=$(lbj $ALB "node('pub-a')['private_ip']")
PRIV_B=$(lbj $ALB "node('pub-b')['private_ip']")
check "lb shows AWS's default matcher of an application group as one code" "200" \
	"$(lbj $ALB "g('web-tg')['health_check']['matcher']")"
check_match "node pub-a: a public IP" '^203\.0\.113\.[0-9]+$' "$PUB_A"
check_match "node pub-a: a private IP of pub-a" '^10\.0\.1\.[0-9]+$' "$PRIV_A"
check_match "node pub-b: a private IP of pub-b" '^10\.0\.2\.[0-9]+$' "$PRIV_B"
NS_A="$LAB-$ALB-pub-a"
wait_for "the proxy listening in $NS_A" 5 listening "$NS_A" tcp 80
if listening "$NS_A" tcp 80; then ok "the proxy listens on 80 in the node's namespace"
else not_ok "the proxy listens on 80 in $NS_A ($(ip netns exec "$NS_A" ss -ltnH 2>&1 | tr '\n' '|'))"; fi

# ---------------------------------------------------------------- round robin, node address
RC0=$(counter_of $ALB RequestCount); T2XX0=$(counter_of $ALB HTTPCode_Target_2XX_Count)
A=$(names ext "http://$PUB_A/rr" 20)
check "20 requests through node pub-a: web1 answers 10" 10 "$(count_of web1 "$A")"
check "and web2 answers 10" 10 "$(count_of web2 "$A")"
if alternates "$A"; then ok "they alternate (round robin)"; else not_ok "they alternate (round robin): $(tr '\n' ' ' <<<"$A")"; fi
check_delta "RequestCount counts the 20 requests" $ALB RequestCount "$RC0" 20
check_delta "HTTPCode_Target_2XX_Count counts their 200s" $ALB HTTPCode_Target_2XX_Count "$T2XX0" 20
P=$(lbj $ALB "per_target('web-tg')")
check_match "web-tg has RequestCountPerTarget" '^[0-9]+(\.[0-9]+)?$' "$P"
check "web1 saw node pub-a's private IP as the source, nothing else" "$PRIV_A" "$(srv_peers web1 '^/rr$')"
check "web2 too (cross-zone: the node in a sends to b)" "$PRIV_A" "$(srv_peers web2 '^/rr$')"
A=$(names ext "http://$PUB_B/rrb" 4)
check "through node pub-b: two each" "2 2" "$(count_of web1 "$A") $(count_of web2 "$A")"
check "and the targets see node pub-b's private IP" "$PRIV_B $PRIV_B" "$(srv_peers web1 '^/rrb$') $(srv_peers web2 '^/rrb$')"

# ---------------------------------------------------------------- the forwarded headers
E=$(hget ext "http://$PUB_A/echo")
check "X-Forwarded-For is the client" "198.51.100.10" "$(echo_get "$E" "h('X-Forwarded-For')")"
check "X-Forwarded-Proto http" "http" "$(echo_get "$E" "h('X-Forwarded-Proto')")"
check "X-Forwarded-Port 80" "80" "$(echo_get "$E" "h('X-Forwarded-Port')")"
check_match "X-Amzn-Trace-Id in AWS's form" '^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$' "$(echo_get "$E" "h('X-Amzn-Trace-Id')")"
check "the Host header as the client sent it" "$PUB_A" "$(echo_get "$E" "h('Host')")"
check "the source the target sees is the node" "$PRIV_A" "$(echo_get "$E" "d['peer']")"
E=$(hget ext "http://$PUB_A/echo" -H "X-Forwarded-For: 192.0.2.7")
check "a client's own X-Forwarded-For is kept, the client appended" "192.0.2.7, 198.51.100.10" "$(echo_get "$E" "h('X-Forwarded-For')")"
E=$(hget ext "http://$PUB_A/echo?q=1" -X POST --data-binary "a body")
check "POST: method, URI and body reach the target" "POST /echo?q=1 a body" "$(echo_get "$E" "d['method'] + ' ' + d['path'] + ' ' + d['body']")"
E=$(hget cli "http://$PRIV_A/echo")
check "from an instance to the node's private IP: X-Forwarded-For is the instance" "10.0.11.20" "$(echo_get "$E" "h('X-Forwarded-For')")"
check "and the target sees the node" "$PRIV_A" "$(echo_get "$E" "d['peer']")"
H=$(hhead ext "http://$PUB_A/")
check_match "the target's answer comes back with its headers" '^X-Served-By: web[12]$' "$H"
E=$(hget ext "http://$PUB_A/echo" -X PATCH -H "Transfer-Encoding: chunked" --data-binary "hello")
check "a chunked body reaches the target with its own length (Content-Length 5, no Transfer-Encoding)" \
	"PATCH hello 5 absent" "$(echo_get "$E" "d['method'] + ' ' + d['body'] + ' ' + h('Content-Length') + ' ' + h('Transfer-Encoding')")"
check "a Content-Length past the load balancer's body limit (16 MiB): 413 at once, not forwarded" 413 \
	"$(hcode ext "http://$PUB_A/echo" -X POST -H "Content-Length: 99999999" --data-binary "")"

# ---------------------------------------------------------------- keep-alive
NC0=$(counter_of $ALB NewConnectionCount); RC0=$(counter_of $ALB RequestCount)
# each answer is its body line ("web1") then the -w line ("1 200": connections made, status)
KA=$(on ext curl -s -m 10 -w '%{num_connects} %{http_code}\n' "http://$PUB_A/ka1" "http://$PUB_A/ka2" \
	"http://$PUB_A/ka3" "http://$PUB_A/ka4" "http://$PUB_A/ka5" "http://$PUB_A/ka6" 2>&1)
diag "keep-alive: $(tr '\n' '|' <<<"$KA")"
check "six requests on one connection: one connect, then none" "1 0 0 0 0 0" "$(awk 'NR % 2 == 0 {print $1}' <<<"$KA" | tr '\n' ' ' | sed 's/ $//')"
check "all six answered 200" 6 "$(awk 'NR % 2 == 0 && $2 == 200' <<<"$KA" | wc -l)"
B=$(awk 'NR % 2 == 1' <<<"$KA")
check "each request is routed on its own: three each" "3 3" "$(count_of web1 "$B") $(count_of web2 "$B")"
if alternates "$B"; then ok "and they alternate on the one connection"; else not_ok "they alternate on the one connection: $(tr '\n' ' ' <<<"$B")"; fi
check "the server saw the six" 6 "$(( $(srv_count web1 '^/ka[1-6]$') + $(srv_count web2 '^/ka[1-6]$') ))"
check_delta "NewConnectionCount: one client connection" $ALB NewConnectionCount "$NC0" 1
check_delta "RequestCount: six requests" $ALB RequestCount "$RC0" 6

# ---------------------------------------------------------------- stickiness
SH=(-H "Host: sticky.example.com")
H=$(hhead ext "http://$PUB_A/st" "${SH[@]}")
check_match "a sticky group sets the AWSALB cookie with an expiry" '^[Ss]et-[Cc]ookie: AWSALB=[^;]+;.*Expires=' "$H"
check_match "and AWSALBCORS with SameSite=None" '^[Ss]et-[Cc]ookie: AWSALBCORS=[^;]+;.*SameSite=None' "$H"
check_nomatch "the non-sticky group sets no cookie" '^[Ss]et-[Cc]ookie: AWSALB' "$(hhead ext "http://$PUB_A/")"
for jar in j1 j2 j3; do
	A=$(names ext "http://$PUB_A/st-$jar" 10 "${SH[@]}" -c "$T/$jar" -b "$T/$jar")
	check "cookie jar $jar: all 10 requests on one target" 10 "$(count_of "$(head -n 1 <<<"$A")" "$A")"
	diag "jar $jar: $(sort -u <<<"$A" | tr '\n' ' ')"
done
A=$(names ext "http://$PUB_A/st-nojar" 6 "${SH[@]}")
if alternates "$A" && [ "$(count_of web1 "$A")" = 3 ]; then ok "without the cookie the sticky group alternates"
else not_ok "without the cookie the sticky group alternates: $(tr '\n' ' ' <<<"$A")"; fi

# ---------------------------------------------------------------- what the load balancer answers itself
E5=$(counter_of $ALB HTTPCode_ELB_5XX_Count); E503=$(counter_of $ALB HTTPCode_ELB_503_Count)
H=$(hhead ext "http://$PUB_A/empty")
check_match "empty target group: 503" '^HTTP/1\.1 503' "$H"
check_match "answered by the load balancer (Server: awselb/2.0)" '^[Ss]erver: awselb/2\.0$' "$H"
check_match "AWS's body" '503 Service Temporarily Unavailable' "$(hget ext "http://$PUB_A/empty2")"
hcode ext "http://$PUB_A/empty3" >/dev/null
check_delta "HTTPCode_ELB_503_Count counts the three" $ALB HTTPCode_ELB_503_Count "$E503" 3
check_delta "HTTPCode_ELB_5XX_Count too" $ALB HTTPCode_ELB_5XX_Count "$E5" 3

E5=$(counter_of $ALB HTTPCode_ELB_5XX_Count); E502=$(counter_of $ALB HTTPCode_ELB_502_Count)
TCE=$(counter_of $ALB TargetConnectionErrorCount)
H=$(hhead ext "http://$PUB_A/refuse")
check_match "a target that refuses: 502" '^HTTP/1\.1 502' "$H"
check_match "from the load balancer" '^[Ss]erver: awselb/2\.0$' "$H"
check_match "AWS's body" '502 Bad Gateway' "$(hget ext "http://$PUB_A/refuse2")"
check_delta "HTTPCode_ELB_502_Count" $ALB HTTPCode_ELB_502_Count "$E502" 2
check_delta "HTTPCode_ELB_5XX_Count" $ALB HTTPCode_ELB_5XX_Count "$E5" 2
check_grew "TargetConnectionErrorCount" "$TCE" "$(counter_of $ALB TargetConnectionErrorCount)"

E502=$(counter_of $ALB HTTPCode_ELB_502_Count)
H=$(hhead ext "http://$PUB_A/garbage")
check_match "a target that answers something that is not HTTP: 502" '^HTTP/1\.1 502' "$H"
check_match "from the load balancer" '^[Ss]erver: awselb/2\.0$' "$H"
check_delta "HTTPCode_ELB_502_Count" $ALB HTTPCode_ELB_502_Count "$E502" 1

E504=$(counter_of $ALB HTTPCode_ELB_504_Count); TCE=$(counter_of $ALB TargetConnectionErrorCount)
t0=$(_now_ms)
H=$(on ext curl -s -m 25 -o /dev/null -D - "http://$PUB_A/drop" 2>/dev/null | tr -d '\r')
ms=$(( $(_now_ms) - t0 ))
check_match "a target whose group drops the load balancer's SYN: 504" '^HTTP/1\.1 504' "$H"
check_match "from the load balancer" '^[Ss]erver: awselb/2\.0$' "$H"
if [ "$ms" -ge 9500 ] && [ "$ms" -lt 16000 ]; then ok "after AWS's 10 s connection timeout ($ms ms)"
else not_ok "504 after AWS's 10 s connection timeout (took $ms ms)"; fi
check_delta "HTTPCode_ELB_504_Count" $ALB HTTPCode_ELB_504_Count "$E504" 1
check_grew "TargetConnectionErrorCount counts the connection not made" "$TCE" "$(counter_of $ALB TargetConnectionErrorCount)"

E504=$(counter_of $ALB HTTPCode_ELB_504_Count)
t0=$(_now_ms)
H=$(on ext curl -s -m 15 -o "$T/504.body" -D - "http://$PUB_A:8081/" 2>/dev/null | tr -d '\r')
ms=$(( $(_now_ms) - t0 ))
check_match "a target that never answers: 504" '^HTTP/1\.1 504' "$H"
check_match "from the load balancer" '^[Ss]erver: awselb/2\.0$' "$H"
check_match "AWS's body" '504 Gateway Time-?out' "$(cat "$T/504.body" 2>/dev/null)"
if [ "$ms" -ge 2500 ] && [ "$ms" -lt 10000 ]; then ok "after the listener's idle timeout, 3 s ($ms ms)"
else not_ok "504 after the listener's idle timeout, 3 s (took $ms ms)"; fi
check_delta "HTTPCode_ELB_504_Count" $ALB HTTPCode_ELB_504_Count "$E504" 1

# raw REQUEST: what the node answers a request written by hand (status line and headers)
raw() { printf '%b' "$1" | on ext timeout 5 nc -n -w 3 "$PUB_A" 80 2>/dev/null | tr -d '\r' | sed '/^$/q'; }
E4=$(counter_of $ALB HTTPCode_ELB_4XX_Count)
# (what libevent's parser refuses gets libevent's page, a documented difference: status only)
R=$(raw 'GARBAGE\r\n\r\n')
check_match "a request that is not HTTP: 400" '^HTTP/1\.1 400' "$R"
R=$(raw 'GET / HTTP/1.1\r\nConnection: close\r\n\r\n')
check_match "HTTP/1.1 without Host: 400 (RFC 9112, AWS)" '^HTTP/1\.1 400' "$R"
check_match "answered by the load balancer (Server: awselb/2.0)" '^[Ss]erver: awselb/2\.0$' "$R"
check_delta "HTTPCode_ELB_4XX_Count counts it" $ALB HTTPCode_ELB_4XX_Count "$E4" 1
check "HTTP/1.0 without Host is a request like any other" 200 \
	"$(raw 'GET / HTTP/1.0\r\n\r\n' | sed -n 's/^HTTP\/1\.[01] \([0-9]*\).*/\1/p')"
# AWS's desync mitigation: Content-Length with Transfer-Encoding is refused, not passed on to
# a kept target connection where its body would read as a second request (smuggling)
SMUG='POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n1c\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n\r\n0\r\n\r\n'
check_match "Content-Length with Transfer-Encoding: 400 from the load balancer" '^HTTP/1\.1 400' "$(raw "$SMUG")"
check "and the smuggled request reaches no target" "0 0" "$(srv_count web1 '^/smuggled') $(srv_count web2 '^/smuggled')"
R=$(raw "GET / HTTP/1.1\\r\\nHost: a\\r\\nX-Big: $(head -c 70000 /dev/zero | tr '\0' a)\\r\\nConnection: close\\r\\n\\r\\n")
if [[ "$R" =~ ^HTTP/1\.1\ (400|413|431) ]] || [ -z "$R" ]; then ok "headers past AWS's 64 KB: refused or closed, not forwarded"
else not_ok "headers past AWS's 64 KB: refused or closed (got: ${R:0:80})"; fi
check "and the node serves the next request" 200 "$(hcode ext "http://$PUB_A/")"

# ---------------------------------------------------------------- security groups
check "cli -> web1:80 directly: the targets admit only alb-sg" silent "$(tcp_probe cli 10.0.11.10 80)"
check "ext -> node pub-a:8082: a listener alb-sg does not admit (no answer)" silent "$(tcp_probe ext "$PUB_A" 8082)"
if listening "$NS_A" tcp 8082; then ok "yet the proxy listens on 8082: the group keeps the clients out"
else not_ok "the proxy listens on 8082 in $NS_A"; fi
check "from the node's own namespace 8082 answers (the group is on the node's interface)" 200 \
	"$(ip netns exec "$NS_A" curl -s -m 5 -o /dev/null -w '%{http_code}' "http://$PRIV_A:8082/sg" 2>/dev/null)"

# ---------------------------------------------------------------- `vpclab lb`
OUT=$("$VPCLAB" lb "$LAB" 2>&1); RC=$?
check_rc "vpclab lb LAB" 0 $RC "$OUT"
check_match "lb: the header line" "^load balancer $ALB: application, internet-facing, vpc main" "$OUT"
check_match "lb: the DNS name (application form)" "dns $ALB-[0-9a-f]{10}\.us-east-1\.elb\.amazonaws\.com" "$OUT"
check_match "lb: node pub-a with its addresses and namespace" "pub-a +a +${PRIV_A//./\\.} +${PUB_A//./\\.} +$NS_A" "$OUT"
check_match "lb: the listener" "listener http 80 -> web-tg" "$OUT"
check_match "lb: web1 healthy" "^ +web1 +80 +a +healthy" "$OUT"
check_match "lb: RequestCount" "^ +RequestCount +[0-9]+" "$OUT"
check_match "lb: HTTPCode_ELB_5XX_Count" "^ +HTTPCode_ELB_5XX_Count +[1-9][0-9]*" "$OUT"
check "JSON: type" application "$(lbj $ALB "lb['type']")"
check_match "JSON: dns" "^$ALB-[0-9a-f]{10}\.us-east-1\.elb\.amazonaws\.com$" "$(lbj $ALB "lb['dns']")"
check "JSON: two nodes" 2 "$(lbj $ALB "len(lb['nodes'])")"
check "JSON: three listeners" "[80, 8081, 8082]" "$(lbj $ALB "sorted(l['port'] for l in lb['listeners'])")"
check "JSON: listener 8081's idle timeout" 3 "$(lbj $ALB "[l for l in lb['listeners'] if l['port'] == 8081][0]['idle_timeout']")"
MISSING=""
for k in RequestCount NewConnectionCount ActiveConnectionCount ProcessedBytes HTTPCode_ELB_4XX_Count \
	HTTPCode_ELB_5XX_Count HTTPCode_ELB_502_Count HTTPCode_ELB_503_Count HTTPCode_ELB_504_Count \
	HTTPCode_Target_2XX_Count HTTPCode_Target_3XX_Count HTTPCode_Target_4XX_Count HTTPCode_Target_5XX_Count \
	TargetConnectionErrorCount HTTP_Fixed_Response_Count HTTP_Redirect_Count RuleEvaluations \
	HealthyHostCount UnHealthyHostCount; do
	V=$(counter_of $ALB $k)
	[[ "$V" =~ ^[0-9]+$ ]] || MISSING="$MISSING $k=$V"
done
check "JSON: every CloudWatch counter of the plan is there, a number" "" "${MISSING# }"
check_grew "ProcessedBytes counts the traffic" 0 "$(counter_of $ALB ProcessedBytes)"
check_grew "RuleEvaluations counts the rules tried" 0 "$(counter_of $ALB RuleEvaluations)"

# ---------------------------------------------------------------- `vpclab test`, to: the load balancer
{ lab_file "${LAB}c" c-; cat <<'EOF'
checks:
  - { from: ext, to: web-alb, protocol: tcp, port: 80, expect: allow }
  - { from: cli, to: web-alb, protocol: tcp, port: 80, expect: allow }
  - { from: ext, to: web-alb, protocol: tcp, port: 22, expect: deny }
  - { from: ext, to: web-alb, protocol: tcp, port: 8082, expect: deny }
  - { from: ext, to: web-alb, protocol: tcp, port: 8083, expect: deny }
  - { from: cli, to: web1, protocol: tcp, port: 80, expect: deny }
  - { from: ext, to: web-alb, protocol: tcp, port: 80, expect: allow, seen_as: 198.51.100.10 }
  - { from: cli, to: web-alb, protocol: tcp, port: 80, expect: allow, seen_as: 10.0.11.20 }
EOF
} >"$T/checks.yaml"
LABS+=("${LAB}c")
OUT=$(timeout 90 "$VPCLAB" test "$T/checks.yaml" 2>&1); RC=$?
check_rc "vpclab test with checks to an application load balancer" 0 $RC "$(printf '%s' "$OUT" | tail -n 7 | tr '\n' '|')"
check "all eight pass (a port without listener is deny, as for network load balancers; seen_as: the client at the node)" "8 passed, 0 failed" "$(printf '%s\n' "$OUT" | tail -n 1)"
check_nomatch "trace and traffic agree" "INTERNAL ERROR" "$OUT"
