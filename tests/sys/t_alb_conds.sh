#!/usr/bin/env bash
# Application load balancer conditions and actions with real HTTP (issue 11, AWS's listener
# rules): http-request-method (case-sensitive, a list), http-header (name and value not
# case-sensitive, values alternatives), query-string (key=value pairs, key optional, anywhere in
# the query), source-ip (the connection's source, not X-Forwarded-For), lists of hosts and paths
# (alternatives; every kind must match); redirect (301/302, Location from the request's parts:
# #{protocol} #{host} #{port} #{path} #{query}, each part defaulting to its own placeholder);
# fixed_response with a content type; least_outstanding_requests (a target with a request in
# flight gets no new one while the other is idle; ties round robin).
TID=albco; . "$(dirname "$0")/lib.sh"
. "$SYS_DIR/alb_test_lib.sh"

cat >"$T/lab.yaml" <<EOF
name: $LAB
$(alb_vpc)
$(alb_inst dflt 10.0.11.10)
$(alb_inst meth 10.0.11.11)
$(alb_inst hdr 10.0.11.12)
$(alb_inst qry 10.0.11.13)
$(alb_inst src 10.0.11.14)
$(alb_inst lst 10.0.11.15)
$(alb_inst web1 10.0.11.16)
$(alb_inst web2 10.0.11.17)
      - { name: cli, subnet: priv-a, ip: 10.0.11.20 }
    target_groups:
$(alb_tg dflt-tg dflt)
$(alb_tg meth-tg meth)
$(alb_tg hdr-tg hdr)
$(alb_tg qry-tg qry)
$(alb_tg src-tg src)
$(alb_tg lst-tg lst)
$(alb_tg lor-tg "web1, web2" ", algorithm: least_outstanding_requests")
    load_balancers:
      - name: web-alb
        type: application
        scheme: internet-facing
        subnets: [pub-a, pub-b]
        security_groups: [alb-sg]
        listeners:
          - protocol: http
            port: 80
            default: dflt-tg
            rules:
              - { priority: 1, host: lor.example.com, forward: lor-tg }
              - { priority: 10, method: [POST, PUT], forward: meth-tg }
              - { priority: 20, header: { name: X-Env, value: [beta, gamma] }, forward: hdr-tg }
              - { priority: 30, query: [ { key: version, value: v2 }, { value: debug } ], forward: qry-tg }
              - { priority: 40, source_ip: [192.0.2.0/24, 10.0.11.16/32], forward: src-tg }
              - { priority: 50, host: [a.example.com, b.example.com], path: [/x/*, /y/*], forward: lst-tg }
              - { priority: 60, path: /old, redirect: { status: 301, path: /new } }
              - { priority: 61, path: /keep/*, redirect: { status: HTTP_302, path: "/v2/#{path}" } }
              - { priority: 62, path: /secure, redirect: { status: 301, protocol: HTTPS, port: 443 } }
              - { priority: 63, path: /elsewhere, redirect: { status: 302, host: www.example.net, path: /landing, query: "from=lab" } }
              - { priority: 70, path: /json, fixed_response: { status: 503, content_type: application/json, body: "{\"ok\": false}" } }
internet:
  hosts:
    - { name: ext, ip: 198.51.100.10 }
    - { name: ext2, ip: 192.0.2.10 }
EOF
OUT=$("$VPCLAB" check "$T/lab.yaml" 2>&1); RC=$?
check_rc "vpclab check (every condition kind, redirect, algorithm)" 0 $RC "$OUT"
[ "$RC" -eq 0 ] || exit 1
lab_up "$T/lab.yaml"
ALB=web-alb
all_healthy() {
	local x
	for x in dflt-tg:dflt meth-tg:meth hdr-tg:hdr qry-tg:qry src-tg:src lst-tg:lst lor-tg:web1 lor-tg:web2; do
		is_tstate $ALB "${x%:*}" "${x#*:}" healthy || return 1
	done
}
wait_for "every target healthy" 30 all_healthy || not_ok "every target healthy"
VIP=$(lbj $ALB "node('pub-a')['public_ip']")
check_match "node pub-a's public IP" '^203\.0\.113\.[0-9]+$' "$VIP"

# via FROM PATH [curl args]: the target that answered ("code:NNN" otherwise)
via() { local from=$1 path=$2; shift 2; names "$from" "http://$VIP$path" 1 "$@"; }

check "GET /: the default" dflt "$(via ext /)"
# ---------------------------------------------------------------- method
check "POST" meth "$(via ext / -X POST -d x)"
check "PUT" meth "$(via ext / -X PUT -d x)"
check "DELETE is not in the list" dflt "$(via ext / -X DELETE)"
check_match "HEAD is not in the list either" '^X-Served-By: dflt$' "$(hhead ext "http://$VIP/" -I)"
# ---------------------------------------------------------------- header
check "X-Env: beta" hdr "$(via ext / -H 'X-Env: beta')"
check "X-Env: gamma (values are alternatives)" hdr "$(via ext / -H 'X-Env: gamma')"
check "x-env: BETA (name and value not case-sensitive, AWS)" hdr "$(via ext / -H 'x-env: BETA')"
check "X-Env: prod" dflt "$(via ext / -H 'X-Env: prod')"
check "another header with the value" dflt "$(via ext / -H 'X-Other: beta')"
# ---------------------------------------------------------------- query
check "?version=v2" qry "$(via ext '/?version=v2')"
check "?a=1&version=v2 (anywhere in the query)" qry "$(via ext '/?a=1&version=v2')"
check "?version=v1" dflt "$(via ext '/?version=v1')"
check "?mode=debug (a value with no key: any key)" qry "$(via ext '/?mode=debug')"
check "no query" dflt "$(via ext /q)"
# ---------------------------------------------------------------- source ip
check "ext2 (192.0.2.10) is in 192.0.2.0/24" src "$(via ext2 /)"
check "ext (198.51.100.10) is not" dflt "$(via ext /)"
check "X-Forwarded-For does not count: the connection's source does" dflt "$(via ext / -H 'X-Forwarded-For: 192.0.2.5')"
check "an instance (10.0.11.20) through the node's private IP: not in the list" dflt \
	"$(names cli "http://$(lbj $ALB "node('pub-a')['private_ip']")/" 1)"
# ---------------------------------------------------------------- lists of hosts and paths
check "a.example.com /x/1" lst "$(via ext /x/1 -H 'Host: a.example.com')"
check "b.example.com /y/2" lst "$(via ext /y/2 -H 'Host: b.example.com')"
check "a.example.com /z: the path does not match" dflt "$(via ext /z -H 'Host: a.example.com')"
check "c.example.com /x/1: the host does not match" dflt "$(via ext /x/1 -H 'Host: c.example.com')"
check "priority: POST with X-Env: beta goes by rule 10" meth "$(via ext / -X POST -d x -H 'X-Env: beta')"

# ---------------------------------------------------------------- redirect
RD0=$(counter_of $ALB HTTP_Redirect_Count)
H=$(hhead ext "http://$VIP/old?x=1")
check_match "301" '^HTTP/1\.1 301' "$H"
check_match "Location: the path replaced, the rest kept (the query too)" "^[Ll]ocation: http://${VIP//./\\.}(:80)?/new\?x=1$" "$H"
H=$(hhead ext "http://$VIP/old")
check_match "no query: no ?" "^[Ll]ocation: http://${VIP//./\\.}(:80)?/new$" "$H"
H=$(hhead ext "http://$VIP/keep/a/b")
check_match "HTTP_302 is 302" '^HTTP/1\.1 302' "$H"
check_match "#{path} is the path without its leading /" "^[Ll]ocation: http://${VIP//./\\.}(:80)?/v2/keep/a/b$" "$H"
H=$(hhead ext "http://$VIP/secure?s=1")
# (whether AWS writes a protocol's default port in Location is not documented: either form passes)
check_match "protocol and port replaced" "^[Ll]ocation: https://${VIP//./\\.}(:443)?/secure\?s=1$" "$H"
H=$(hhead ext "http://$VIP/elsewhere?q=1" -H 'Host: shop.example.com')
check_match "host, path and query replaced" '^[Ll]ocation: http://www\.example\.net(:80)?/landing\?from=lab$' "$H"
check_delta "HTTP_Redirect_Count" $ALB HTTP_Redirect_Count "$RD0" 5
check "no target got a redirected request" 0 "$(( $(srv_count dflt '^/(old|keep|secure|elsewhere)') + $(srv_count meth '^/old') ))"

# ---------------------------------------------------------------- fixed response, content type
H=$(hhead ext "http://$VIP/json")
check_match "fixed response 503" '^HTTP/1\.1 503' "$H"
check_match "its content type" '^[Cc]ontent-[Tt]ype: application/json' "$H"
check "its body" '{"ok": false}' "$(hget ext "http://$VIP/json")"

# ---------------------------------------------------------------- least outstanding requests
LH=(-H "Host: lor.example.com")
on_bg ext curl -s -m 15 -o "$T/lor.slow" "${LH[@]}" "http://$VIP/slow?s=4"
slow_at() { [ "$(srv_count web1 '^/slow')" -ge 1 ] || [ "$(srv_count web2 '^/slow')" -ge 1 ]; }
wait_for "the slow request at a target" 5 slow_at
BUSY=web1; [ "$(srv_count web2 '^/slow')" -ge 1 ] && BUSY=web2
IDLE=web1; [ "$BUSY" = web1 ] && IDLE=web2
A=$(names ext "http://$VIP/lq" 6 "${LH[@]}")
check "while $BUSY has a request in flight, all 6 go to $IDLE" 6 "$(count_of "$IDLE" "$A")"
check "the slow request was still in flight" 0 "$(srv_count "$BUSY" '^/slow' end)"
wait_for "the slow request to end" 10 eval '[ "$(srv_count "$BUSY" "^/slow" end)" -ge 1 ]'
A=$(names ext "http://$VIP/lr" 4 "${LH[@]}")
check "both idle: ties go round robin" "2 2" "$(count_of web1 "$A") $(count_of web2 "$A")"
