#!/usr/bin/env bash
# The AWS API's EC2 Describe calls on a running lab with every kind of object (groups with
# group references, a NAT gateway on an elastic IP, an instance route, a blackhole, a network
# ACL, an internet host, an auto scaling group): Debian's aws CLI (through `vpclab aws`) and
# boto3 see what `vpclab status --json` and the lab file say, the ids agree across calls and
# with the flow logs' eni ids, filters narrow, unknown ids get AWS's NotFound codes.
TID=apid; . "$(dirname "$0")/lib.sh"
if [ ! -x /usr/bin/aws ] || ! /usr/bin/python3 -c 'import boto3' 2>/dev/null; then
	not_ok "needs Debian's awscli and python3-boto3 (make deps)"; exit 1
fi

cat >"$T/lab.yaml" <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    internet_gateway: true
    subnets:
      - { name: public, cidr: 10.0.0.0/24, az: a, route_table: public, map_public_ip: true }
      - { name: private, cidr: 10.0.1.0/24, az: b, network_acl: locked }
      - { name: mid, cidr: 10.0.2.0/24, az: b, route_table: private }
    route_tables:
      - name: public
        routes:
          - { destination: 0.0.0.0/0, target: igw }
      - name: private
        main: true
        routes:
          - { destination: 0.0.0.0/0, target: nat }
          - { destination: 192.0.2.0/24, target: blackhole }
          - { destination: 203.0.113.128/25, target: fw }
    network_acls:
      - name: locked
        inbound:
          - { rule: 90, action: deny, protocol: icmp, icmp_type: 8, cidr: 0.0.0.0/0 }
          - { rule: 100, action: allow, protocol: tcp, ports: 5432, cidr: 10.0.0.0/24 }
          - { rule: 140, action: allow, protocol: tcp, ports: 1024-65535, cidr: 0.0.0.0/0 }
        outbound:
          - { rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0 }
    security_groups:
      - name: web
        description: web servers
        inbound:
          - { protocol: tcp, ports: 80, cidr: 0.0.0.0/0 }
          - { protocol: tcp, ports: 80, cidr: 198.51.100.0/24 }
          - { protocol: icmp, icmp_type: 8, cidr: 0.0.0.0/0 }
      - name: db
        inbound:
          - { protocol: tcp, ports: 5432, group: web }
    nat_gateways:
      - { name: nat, subnet: public, elastic_ip: nat-eip }
    instances:
      - { name: web, subnet: public, ip: 10.0.0.10, security_groups: [web] }
      - { name: auto, subnet: public, ip: 10.0.0.11 }
      - { name: db, subnet: private, ip: 10.0.1.10, security_groups: [db, web] }
      - { name: fw, subnet: mid, ip: 10.0.2.10, source_dest_check: false }
    launch_templates:
      - { name: lt, security_groups: [web], public_ip: false }
    auto_scaling_groups:
      - { name: grp, launch_template: lt, subnets: [private], min: 1, desired: 2, max: 3 }
  - name: other
    cidr: 10.1.0.0/16
    dns: { hostnames: false }
    subnets:
      - { name: o1, cidr: 10.1.1.0/24 }
elastic_ips:
  - { name: nat-eip, ip: 203.0.113.20 }
  - { name: web-eip, ip: 203.0.113.60, instance: web }
  - { name: spare, ip: 203.0.113.70 }
internet:
  hosts:
    - { name: ext, ip: 198.51.100.10 }
EOF

LABS+=("$LAB")
out=$(timeout 30 "$VPCLAB" up "$T/lab.yaml" --api 2>&1); rc=$?
check_rc "up --api, a lab with every kind of object" 0 "$rc" "$out"
[ "$rc" -eq 0 ] || exit 1
grp_running() { [ "$("$VPCLAB" status "$LAB" --json | /usr/bin/python3 -c 'import json,sys; print(sum(1 for p in json.load(sys.stdin)["ports"] if p.get("group") == "grp"))')" = 2 ]; }
wait_for "the auto scaling group's 2 instances in status" 20 grp_running

va() { "$VPCLAB" aws "$LAB" -- "$@"; }
q() { va ec2 "$@" --output text 2>&1; }
"$VPCLAB" status "$LAB" --json >"$T/status.json"

# --- security groups
SGWEB=$(q describe-security-groups --group-names web --query 'SecurityGroups[0].GroupId')
check_match "describe-security-groups --group-names web: sg- and 17 hex" "^sg-[0-9a-f]{17}$" "$SGWEB"
out=$(q describe-security-groups --group-ids "$SGWEB" --query 'SecurityGroups[0].IpPermissions[?FromPort==`80`].IpRanges[].CidrIp')
check "  two tcp 80 rules: one permission with both ranges" "0.0.0.0/0	198.51.100.0/24" "$out"
out=$(q describe-security-groups --group-ids "$SGWEB" --query 'SecurityGroups[0].IpPermissions[?IpProtocol==`icmp`].[FromPort,ToPort]')
check "  icmp echo: FromPort 8 (type), ToPort -1 (any code)" "8	-1" "$out"
out=$(q describe-security-groups --filters Name=group-name,Values=db --query 'SecurityGroups[0].IpPermissions[0].UserIdGroupPairs[0].GroupId')
check "  db admits the group web by its id" "$SGWEB" "$out"
out=$(q describe-security-groups --filters Name=group-name,Values=default --query 'length(SecurityGroups)')
check "  each VPC has its default group" "2" "$out"
out=$(q describe-security-groups --filters Name=group-name,Values=default --query 'SecurityGroups[].IpPermissionsEgress[0].IpProtocol')
check "  default groups allow all out (-1)" "-1	-1" "$out"
out=$(va ec2 describe-security-groups --group-ids sg-00000000000000000 2>&1); rc=$?
check_rc "an unknown group id: the CLI's service error" 254 "$rc" "$out"
check_match "  InvalidGroup.NotFound" "InvalidGroup\.NotFound" "$out"
out=$(q describe-security-group-rules --filters "Name=group-id,Values=$SGWEB" --query 'length(SecurityGroupRules)')
check "describe-security-group-rules --filters group-id: 3 in, 1 out" "4" "$out"
R1=$(q describe-security-group-rules --filters "Name=group-id,Values=$SGWEB" --query 'SecurityGroupRules[].SecurityGroupRuleId')
R2=$(q describe-security-group-rules --filters "Name=group-id,Values=$SGWEB" --query 'SecurityGroupRules[].SecurityGroupRuleId')
check "  rule ids are the same at every call" "$R1" "$R2"
check_match "  sgr- ids" "^sgr-[0-9a-f]{17}" "$R1"

# --- instances, with the router's status as the reference
/usr/bin/python3 - "$T/status.json" >"$T/want.txt" <<'EOF'
import json, sys
st = json.load(open(sys.argv[1]))
rows = []
for p in st["ports"]:
    if p["kind"] != "instance":
        continue
    a, b, c, d = p["ip"].split(".")
    rows.append("\t".join([p["name"], p["ip"], "ip-%s-%s-%s-%s.ec2.internal" % (a, b, c, d),
                           p["public_ip"] or "None", p["eni"], ",".join(sorted(p["security_groups"])),
                           str(p["source_dest_check"]), p.get("group", "-")]))
print("\n".join(sorted(rows)))
EOF
cat >"$T/inst.py" <<'EOF'
import configparser, sys
import boto3
lab, url = sys.argv[1], sys.argv[2]
cp = configparser.ConfigParser(); cp.read("/run/vpclab/%s/credentials" % lab)
ak, sk = cp["vpclab-" + lab]["aws_access_key_id"], cp["vpclab-" + lab]["aws_secret_access_key"]
ec2 = boto3.client("ec2", endpoint_url=url, region_name="us-east-1", aws_access_key_id=ak, aws_secret_access_key=sk)
rows = []
for r in ec2.describe_instances(Filters=[{"Name": "instance-state-name", "Values": ["running"]}])["Reservations"]:
    for i in r["Instances"]:
        tags = {t["Key"]: t["Value"] for t in i["Tags"]}
        ni = i["NetworkInterfaces"][0]
        assert i["State"]["Name"] == "running" and ni["PrivateIpAddress"] == i["PrivateIpAddress"]
        assert i["InstanceType"] == "t3.micro" and i["LaunchTime"].year >= 2024
        rows.append("\t".join([tags["Name"], i["PrivateIpAddress"], i["PrivateDnsName"],
                               i.get("PublicIpAddress", "None"), ni["NetworkInterfaceId"],
                               ",".join(sorted(g["GroupName"] for g in i["SecurityGroups"])),
                               str(i["SourceDestCheck"]), tags.get("aws:autoscaling:groupName", "-")]))
print("\n".join(sorted(rows)))
EOF
URL=$(cat "/run/vpclab/$LAB/api-url")
out=$(/usr/bin/python3 "$T/inst.py" "$LAB" "$URL" 2>&1)
check "boto3 describe_instances: every instance as status shows it (ip, DNS name, public IP, eni, groups, source/dest check, auto scaling group)" \
	"$(cat "$T/want.txt")" "$out"
check_match "  the group's instances are there" "grp-1" "$out"
out=$(q describe-instances --filters Name=tag:aws:autoscaling:groupName,Values=grp --query 'length(Reservations[].Instances[])')
check "describe-instances --filters tag:aws:autoscaling:groupName" "2" "$out"
IWEB=$(q describe-instances --filters Name=tag:Name,Values=web --query 'Reservations[].Instances[].InstanceId')
check_match "describe-instances --filters tag:Name: one i- id" "^i-[0-9a-f]{17}$" "$IWEB"
out=$(q describe-instances --instance-ids "$IWEB" --query 'Reservations[].Instances[].[PrivateIpAddress,PublicIpAddress,Placement.AvailabilityZone,PublicDnsName]')
check "describe-instances --instance-ids" "10.0.0.10	203.0.113.60	us-east-1a	ec2-203-0-113-60.compute-1.amazonaws.com" "$out"
out=$(q describe-instances --filters Name=private-ip-address,Values=10.0.1.10 --query 'Reservations[].Instances[].Tags[0].Value')
check "describe-instances --filters private-ip-address" "db" "$out"
out=$(q describe-instances --filters "Name=instance.group-id,Values=$SGWEB" --query 'length(Reservations[].Instances[])')
check "describe-instances --filters instance.group-id (web, db and the group's 2)" "4" "$out"
out=$(va ec2 describe-instances --instance-ids i-00000000000000000 2>&1)
check_match "an unknown instance id: InvalidInstanceID.NotFound" "InvalidInstanceID\.NotFound" "$out"

# --- network interfaces: the flow logs' ids (status shows them)
want=$(/usr/bin/python3 -c 'import json,sys; print("\n".join(sorted(p["eni"] for p in json.load(open(sys.argv[1]))["ports"] if p["kind"] == "instance")))' "$T/status.json")
out=$(q describe-network-interfaces --filters Name=interface-type,Values=interface --query 'NetworkInterfaces[].NetworkInterfaceId' | tr '\t' '\n' | sort)
check "describe-network-interfaces: the instances' eni ids are status's (the flow logs')" "$want" "$out"
NATENI=$(q describe-network-interfaces --filters Name=interface-type,Values=nat_gateway --query 'NetworkInterfaces[].NetworkInterfaceId')
check_match "  and the NAT gateway's interface" "^eni-[0-9a-f]{17}$" "$NATENI"
out=$(q describe-network-interfaces --filters "Name=attachment.instance-id,Values=$IWEB" --query 'NetworkInterfaces[].Association.PublicIp')
check "  web's, by attachment.instance-id: its elastic IP" "203.0.113.60" "$out"

# --- route tables
out=$(q describe-route-tables --filters Name=tag:Name,Values=private --query 'RouteTables[0].Routes[].[DestinationCidrBlock,GatewayId||NatGatewayId||InstanceId,State]')
NAT=$(q describe-nat-gateways --query 'NatGateways[].NatGatewayId')
IFW=$(q describe-instances --filters Name=tag:Name,Values=fw --query 'Reservations[].Instances[].InstanceId')
check "describe-route-tables: local, NAT gateway, blackhole, instance routes" "10.0.0.0/16	local	active
0.0.0.0/0	$NAT	active
192.0.2.0/24	None	blackhole
203.0.113.128/25	$IFW	active" "$out"
SUBMID=$(q describe-subnets --filters Name=tag:Name,Values=mid --query 'Subnets[].SubnetId')
out=$(q describe-route-tables --filters Name=tag:Name,Values=private --query 'RouteTables[0].Associations[].[Main,SubnetId]')
check "  the main association and mid's" "True	None
False	$SUBMID" "$out"
IGW=$(q describe-internet-gateways --query 'InternetGateways[].InternetGatewayId')
out=$(q describe-route-tables --filters "Name=route.gateway-id,Values=$IGW" --query 'RouteTables[].Tags[0].Value')
check "describe-route-tables --filters route.gateway-id (the internet gateway)" "public" "$out"
out=$(va ec2 describe-route-tables --route-table-ids rtb-00000000000000000 2>&1)
check_match "an unknown route table: InvalidRouteTableID.NotFound" "InvalidRouteTableID\.NotFound" "$out"

# --- network ACLs
out=$(q describe-network-acls --filters Name=tag:Name,Values=locked --query 'NetworkAcls[0].Entries[?Egress==`false`].[RuleNumber,Protocol,RuleAction,CidrBlock,PortRange.From,IcmpTypeCode.Type]')
check "describe-network-acls: entries by number, protocol numbers, the 32767 deny" "90	1	deny	0.0.0.0/0	None	8
100	6	allow	10.0.0.0/24	5432	None
140	6	allow	0.0.0.0/0	1024	None
32767	-1	deny	0.0.0.0/0	None	None" "$out"
out=$(q describe-network-acls --filters Name=default,Values=true Name=tag:Name,Values=default --query 'length(NetworkAcls)')
check "  each VPC's default ACL" "2" "$out"
out=$(va ec2 describe-network-acls --network-acl-ids acl-00000000000000000 2>&1)
check_match "an unknown ACL: InvalidNetworkAclID.NotFound" "InvalidNetworkAclID\.NotFound" "$out"

# --- addresses, gateways, attributes, tags
out=$(q describe-addresses --query 'Addresses[].[PublicIp,InstanceId,NetworkInterfaceId,PrivateIpAddress,Domain]')
check "describe-addresses: the NAT gateway's, web's, a spare one" "203.0.113.20	None	$NATENI	10.0.0.4	vpc
203.0.113.60	$IWEB	$(q describe-instances --instance-ids "$IWEB" --query 'Reservations[].Instances[].NetworkInterfaces[].NetworkInterfaceId')	10.0.0.10	vpc
203.0.113.70	None	None	None	vpc" "$out"
out=$(va ec2 describe-addresses --allocation-ids eipalloc-00000000000000000 2>&1)
check_match "an unknown allocation id: InvalidAllocationID.NotFound" "InvalidAllocationID\.NotFound" "$out"
VPC=$(q describe-vpcs --filters Name=tag:Name,Values=main --query 'Vpcs[].VpcId')
out=$(q describe-internet-gateways --query 'InternetGateways[].Attachments[].[VpcId,State]')
check "describe-internet-gateways: attached to main" "$VPC	available" "$out"
out=$(va ec2 describe-internet-gateways --internet-gateway-ids igw-00000000000000000 2>&1)
check_match "an unknown internet gateway: InvalidInternetGatewayID.NotFound" "InvalidInternetGatewayID\.NotFound" "$out"
out=$(q describe-nat-gateways --query 'NatGateways[].[State,NatGatewayAddresses[0].PublicIp,NatGatewayAddresses[0].PrivateIp,NatGatewayAddresses[0].NetworkInterfaceId]')
check "describe-nat-gateways: available, its elastic IP and interface" "available	203.0.113.20	10.0.0.4	$NATENI" "$out"
out=$(va ec2 describe-nat-gateways --nat-gateway-ids nat-00000000000000000 2>&1)
check_match "an unknown NAT gateway: NatGatewayNotFound" "NatGatewayNotFound" "$out"
out=$(q describe-vpc-attribute --vpc-id "$VPC" --attribute enableDnsHostnames --query 'EnableDnsHostnames.Value')
check "describe-vpc-attribute enableDnsHostnames (main: the default, on)" "True" "$out"
VPC2=$(q describe-vpcs --filters Name=tag:Name,Values=other --query 'Vpcs[].VpcId')
out=$(q describe-vpc-attribute --vpc-id "$VPC2" --attribute enableDnsHostnames --query 'EnableDnsHostnames.Value')
check "  other: off, as its dns: says" "False" "$out"
out=$(q describe-tags --filters "Name=resource-id,Values=$IWEB" --query 'Tags[].[Key,Value,ResourceType]')
check "describe-tags --filters resource-id" "Name	web	instance" "$out"
out=$(q describe-tags --filters Name=key,Values=aws:autoscaling:groupName --query 'Tags[].Value')
check "describe-tags: the group's instances' aws:autoscaling:groupName" "grp	grp" "$out"

# --- the flow logs name web's interface as the API does
ENIWEB=$(q describe-instances --instance-ids "$IWEB" --query 'Reservations[].Instances[].NetworkInterfaces[].NetworkInterfaceId')
on ext ping -c 1 -W 2 203.0.113.60 >/dev/null 2>&1
out=$("$VPCLAB" flowlogs web --lab "$LAB" 2>&1)
check_match "web's flow log records carry the eni id DescribeInstances gave" "^2 123456789012 $ENIWEB 198\.51\.100\.10 10\.0\.0\.10 " "$out"

echo "api_describe: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
