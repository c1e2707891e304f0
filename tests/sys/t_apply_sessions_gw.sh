#!/usr/bin/env bash
# `vpclab apply` and open sessions through the gateways (AWS, reference 4.4, 5, 6):
#   - a flow through a NAT gateway is always tracked, even from an instance open both ways: its
#     outbound rule narrowed, it lives;
#   - an elastic IP moved to another instance ends the old holder's flow through the internet
#     gateway (the count the dry run gave); the address then reaches the new holder;
#   - a NAT gateway removed ends its translations and the session through it;
#   - the internet gateway removed ends the flows through it.
TID=apgw; . "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/sess_lib.sh"

IGW=true
RPUB='          - { destination: 0.0.0.0/0, target: igw }'
RPRIV='          - { destination: 0.0.0.0/0, target: nat }'
NAT='    nat_gateways:
      - { name: nat, subnet: pub, ip: 10.63.0.5, elastic_ip: nat-eip }'
APPOUT='          - { protocol: all, cidr: 0.0.0.0/0 }'
WEBEIP=web
gen() {
	cat >"$1" <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.63.0.0/16
    internet_gateway: $IGW
    subnets:
      - { name: pub, cidr: 10.63.0.0/24, route_table: pub }
      - { name: priv, cidr: 10.63.1.0/24, route_table: priv }
    route_tables:
      - name: pub
        routes:
$RPUB
          - { destination: 192.0.2.0/24, target: blackhole }
      - name: priv
        routes:
$RPRIV
          - { destination: 192.0.2.0/24, target: blackhole }
    security_groups:
      - name: web
        inbound:
          - { protocol: tcp, ports: 7000, cidr: 198.51.100.0/24 }
        outbound:
          - { protocol: all, cidr: 0.0.0.0/0 }
      - name: app
        inbound:
          - { protocol: all, cidr: 0.0.0.0/0 }
        outbound:
$APPOUT
$NAT
    instances:
      - { name: web, subnet: pub, ip: 10.63.0.10, security_groups: [web] }
      - { name: web2, subnet: pub, ip: 10.63.0.11, security_groups: [web] }
      - { name: app, subnet: priv, ip: 10.63.1.10, security_groups: [app] }
elastic_ips:
  - { name: nat-eip, ip: 203.0.113.70 }
  - { name: web-eip, ip: 203.0.113.71, instance: $WEBEIP }
internet:
  hosts:
    - { name: ext, ip: 198.51.100.30 }
EOF
}
gen "$T/lab.yaml"
lab_up "$T/lab.yaml"
EXT=198.51.100.30 EIP=203.0.113.71 APP=10.63.1.10

echo_server ext tcp:9000 tcp:9001
echo_server web tcp:7000
echo_server web2 tcp:7000
sess_open sn app tcp $EXT 9000 49000
sess_open sw ext tcp $EIP 7000 47000
check "app -> ext through the NAT gateway: tracked at app (open both ways, yet NAT)" True \
	"$(tracked app $APP:49000 $EXT:9000)"
check "ext -> web-eip: tracked at web" True "$(tracked web $EXT:47000 10.63.0.10:7000)"

# ---- a NAT gateway flow is tracked: app's outbound all narrowed to tcp 443, it lives
APPOUT='          - { protocol: tcp, ports: 443, cidr: 0.0.0.0/0 }'; gen "$T/lab.yaml"
apply_json "$T/lab.yaml"
check "app's outbound narrowed: 0 ended" 0 "$(apply_get 'd["ended"]')"
sess_lives "app's outbound narrowed (NAT flows are tracked)" sn
b=$(drops sg_egress)
check "app's outbound narrowed: a new connection to ext:9001 is refused" "fail: no echo" \
	"$(probe app tcp $EXT 9001 | sed 's/fail: timed out/fail: no echo/')"
check_grew "as a sg_egress drop" "$b" "$(drops sg_egress)"

# ---- web-eip moved from web to web2: web's flow through the internet gateway ends
WEBEIP=web2; gen "$T/lab.yaml"
apply_json "$T/lab.yaml" --dry-run
dry=$(apply_get 'd["ends"]')
check "web-eip moved (dry run): ends 1 flow" 1 "$dry"
sess_lives "after the dry run" sw
apply_json "$T/lab.yaml"
check "web-eip moved: ended what the dry run said" "$dry" "$(apply_get 'd["ended"]')"
check "web's flow from ext is gone" None "$(tracked web $EXT:47000 10.63.0.10:7000)"
sess_dies "web-eip moved to web2" sw
sess_abort sw
sess_open sw2 ext tcp $EIP 7000 47002
check "the new session reached web2" True "$(tracked web2 $EXT:47002 10.63.0.11:7000)"
sess_lives "web-eip moved" sn

# ---- the NAT gateway removed (and the route to it): its translations and the session end
NAT=''; RPRIV=''; gen "$T/lab.yaml"
apply_json "$T/lab.yaml" --dry-run
check "nat removed (dry run): its line ends 1 (the translation)" 1 \
	"$(apply_get 'sum(c["ends"] for c in d["changes"] if c["kind"] == "nat_gateway")')"
apply_json "$T/lab.yaml"
check "nat removed: 1 translation ended" 1 "$(apply_get 'd["translations_ended"]')"
sess_dies "nat removed" sn
sess_abort sn
sess_lives "nat removed" sw2

# ---- the internet gateway removed (its route too): the flow through it ends
IGW=false; RPUB=''; gen "$T/lab.yaml"
apply_json "$T/lab.yaml" --dry-run
dry=$(apply_get 'd["ends"]')
check "igw removed (dry run): ends 1 flow" 1 "$dry"
apply_json "$T/lab.yaml"
check "igw removed: ended what the dry run said" "$dry" "$(apply_get 'd["ended"]')"
check "web2's flow from ext is gone" None "$(tracked web2 $EXT:47002 10.63.0.11:7000)"
sess_dies "igw removed" sw2
