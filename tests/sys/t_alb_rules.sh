#!/usr/bin/env bash
# Application load balancer listener rules with real HTTP (issue 11): host and path conditions
# (AWS: host case-insensitive with * and ? wildcards, path case-sensitive, the query string not
# part of the path), both in one rule must match, the lowest priority wins, nothing matching
# goes to the default action; a fixed response is the load balancer's own answer (status, body,
# text/plain) and reaches no target; the counters HTTP_Fixed_Response_Count and RuleEvaluations.
# The other conditions and the redirect action are in t_alb_conds.sh.
TID=albru; . "$(dirname "$0")/lib.sh"
. "$SYS_DIR/alb_test_lib.sh"

cat >"$T/lab.yaml" <<EOF
name: $LAB
$(alb_vpc)
$(alb_inst web1 10.0.11.10)
$(alb_inst api1 10.0.11.11)
$(alb_inst img1 10.0.11.12)
    target_groups:
$(alb_tg web-tg web1)
$(alb_tg api-tg api1)
$(alb_tg img-tg img1)
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
              - { priority: 50, path: /images/special, forward: api-tg }   # shadowed by 20
              - { priority: 5, path: /old, fixed_response: { status: 410, body: gone } }
              - { priority: 10, host: api.example.com, forward: api-tg }
              - { priority: 20, path: /images/*, forward: img-tg }
              - { priority: 30, host: "*.example.org", forward: api-tg }
              - { priority: 40, host: admin.example.com, path: /v?/*, forward: img-tg }
internet:
  hosts:
    - { name: ext, ip: 198.51.100.10 }
EOF
OUT=$("$VPCLAB" check "$T/lab.yaml" 2>&1); RC=$?
check_rc "vpclab check (host and path rules, a fixed response)" 0 $RC "$OUT"
lab_up "$T/lab.yaml"
ALB=web-alb
all_healthy() { is_tstate $ALB web-tg web1 healthy && is_tstate $ALB api-tg api1 healthy && is_tstate $ALB img-tg img1 healthy; }
wait_for "the three targets healthy" 30 all_healthy || not_ok "targets healthy (web1 $(tstate $ALB web-tg web1), api1 $(tstate $ALB api-tg api1), img1 $(tstate $ALB img-tg img1))"
VIP=$(lbj $ALB "node('pub-a')['public_ip']")
check_match "node pub-a's public IP" '^203\.0\.113\.[0-9]+$' "$VIP"

# route HOST PATH: the target that answered GET PATH with Host: HOST ("code:NNN" otherwise)
route() { names ext "http://$VIP$2" 1 -H "Host: $1"; }
RE0=$(counter_of $ALB RuleEvaluations)
check "nothing matches: the default action (web-tg)" web1 "$(route www.example.com /)"
check "host api.example.com" api1 "$(route api.example.com /)"
check "host is case-insensitive (API.Example.COM)" api1 "$(route API.Example.COM /x)"
check "path /images/*" img1 "$(route www.example.com /images/a.png)"
check "path /images/* with a query string (not part of the path)" img1 "$(route www.example.com '/images/a.png?size=2')"
check "* matches nothing too (/images/)" img1 "$(route www.example.com /images/)"
check "path is case-sensitive (/Images/a.png: default)" web1 "$(route www.example.com /Images/a.png)"
check "/images alone does not match /images/*" web1 "$(route www.example.com /images)"
check "lowest priority first (/images/special: rule 20, not 50)" img1 "$(route www.example.com /images/special)"
check "host wildcard *.example.org" api1 "$(route x.y.example.org /)"
check "*.example.org does not match example.org" web1 "$(route example.org /)"
check "host and path in one rule: both match" img1 "$(route admin.example.com /v1/users)"
check "? matches one character only (/v10/users)" web1 "$(route admin.example.com /v10/users)"
check "host and path in one rule: the path does not" web1 "$(route admin.example.com /x)"
check "host and path in one rule: the host does not" web1 "$(route other.example.com /v1/users)"
check "a rule's host beats a later rule's path (api.example.com /images/a: rule 10)" api1 "$(route api.example.com /images/a)"
check_grew "RuleEvaluations counts the rules tried" "$RE0" "$(counter_of $ALB RuleEvaluations)"

FR0=$(counter_of $ALB HTTP_Fixed_Response_Count); T0=$(counter_of $ALB HTTPCode_Target_4XX_Count)
H=$(hhead ext "http://$VIP/old")
check_match "fixed response: its status" '^HTTP/1\.1 410' "$H"
check_match "fixed response: text/plain by default" '^[Cc]ontent-[Tt]ype: text/plain' "$H"
check "fixed response: its body" gone "$(hget ext "http://$VIP/old")"
check_delta "HTTP_Fixed_Response_Count" $ALB HTTP_Fixed_Response_Count "$FR0" 2
check "no target got /old" "0 0 0" "$(echo $(srv_count web1 '^/old$'; srv_count api1 '^/old$'; srv_count img1 '^/old$'))"
check "no target 4XX counted for it" "$T0" "$(counter_of $ALB HTTPCode_Target_4XX_Count)"
check "a path rule is exact without a wildcard (/old/x: default)" web1 "$(route www.example.com /old/x)"

OUT=$("$VPCLAB" lb "$LAB" 2>&1)
check_match "lb: the listener" "listener http 80 -> web-tg" "$OUT"
