#!/usr/bin/env bash
# The VPC resolver with real DNS: dig over UDP and TCP and kdig from instances (base+2 and
# 169.254.169.253) and from an internet host (192.0.2.53); an ACL that denies everything does
# not stop it (AWS filters neither); a VPC with DNS support off gets no answer at all; a private
# hosted zone answers only in its associated VPC; an alias answers the load balancer's nodes;
# failover switches to the secondary once the primary's health check fails; `vpclab dns` says the
# same as the resolver. Needs the resolver (dnsd) and its packet path (dnsdp).
TID=dnsnm; . "$(dirname "$0")/lib.sh"

cat >"$T/lab.yaml" <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    internet_gateway: true
    subnets:
      - { name: pub-a, cidr: 10.0.1.0/24, az: a, route_table: public }
      - { name: pub-b, cidr: 10.0.2.0/24, az: b, route_table: public }
      - { name: shut, cidr: 10.0.9.0/24, az: a, network_acl: none }
    route_tables:
      - { name: public, routes: [ { destination: 0.0.0.0/0, target: igw } ] }
    network_acls:
      - { name: none, inbound: [], outbound: [] }
    security_groups:
      - name: web
        inbound: [ { protocol: tcp, ports: 80, cidr: 0.0.0.0/0 } ]
      - name: closed
        inbound: []
        outbound: []
    instances:
      - { name: web1, subnet: pub-a, ip: 10.0.1.10, security_groups: [web],
          run: "exec $PY -m http.server 80 --bind 0.0.0.0" }
      - { name: web2, subnet: pub-b, ip: 10.0.2.10, security_groups: [web],
          run: "exec $PY -m http.server 80 --bind 0.0.0.0" }
      - { name: locked, subnet: shut, ip: 10.0.9.10, security_groups: [closed] }
    target_groups:
      - { name: web-tg, protocol: tcp, port: 80, targets: [web1, web2] }
      - { name: int-tg, protocol: tcp, port: 80, targets: [web2] }
    load_balancers:
      - name: web-nlb
        type: network
        scheme: internet-facing
        subnets: [pub-a, pub-b]
        listeners: [ { protocol: tcp, port: 80, forward: web-tg } ]
      - name: int-nlb
        type: network
        scheme: internal
        subnets: [pub-b]
        listeners: [ { protocol: tcp, port: 80, forward: int-tg } ]
  - name: other
    cidr: 10.1.0.0/16
    subnets:
      - { name: lone, cidr: 10.1.1.0/24 }
    instances:
      - { name: outsider, subnet: lone, ip: 10.1.1.10 }
  - name: quiet
    cidr: 10.2.0.0/16
    dns: { support: false }
    subnets:
      - { name: q, cidr: 10.2.1.0/24 }
    instances:
      - { name: mute, subnet: q, ip: 10.2.1.10 }
elastic_ips:
  - { name: web1-eip, ip: 203.0.113.10, instance: web1 }
  - { name: web2-eip, ip: 203.0.113.11, instance: web2 }
internet:
  hosts:
    - { name: ext, ip: 198.51.100.10 }
hosted_zones:
  - name: corp.internal
    vpcs: [main]
    records:
      - { name: db, type: A, values: [10.0.9.10] }
      - { name: www, type: A, alias: web-nlb }
      - { name: api, type: CNAME, values: [db.corp.internal] }
      - { name: app, type: A, failover: primary, values: [10.0.1.10], health_check: web1-hc }
      - { name: app, type: A, failover: secondary, values: [10.0.2.10] }
      - { name: "@", type: TXT, values: ["lab zone"] }
      - { name: mail, type: MX, values: ["10 db.corp.internal"] }
health_checks:
  - { name: web1-hc, ip: 203.0.113.10, port: 80, protocol: http, path: /, interval: 10, failure_threshold: 1 }
EOF
lab_up "$T/lab.yaml"
DIG="dig +time=1 +tries=1"

# --- instances' names, over UDP and TCP, at base+2 and 169.254.169.253, with dig and kdig
check "dig (UDP) a private name at base+2" "10.0.1.10" \
	"$(on web2 $DIG +short @10.0.0.2 ip-10-0-1-10.ec2.internal A)"
check "dig +tcp the same" "10.0.1.10" \
	"$(on web2 $DIG +tcp +short @10.0.0.2 ip-10-0-1-10.ec2.internal A)"
check "dig at 169.254.169.253" "10.0.1.10" \
	"$(on web2 $DIG +short @169.254.169.253 ip-10-0-1-10.ec2.internal A)"
check "kdig over UDP" "10.0.1.10" \
	"$(on web2 kdig +time=1 +retry=0 +short @10.0.0.2 ip-10-0-1-10.ec2.internal A)"
check "kdig +tcp" "10.0.1.10" \
	"$(on web2 kdig +time=1 +retry=0 +tcp +short @10.0.0.2 ip-10-0-1-10.ec2.internal A)"
check "vpclab exec uses resolv.conf (search ec2.internal)" "10.0.1.10" \
	"$("$VPCLAB" exec "$LAB" web2 -- dig +time=1 +tries=1 +short +search ip-10-0-1-10 A)"
check "PTR of an instance" "ip-10-0-2-10.ec2.internal." "$(on web1 $DIG +short @10.0.0.2 -x 10.0.2.10)"
check "a public name inside the VPC: the private address" "10.0.1.10" \
	"$(on web2 $DIG +short @10.0.0.2 ec2-203-0-113-10.compute-1.amazonaws.com A)"
check "the same from the internet: the public address" "203.0.113.10" \
	"$(on ext $DIG +short @192.0.2.53 ec2-203-0-113-10.compute-1.amazonaws.com A)"
check_match "a private name from the internet: NXDOMAIN" "status: NXDOMAIN" \
	"$(on ext $DIG @192.0.2.53 ip-10-0-1-10.ec2.internal A)"
check_match "an unknown name: NXDOMAIN" "status: NXDOMAIN" "$(on web1 $DIG @10.0.0.2 nosuch.example A)"

# --- an ACL and security groups that deny everything do not stop the resolver (AWS)
check "behind a deny-all ACL and SG, UDP" "10.0.1.10" \
	"$(on locked $DIG +short @10.0.0.2 ip-10-0-1-10.ec2.internal A)"
check "behind a deny-all ACL and SG, TCP" "10.0.1.10" \
	"$(on locked $DIG +tcp +short @10.0.0.2 ip-10-0-1-10.ec2.internal A)"

# --- DNS support off: no answer at all (a timeout, bounded by +time=1 +tries=1)
OUT=$(on mute $DIG @10.2.0.2 ip-10-2-1-10.ec2.internal A 2>&1); RC=$?
check_rc "support off: dig gets no answer (exit 9)" 9 $RC "$OUT"
check_match "support off: vpclab dns says nothing answers" "no answer" \
	"$("$VPCLAB" dns "$LAB" ip-10-2-1-10.ec2.internal --from mute)"

# --- the private zone: associated VPC only; CNAME, TXT at the apex, MX
check "db.corp.internal in main" "10.0.9.10" "$(on web1 $DIG +short @10.0.0.2 db.corp.internal A)"
check_match "db.corp.internal in other (not associated): NXDOMAIN" "status: NXDOMAIN" \
	"$(on outsider $DIG @10.1.0.2 db.corp.internal A)"
check_match "and from the internet: NXDOMAIN" "status: NXDOMAIN" "$(on ext $DIG @192.0.2.53 db.corp.internal A)"
check "a CNAME followed" "db.corp.internal.|10.0.9.10|" \
	"$(on web1 $DIG +short @10.0.0.2 api.corp.internal A | tr '\n' '|')"
check "TXT at the apex" '"lab zone"' "$(on web1 $DIG +short @10.0.0.2 corp.internal TXT)"
check "MX" "10 db.corp.internal." "$(on web1 $DIG +short @10.0.0.2 mail.corp.internal MX)"

# --- load balancer names: its nodes' addresses (private inside, public from the internet)
LBDNS=$("$VPCLAB" lb "$LAB" web-nlb --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["load_balancers"][0]["dns"])')
NODES_PRIV=$("$VPCLAB" lb "$LAB" web-nlb --json | $PY -c 'import json,sys; print(" ".join(sorted(n["private_ip"] for n in json.load(sys.stdin)["load_balancers"][0]["nodes"])))')
NODES_PUB=$("$VPCLAB" lb "$LAB" web-nlb --json | $PY -c 'import json,sys; print(" ".join(sorted(n["public_ip"] for n in json.load(sys.stdin)["load_balancers"][0]["nodes"])))')
# An internet-facing load balancer's name is public DNS on AWS: its public addresses everywhere.
check "the internet-facing NLB's name inside the VPC: its nodes' public addresses" "$NODES_PUB" \
	"$(on web1 $DIG +short @10.0.0.2 "$LBDNS" A | sort | tr '\n' ' ' | sed 's/ $//')"
check "the NLB's name from the internet: its nodes' public addresses" "$NODES_PUB" \
	"$(on ext $DIG +short @192.0.2.53 "$LBDNS" A | sort | tr '\n' ' ' | sed 's/ $//')"
check "an alias to it (www.corp.internal)" "$NODES_PUB" \
	"$(on web1 $DIG +short @10.0.0.2 www.corp.internal A | sort | tr '\n' ' ' | sed 's/ $//')"
check_nomatch "the nodes' private addresses are not among them" "10\.0\.[12]\.4" \
	"$(on web1 $DIG +short @10.0.0.2 "$LBDNS" A)"
check "curl from the internet by the NLB's name (resolv.conf: 192.0.2.53)" "200" \
	"$("$VPCLAB" exec "$LAB" ext -- curl -s -m 5 -o /dev/null -w '%{http_code}' "http://$LBDNS/")"

INTDNS=$("$VPCLAB" lb "$LAB" int-nlb --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["load_balancers"][0]["dns"])')
INTPRIV=$("$VPCLAB" lb "$LAB" int-nlb --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["load_balancers"][0]["nodes"][0]["private_ip"])')
check "an internal NLB's name inside the VPC: its node's private address" "$INTPRIV" \
	"$(on web1 $DIG +short @10.0.0.2 "$INTDNS" A)"
check_match "an internal NLB's name from the internet: NXDOMAIN (the lab's choice)" "status: NXDOMAIN" \
	"$(on ext $DIG @192.0.2.53 "$INTDNS" A)"

# --- apply: an added instance has its names at once
sed 's/^      - { name: locked, .*$/&\n      - { name: late, subnet: pub-b, ip: 10.0.2.20 }/' "$T/lab.yaml" >"$T/lab2.yaml"
"$VPCLAB" apply "$T/lab2.yaml" >/dev/null 2>&1; RC=$?
check_rc "apply adding instance late" 0 $RC
late_named() { [ "$(on web1 $DIG +short @10.0.0.2 ip-10-0-2-20.ec2.internal A)" = 10.0.2.20 ]; }
if wait_for "late's private name to answer" 5 late_named; then ok "an instance added by apply resolves by its private name"
else not_ok "an instance added by apply resolves by its private name"; fi
check "and by its short name" "10.0.2.20" "$(on web1 $DIG +short @10.0.0.2 late A)"
check "late's resolv.conf" "nameserver 10.0.0.2" "$(grep '^nameserver' "/etc/netns/$LAB-late/resolv.conf")"

# --- vpclab dns answers as the resolver does
check_match "vpclab dns app.corp.internal names the primary record" "app.corp.internal A: .*primary" \
	"$("$VPCLAB" dns "$LAB" app.corp.internal --from web2)"

# --- failover: the primary's server killed, the answer switches to the secondary
app_is() { [ "$(on web2 $DIG +short @10.0.0.2 app.corp.internal A)" = "$1" ]; }
# Route 53 counts a new check healthy only once it has passed: the primary after web1's server
# answers a check (interval 10 s).
wait_for "web1 to listen on 80" 10 listening "$LAB-web1" tcp 80
if wait_for "app.corp.internal to answer the primary" 40 app_is 10.0.1.10; then
	ok "app.corp.internal: the primary once its health check passes"
else
	not_ok "app.corp.internal: the primary (still $(on web2 $DIG +short @10.0.0.2 app.corp.internal A))"
fi
for p in $(ip netns pids "$LAB-web1"); do kill "$p"; done
if wait_for "app.corp.internal to switch to the secondary" 60 app_is 10.0.2.10; then
	ok "failover: the secondary once the primary's health check fails"
else
	not_ok "failover: still $(on web2 $DIG +short @10.0.0.2 app.corp.internal A)"
fi
