#!/usr/bin/env bash
# The AWS API and `vpclab export` together (issue 14): a lab is changed only through Debian's aws
# CLI (a security group rule, a route, a network ACL entry, an elastic IP association, an
# instance launched with user data), then exported; the export, brought up under another name
# after the first lab is down, has the same addresses and gives the same live traces (request
# and reply) for every pair, and the launched instance's server answers there too.
TID=apix; . "$(dirname "$0")/lib.sh"
if [ ! -x /usr/bin/aws ]; then not_ok "needs Debian's awscli (make deps)"; exit 1; fi
LAB2="${PFX}apiy"

cat >"$T/lab.yaml" <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    internet_gateway: true
    subnets:
      - { name: public, cidr: 10.0.1.0/24, route_table: pub, network_acl: pacl }
      - { name: private, cidr: 10.0.2.0/24 }
    route_tables:
      - { name: pub, routes: [] }
    network_acls:
      - name: pacl
        inbound:
          - { rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0 }
        outbound:
          - { rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0 }
    security_groups:
      - name: web
        inbound:
          - { protocol: tcp, ports: 80, cidr: 0.0.0.0/0 }
    instances:
      - { name: web, subnet: public, ip: 10.0.1.10, security_groups: [web] }
      - { name: db, subnet: private, ip: 10.0.2.10, security_groups: [web] }
elastic_ips:
  - { name: web-eip, ip: 203.0.113.50 }
internet:
  hosts:
    - { name: ext, ip: 198.51.100.10 }
EOF
LABS+=("$LAB" "$LAB2")
out=$(timeout 30 "$VPCLAB" up "$T/lab.yaml" --api 2>&1); rc=$?
check_rc "up --api" 0 "$rc" "$out"
[ "$rc" -eq 0 ] || exit 1
va() { timeout 30 "$VPCLAB" aws "$LAB" -- "$@" --output text 2>&1; }

SG=$(va ec2 describe-security-groups --filters Name=group-name,Values=web --query 'SecurityGroups[0].GroupId')
RTB=$(va ec2 describe-route-tables --filters Name=tag:Name,Values=pub --query 'RouteTables[0].RouteTableId')
ACL=$(va ec2 describe-network-acls --filters Name=tag:Name,Values=pacl --query 'NetworkAcls[0].NetworkAclId')
IGW=$(va ec2 describe-internet-gateways --query 'InternetGateways[0].InternetGatewayId')
WEB=$(va ec2 describe-instances --filters Name=tag:Name,Values=web --query 'Reservations[0].Instances[0].InstanceId')
ALLOC=$(va ec2 describe-addresses --query 'Addresses[0].AllocationId')
SUBNET=$(va ec2 describe-subnets --filters Name=tag:Name,Values=public --query 'Subnets[0].SubnetId')
check_match "ids from the describes" "^sg-[0-9a-f]{17} rtb-[0-9a-f]{17} acl-[0-9a-f]{17} igw-[0-9a-f]{17} i-[0-9a-f]{17} eipalloc-[0-9a-f]{17} subnet-[0-9a-f]{17}$" \
	"$SG $RTB $ACL $IGW $WEB $ALLOC $SUBNET"

out=$(va ec2 authorize-security-group-ingress --group-id "$SG" --protocol tcp --port 22 --cidr 198.51.100.10/32)
check_match "authorize ssh from ext" "True|sgr-" "$out"
out=$(va ec2 create-route --route-table-id "$RTB" --destination-cidr-block 0.0.0.0/0 --gateway-id "$IGW")
check_match "a default route to the internet gateway" "True" "$out"
out=$(va ec2 create-network-acl-entry --network-acl-id "$ACL" --ingress --rule-number 50 --protocol tcp \
	--port-range From=5432,To=5432 --cidr-block 0.0.0.0/0 --rule-action deny)
check_rc "an ACL entry denying 5432 in" 0 $? "$out"
out=$(va ec2 associate-address --allocation-id "$ALLOC" --instance-id "$WEB")
check_match "the elastic IP on web" "eipassoc-" "$out"
# the aws CLI base64-encodes --user-data itself, as AWS wants it on the wire
UD="exec $(command -v python3) -m http.server 8080 --bind 0.0.0.0"
out=$(va ec2 run-instances --image-id ami-12345678 --subnet-id "$SUBNET" --security-group-ids "$SG" \
	--private-ip-address 10.0.1.30 --user-data "$UD" --tag-specifications 'ResourceType=instance,Tags=[{Key=Name,Value=api1}]' \
	--query 'Instances[0].PrivateIpAddress')
check "run-instances: api1 on 10.0.1.30" "10.0.1.30" "$out"

"$VPCLAB" export "$LAB" >"$T/e.yaml" 2>"$T/e.err"; rc=$?
check_rc "vpclab export" 0 "$rc" "$(cat "$T/e.err")"
check_match "the export holds the API's changes" "api1.*ports: 22|ports: 22.*api1" "$(tr '\n' ' ' <"$T/e.yaml")"

addrs() {
	"$VPCLAB" status "$1" --json | /usr/bin/python3 -c 'import json,sys
for p in sorted(json.load(sys.stdin)["ports"], key=lambda p: p["name"]):
    print(p["name"], p["kind"], p["ip"], p.get("public_ip"))'
}
results() {
	local lab=$1 pair
	for pair in "ext web-eip --tcp 22" "ext web-eip --tcp 80" "ext web-eip --tcp 23" "web ext --tcp 443" \
		    "web db --tcp 5432" "db web --tcp 80" "web api1 --tcp 8080" "ext db --tcp 80"; do
		set -- $pair
		echo "== $pair"
		timeout 20 "$VPCLAB" trace --live --lab "$lab" --return --from "$1" --to "$2" "$3" "$4" 2>&1 |
			sed "s/$lab/LAB/g"
		echo "exit ${PIPESTATUS[0]}"
	done
}
before_addrs=$(addrs "$LAB")
before=$(results "$LAB")
check_match "the traces ran" "== ext web-eip --tcp 22.*trace ext -> web-eip" "$(echo "$before" | tr '\n' ' ')"
lab_down "$LAB" >/dev/null
check_rc "vpclab down $LAB" 0 $?

sed "s/^name: $LAB\$/name: $LAB2/" "$T/e.yaml" >"$T/f.yaml"
lab_up "$T/f.yaml"
LAB=$LAB2
check "the same addresses, private and public" "$before_addrs" "$(addrs "$LAB2")"
after=$(results "$LAB2")
check "the same traces for every pair" "$before" "$after"
[ "$before" = "$after" ] || diff <(echo "$before") <(echo "$after") | head -30 | sed 's/^/# /'
# (the group admits 80 and 22 only: asked from api1 itself)
served() { ip netns exec "$LAB2-api1" curl -s -m 2 -o /dev/null -w '%{http_code}' http://10.0.1.30:8080/ | grep -q 200; }
wait_for "api1's user data server in the export" 10 served && ok "api1's server answers in the exported lab" ||
	not_ok "api1's server in the exported lab"
