#!/usr/bin/env bash
# An internal application load balancer (the default scheme): its DNS name starts with
# `internal-`, its nodes have no public IP, instances of the VPC reach it at the nodes' private
# IPs (in their own subnet and across subnets, through the subnets' network ACLs), the targets
# see the node and X-Forwarded-For the instance; a subnet ACL that denies the listener port keeps
# clients out of that node as it would an instance.
TID=albin; . "$(dirname "$0")/lib.sh"
. "$SYS_DIR/alb_test_lib.sh"

cat >"$T/lab.yaml" <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    subnets:
      - { name: lb-a, cidr: 10.0.1.0/24, az: a }
      - { name: lb-b, cidr: 10.0.2.0/24, az: b, network_acl: no-http }
      - { name: app, cidr: 10.0.11.0/24, az: a }
    network_acls:
      - name: no-http
        inbound:
          - { rule: 100, action: deny, protocol: tcp, ports: 80, cidr: 10.0.11.0/24 }
          - { rule: 200, action: allow, protocol: all, cidr: 0.0.0.0/0 }
        outbound:
          - { rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0 }
    security_groups:
      - { name: alb-sg, inbound: [ { protocol: tcp, ports: 80, cidr: 10.0.0.0/16 } ] }
      - { name: web, inbound: [ { protocol: tcp, ports: 80, group: alb-sg } ] }
    instances:
      - { name: web1, subnet: app, ip: 10.0.11.10, security_groups: [web], run: "exec $ALBSRV web1 $T/srv-web1.log --http 80" }
      - { name: cli, subnet: app, ip: 10.0.11.20 }
      - { name: cli2, subnet: lb-a, ip: 10.0.1.20 }
    target_groups:
      - { name: web-tg, protocol: http, port: 80, targets: [web1], health_check: { interval: 5, timeout: 2, healthy: 2, unhealthy: 2 } }
    load_balancers:
      - name: app-alb
        subnets: [lb-a, lb-b]                # type application and scheme internal: AWS's defaults
        security_groups: [alb-sg]
        listeners:
          - { protocol: http, port: 80, default: web-tg }
EOF
OUT=$("$VPCLAB" check "$T/lab.yaml" 2>&1); RC=$?
check_rc "vpclab check (an internal application load balancer by default)" 0 $RC "$OUT"
check_match "check: application, internal" "load balancer app-alb \(application, internal\): internal-app-alb-" "$OUT"
lab_up "$T/lab.yaml"
ALB=app-alb
wait_for "web1 healthy" 30 is_tstate $ALB web-tg web1 healthy || not_ok "web1 healthy (state $(tstate $ALB web-tg web1))"
check "the scheme" internal "$(lbj $ALB "lb['scheme']")"
check_match "the DNS name: internal-NAME-ID.REGION.elb.amazonaws.com" '^internal-app-alb-[0-9a-f]{10}\.us-east-1\.elb\.amazonaws\.com$' "$(lbj $ALB "lb['dns']")"
check "no public IP on the nodes" "[None, None]" "$(lbj $ALB "[n['public_ip'] for n in lb['nodes']]")"
NA=$(lbj $ALB "node('lb-a')['private_ip']"); NB=$(lbj $ALB "node('lb-b')['private_ip']")
check_match "node lb-a's private IP" '^10\.0\.1\.[0-9]+$' "$NA"

E=$(hget cli "http://$NA/echo")
check "cli (subnet app) -> node lb-a: the target answers" web1 "$(echo_get "$E" "d['name']")"
check "the target sees node lb-a" "$NA" "$(echo_get "$E" "d['peer']")"
check "X-Forwarded-For is cli" 10.0.11.20 "$(echo_get "$E" "h('X-Forwarded-For')")"
E=$(hget cli2 "http://$NA/echo")
check "cli2, in the node's own subnet: X-Forwarded-For is cli2" 10.0.1.20 "$(echo_get "$E" "h('X-Forwarded-For')")"
check "cli -> node lb-b: its subnet's ACL denies 80 from app (no answer)" 000 \
	"$(on cli curl -s -m 3 -o /dev/null -w '%{http_code}' "http://$NB/" 2>/dev/null)"
check "cli2 -> node lb-b: the ACL admits lb-a" 200 "$(hcode cli2 "http://$NB/")"
check "the target sees node lb-b then" "$NB" "$(echo_get "$(hget cli2 "http://$NB/echo")" "d['peer']")"
