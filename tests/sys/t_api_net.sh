#!/usr/bin/env bash
# The AWS API's changing calls for routes, network ACL entries, elastic IPs and instances, with
# Debian's aws CLI (through `vpclab aws`) and boto3, each followed by real packets: a route to
# the internet gateway works at once and its deletion stops it; an ACL deny entry blocks at
# once (stateless) and its deletion unblocks; an associated elastic IP reaches the instance from
# the internet; RunInstances starts a namespace whose UserData server answers and
# TerminateInstances removes it; AWS's error codes for the bad cases; `vpclab export` holds it all.
TID=apin; . "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/sess_lib.sh"
AWS=/usr/bin/aws
if [ ! -x "$AWS" ] || ! /usr/bin/python3 -c 'import boto3' 2>/dev/null; then
	not_ok "needs Debian's awscli and python3-boto3 (make deps)"; exit 1
fi

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
      - name: pub
        routes:
          - { destination: 192.0.2.0/24, target: blackhole }
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
          - { protocol: icmp, cidr: 0.0.0.0/0 }
    instances:
      - { name: web, subnet: public, ip: 10.0.1.10, security_groups: [web] }
      - { name: app, subnet: public, ip: 10.0.1.20, public_ip: true, security_groups: [web] }
elastic_ips:
  - { name: web-eip, ip: 203.0.113.50 }
internet:
  hosts:
    - { name: ext, ip: 198.51.100.10 }
EOF

LABS+=("$LAB")
out=$(timeout 30 "$VPCLAB" up "$T/lab.yaml" --api 2>&1); rc=$?
check_rc "up --api" 0 "$rc" "$out"
[ "$rc" -eq 0 ] || exit 1
STATE=/run/vpclab/$LAB
va() { "$VPCLAB" aws "$LAB" -- "$@"; }
q() { va "$@" --output text 2>&1; }
# Describe of route tables is another change's: ids come from the stable hashes when it is absent
ids() {
	/usr/bin/python3 - "$LAB" "$@" <<'PY'
import sys
lab = sys.argv[1]
def fnv(h, s):
    for b in s.encode():
        h = ((h ^ b) * 1099511628211) & 0xffffffffffffffff
    return h
for arg in sys.argv[2:]:
    prefix, name = arg.split(":", 1)
    h = fnv(1469598103934665603, lab)
    h = ((h ^ ord('/')) * 1099511628211) & 0xffffffffffffffff
    if prefix != "eni":
        h = fnv(h, prefix)
        h = ((h ^ ord('/')) * 1099511628211) & 0xffffffffffffffff
    h = fnv(h, name)
    print("%s-%01x%016x" % (prefix, (h >> 60) ^ 0xa, h))
PY
}
read -r RTB ACL IGW EIPA WEB SUB SG MAINRTB < <(ids rtb:pub acl:pacl igw:main eipalloc:web-eip i:web subnet:public sg:web rtb:main/main | tr '\n' ' ')

# --- routes
ping_blocked app 198.51.100.10
out=$(q ec2 create-route --route-table-id "$RTB" --destination-cidr-block 0.0.0.0/0 --gateway-id "$IGW")
check "create-route to the internet gateway: True" "True" "$out"
ping_ok app 198.51.100.10
out=$(q ec2 create-route --route-table-id "$RTB" --destination-cidr-block 0.0.0.0/0 --gateway-id "$IGW"); rc=$?
check_match "the same route again: RouteAlreadyExists" "RouteAlreadyExists" "$out"
out=$(q ec2 create-route --route-table-id rtb-00000000000000000 --destination-cidr-block 0.0.0.0/0 --gateway-id "$IGW")
check_match "an unknown route table: InvalidRouteTableID.NotFound" "InvalidRouteTableID\.NotFound" "$out"
out=$(q ec2 create-route --route-table-id "$RTB" --destination-cidr-block 198.51.100.0/24 --gateway-id igw-00000000000000000)
check_match "an unknown gateway: InvalidGatewayID.NotFound" "InvalidGatewayID\.NotFound" "$out"
out=$(q ec2 create-route --route-table-id "$RTB" --destination-cidr-block 10.300.0.0/16 --gateway-id "$IGW")
check_match "a bad cidr: InvalidParameterValue" "InvalidParameterValue" "$out"
out=$(q ec2 delete-route --route-table-id "$RTB" --destination-cidr-block 198.51.100.0/24)
check_match "deleting a route that is not there: InvalidRoute.NotFound" "InvalidRoute\.NotFound" "$out"
out=$(q ec2 replace-route --route-table-id "$RTB" --destination-cidr-block 192.0.2.0/24 --gateway-id "$IGW")
check "replace-route of the blackhole" "" "$out"
check_match "  export: the route now targets igw" "destination: 192\.0\.2\.0/24, target: igw" "$("$VPCLAB" export "$LAB" 2>&1)"
out=$(q ec2 delete-route --route-table-id "$RTB" --destination-cidr-block 0.0.0.0/0)
check "delete-route" "" "$out"
ping_blocked app 198.51.100.10
# boto3 puts it back (the next test needs it), on the implicit main table too
out=$(/usr/bin/python3 - "$STATE" "$LAB" "$RTB" "$IGW" "$MAINRTB" <<'PY' 2>&1
import sys, boto3
state, lab, rtb, igw, main = sys.argv[1:]
import os
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = state + "/credentials"
s = boto3.session.Session(profile_name="vpclab-" + lab, region_name="us-east-1")
ec2 = s.client("ec2", endpoint_url=open(state + "/api-url").read().strip())
print(ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)["Return"])
print(ec2.create_route(RouteTableId=main, DestinationCidrBlock="198.51.100.0/24", GatewayId=igw)["Return"])
PY
)
check "boto3 create_route (a written table and the implicit main one)" "True
True" "$out"
ping_ok app 198.51.100.10
check_match "  export: the implicit main table is written with its route" \
	"name: main" "$("$VPCLAB" export "$LAB" 2>&1)"

# --- network ACL entries
out=$(q ec2 create-network-acl-entry --network-acl-id "$ACL" --egress --rule-number 50 --protocol 1 \
	--icmp-type-code Type=-1,Code=-1 --rule-action deny --cidr-block 198.51.100.0/24)
check "create-network-acl-entry deny icmp out" "" "$out"
ping_blocked app 198.51.100.10
tcp_ok app 198.51.100.10 8080
out=$(q ec2 create-network-acl-entry --network-acl-id "$ACL" --egress --rule-number 50 --protocol -1 \
	--rule-action allow --cidr-block 0.0.0.0/0)
check_match "the same rule number again: NetworkAclEntryAlreadyExists" "NetworkAclEntryAlreadyExists" "$out"
out=$(q ec2 create-network-acl-entry --network-acl-id acl-00000000000000000 --ingress --rule-number 50 \
	--protocol -1 --rule-action allow --cidr-block 0.0.0.0/0)
check_match "an unknown ACL: InvalidNetworkAclID.NotFound" "InvalidNetworkAclID\.NotFound" "$out"
out=$(q ec2 replace-network-acl-entry --network-acl-id "$ACL" --ingress --rule-number 77 --protocol 6 \
	--port-range From=80,To=80 --rule-action deny --cidr-block 0.0.0.0/0)
check_match "replacing a rule that is not there: InvalidNetworkAclEntry.NotFound" "InvalidNetworkAclEntry\.NotFound" "$out"
out=$(q ec2 create-network-acl-entry --network-acl-id "$ACL" --egress --rule-number 60 --protocol tcp \
	--port-range From=8080,To=8080 --rule-action deny --cidr-block 198.51.100.10/32)
check "create-network-acl-entry deny tcp 8080 out" "" "$out"
tcp_blocked app 198.51.100.10 8080
ex=$("$VPCLAB" export "$LAB" 2>&1)
check_match "  export: the tcp deny rule" "rule: 60, action: deny, protocol: tcp, ports: \"?8080\"?, cidr: 198\.51\.100\.10/32" "$ex"
# stateless: an open session is cut at its next packet, and lives again when the entry goes
echo_server ext tcp:7000
sess_open s7 app tcp 198.51.100.10 7000 47000
out=$(q ec2 create-network-acl-entry --network-acl-id "$ACL" --ingress --rule-number 70 --protocol 6 \
	--port-range From=47000,To=47000 --rule-action deny --cidr-block 198.51.100.10/32)
check "create-network-acl-entry deny the session's replies in" "" "$out"
sess_dies "acl entry in the way" s7
out=$(q ec2 delete-network-acl-entry --network-acl-id "$ACL" --ingress --rule-number 70)
check "delete-network-acl-entry 70" "" "$out"
sess_lives "acl entry deleted (after TCP's retransmission)" s7 15
sess_lives "acl entry deleted, again at once" s7
out=$(q ec2 delete-network-acl-entry --network-acl-id "$ACL" --egress --rule-number 50)
check "delete-network-acl-entry 50" "" "$out"
ping_ok app 198.51.100.10
out=$(q ec2 delete-network-acl-entry --network-acl-id "$ACL" --egress --rule-number 60)
tcp_ok app 198.51.100.10 8080
out=$(q ec2 delete-network-acl-entry --network-acl-id "$ACL" --egress --rule-number 60)
check_match "deleting it twice: InvalidNetworkAclEntry.NotFound" "InvalidNetworkAclEntry\.NotFound" "$out"

# --- elastic IPs
tcp_blocked ext web@203.0.113.50 80
out=$(q ec2 associate-address --allocation-id "$EIPA" --instance-id "$WEB")
check_match "associate-address: an association id" "^eipassoc-[0-9a-f]{17}$" "$out"
ASSOC=$out
tcp_ok ext web@203.0.113.50 80
out=$(q ec2 associate-address --allocation-id eipalloc-00000000000000000 --instance-id "$WEB")
check_match "an unknown allocation: InvalidAllocationID.NotFound" "InvalidAllocationID\.NotFound" "$out"
APP=$(ids i:app)
out=$(q ec2 associate-address --allocation-id "$EIPA" --instance-id "$APP" --no-allow-reassociation)
check_match "moving it with --no-allow-reassociation: Resource.AlreadyAssociated" "Resource\.AlreadyAssociated" "$out"
check_match "  export: the elastic IP is web's" "name: web-eip, ip: 203\.0\.113\.50, instance: web" "$("$VPCLAB" export "$LAB" 2>&1)"
out=$(q ec2 disassociate-address --association-id eipassoc-00000000000000000)
check_match "an unknown association: InvalidAssociationID.NotFound" "InvalidAssociationID\.NotFound" "$out"
out=$(q ec2 disassociate-address --association-id "$ASSOC")
check "disassociate-address" "" "$out"
tcp_blocked ext web@203.0.113.50 80

# --- instances
UD='python3 -m http.server 80 --bind 0.0.0.0'
out=$(q ec2 run-instances --image-id ami-12345678 --instance-type t3.micro --subnet-id "$SUB" \
	--security-group-ids "$SG" --private-ip-address 10.0.1.30 --user-data "$UD" \
	--tag-specifications 'ResourceType=instance,Tags=[{Key=Name,Value=api1}]' \
	--query 'Instances[].[InstanceId,PrivateIpAddress,State.Name]')
NEWID=$(ids i:api1)
check "run-instances: the new instance, its address, running" "$NEWID	10.0.1.30	running" "$out"
if ip netns list | grep -q "^$LAB-api1\b"; then ok "  its namespace exists"; else not_ok "  its namespace exists"; fi
SGW=$(ids sg:web)
wait_for "the UserData server of api1" 10 listening "$LAB-api1" tcp 80
out=$(on web timeout 5 curl -s -o /dev/null -w '%{http_code}' http://10.0.1.30/ 2>&1)
check "  its UserData server answers (curl from web)" "200" "$out"
out=$(q ec2 run-instances --image-id ami-1 --subnet-id subnet-00000000000000000)
check_match "an unknown subnet: InvalidSubnetID.NotFound" "InvalidSubnetID\.NotFound" "$out"
out=$(q ec2 run-instances --image-id ami-1 --subnet-id "$SUB" --security-group-ids sg-00000000000000000)
check_match "an unknown group: InvalidGroup.NotFound" "InvalidGroup\.NotFound" "$out"
# boto3: two at once, no name: generated ones
out=$(/usr/bin/python3 - "$STATE" "$LAB" "$SUB" <<'PY' 2>&1
import os, sys, boto3
state, lab, sub = sys.argv[1:]
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = state + "/credentials"
s = boto3.session.Session(profile_name="vpclab-" + lab, region_name="us-east-1")
ec2 = s.client("ec2", endpoint_url=open(state + "/api-url").read().strip())
r = ec2.run_instances(ImageId="ami-1", InstanceType="t3.nano", MinCount=2, MaxCount=2, SubnetId=sub)
ids = [i["InstanceId"] for i in r["Instances"]]
names = [t["Value"] for i in r["Instances"] for t in i["Tags"] if t["Key"] == "Name"]
print(len(ids), all(len(n) <= 15 for n in names))
t = ec2.terminate_instances(InstanceIds=ids)
print(sorted(x["CurrentState"]["Name"] + "/" + x["PreviousState"]["Name"] for x in t["TerminatingInstances"]))
PY
)
check "boto3 run_instances MinCount=MaxCount=2 then terminate_instances" "2 True
['terminated/running', 'terminated/running']" "$out"
check_match "  export: api1 with its run line" "name: api1 +subnet: public +ip: 10\.0\.1\.30 +security_groups: \[web\] +run: python3 -m http.server 80" "$("$VPCLAB" export "$LAB" 2>&1 | tr '\n' ' ')"
out=$(q ec2 terminate-instances --instance-ids "$NEWID" --query 'TerminatingInstances[].[InstanceId,CurrentState.Name,PreviousState.Name]')
check "terminate-instances" "$NEWID	terminated	running" "$out"
if ip netns list | grep -q "^$LAB-api1\b"; then not_ok "  its namespace is gone"; else ok "  its namespace is gone"; fi
out=$(on web curl -s -m 2 -o /dev/null -w '%{http_code}' http://10.0.1.30/ 2>&1)
check "  nothing answers at its address" "000" "$out"
out=$(q ec2 terminate-instances --instance-ids "$NEWID")
check_match "terminating it again: InvalidInstanceID.NotFound" "InvalidInstanceID\.NotFound" "$out"
check_nomatch "  export: api1 is gone" "api1" "$("$VPCLAB" export "$LAB" 2>&1)"

# --- export round trip of the changed lab
"$VPCLAB" export "$LAB" >"$T/now.yaml" 2>&1
out=$("$VPCLAB" check "$T/now.yaml" 2>&1); rc=$?
check_rc "the export passes check" 0 "$rc" "$out"
out=$(lab_down "$LAB" 2>&1); rc=$?
check_rc "vpclab down" 0 "$rc" "$out"

