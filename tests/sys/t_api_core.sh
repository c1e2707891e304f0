#!/usr/bin/env bash
# The AWS API of a running lab, its core: `up --api` serves it on loopback; Debian's aws CLI
# (through `vpclab aws` and directly with --endpoint-url) and boto3 describe the lab's regions,
# zones, VPCs and subnets with filters; a wrong secret, a foreign key, no signature and an old
# X-Amz-Date are refused with AWS's codes; `down` stops the server.
TID=apic; . "$(dirname "$0")/lib.sh"
AWS=/usr/bin/aws
if [ ! -x "$AWS" ] || ! /usr/bin/python3 -c 'import boto3' 2>/dev/null; then
	not_ok "needs Debian's awscli and python3-boto3 (make deps)"; exit 1
fi

cat >"$T/lab.yaml" <<EOF
name: $LAB
region: eu-west-3
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    internet_gateway: true
    subnets:
      - { name: public, cidr: 10.0.1.0/24, az: a, map_public_ip: true }
      - { name: private, cidr: 10.0.2.0/24, az: b }
    instances:
      - { name: web, subnet: public, ip: 10.0.1.10 }
  - name: other
    cidr: 10.1.0.0/16
    subnets:
      - { name: o1, cidr: 10.1.1.0/28 }
EOF

out=$("$VPCLAB" up "$T/lab.yaml" --api=0.0.0.0:4566 2>&1); rc=$?
check_rc "up --api=0.0.0.0: refused (loopback only)" 2 "$rc" "$out"
check_match "  the refusal says why" "loopback" "$out"

LABS+=("$LAB")
out=$(timeout 30 "$VPCLAB" up "$T/lab.yaml" --api 2>&1); rc=$?
check_rc "up --api" 0 "$rc" "$out"
STATE=/run/vpclab/$LAB
URL=$(cat "$STATE/api-url" 2>/dev/null)
check_match "up --api prints the API's URL" "AWS API of lab $LAB: http://127\.0\.0\.1:[0-9]+" "$out"
check_match "api-url holds a loopback URL" "^http://127\.0\.0\.1:[0-9]+$" "$URL"
APIPID=$(awk '{print $1}' "$STATE/api.pid" 2>/dev/null)
if pid_alive "$APIPID"; then ok "the API runs (pid $APIPID)"; else not_ok "the API runs (api.pid: '$APIPID')"; fi
check "the credentials file is root's alone" "600" "$(stat -c %a "$STATE/credentials" 2>/dev/null)"
check_match "  in the aws CLI's format, profile vpclab-$LAB" \
	"^\[vpclab-$LAB\]$" "$(head -n1 "$STATE/credentials")"
PORT=${URL##*:}
listen=$(ss -ltnH "sport = :$PORT" 2>/dev/null | awk '{print $4}')
check "the API listens on 127.0.0.1 only" "127.0.0.1:$PORT" "$listen"
check_match "status shows the API's URL" "AWS API: $URL" "$("$VPCLAB" status "$LAB" 2>&1)"
check "status --json has api_url" "$URL" \
	"$("$VPCLAB" status "$LAB" --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin).get("api_url",""))')"

# --- the aws CLI through `vpclab aws`
va() { "$VPCLAB" aws "$LAB" -- "$@"; }
out=$(va ec2 describe-regions --query 'Regions[].RegionName' --output text 2>&1)
check "describe-regions: the lab's region" "eu-west-3" "$out"
out=$(va ec2 describe-availability-zones --query 'AvailabilityZones[].ZoneName' --output text 2>&1)
check "describe-availability-zones: the subnets' zones" "eu-west-3a	eu-west-3b" "$out"
out=$(va ec2 describe-vpcs --query 'Vpcs[].[Tags[0].Value,CidrBlock,State]' --output text 2>&1)
check "describe-vpcs: both VPCs, named by their Name tag" "main	10.0.0.0/16	available
other	10.1.0.0/16	available" "$out"
VPC=$(va ec2 describe-vpcs --filters Name=tag:Name,Values=main --query 'Vpcs[].VpcId' --output text 2>&1)
check_match "describe-vpcs --filters tag:Name: one id, vpc- and 17 hex digits" "^vpc-[0-9a-f]{17}$" "$VPC"
out=$(va ec2 describe-vpcs --vpc-ids "$VPC" --query 'Vpcs[].Tags[0].Value' --output text 2>&1)
check "describe-vpcs --vpc-ids" "main" "$out"
out=$(va ec2 describe-subnets --filters "Name=vpc-id,Values=$VPC" \
	--query 'Subnets[].[Tags[0].Value,CidrBlock,AvailabilityZone,MapPublicIpOnLaunch,AvailableIpAddressCount]' --output text 2>&1)
check "describe-subnets --filters vpc-id: the VPC's subnets" "public	10.0.1.0/24	eu-west-3a	True	250
private	10.0.2.0/24	eu-west-3b	False	251" "$out"
out=$(va ec2 describe-subnets --filters Name=availability-zone,Values=eu-west-3b --query 'Subnets[].Tags[0].Value' --output text 2>&1)
check "describe-subnets --filters availability-zone" "private" "$out"
out=$(va ec2 describe-subnets --filters 'Name=cidr-block,Values=10.1.*' --query 'Subnets[].[Tags[0].Value,AvailableIpAddressCount]' --output text 2>&1)
check "describe-subnets --filters cidr-block with a wildcard" "o1	11" "$out"
SUB=$(va ec2 describe-subnets --filters Name=tag:Name,Values=public --query 'Subnets[].SubnetId' --output text 2>&1)
out=$(va ec2 describe-subnets --subnet-ids "$SUB" --query 'Subnets[].[Tags[0].Value,VpcId]' --output text 2>&1)
check "describe-subnets --subnet-ids" "public	$VPC" "$out"
out=$(va ec2 describe-subnets --subnet-ids subnet-00000000000000000 2>&1); rc=$?
check_rc "an unknown subnet id: the aws CLI's service error" 254 "$rc" "$out"
check_match "  InvalidSubnetID.NotFound" "InvalidSubnetID\.NotFound" "$out"
out=$(va ec2 describe-vpcs --vpc-ids vpc-00000000000000000 2>&1); rc=$?
check_match "an unknown VPC id: InvalidVpcID.NotFound" "InvalidVpcID\.NotFound" "$out"
out=$(va ec2 describe-subnets --filters Name=no-such-filter,Values=x 2>&1); rc=$?
check_match "an unknown filter: InvalidParameterValue" "InvalidParameterValue" "$out"
out=$(va ec2 describe-key-pairs 2>&1); rc=$?
check_match "an action not served: InvalidAction" "InvalidAction" "$out"

# --- the aws CLI directly, with --endpoint-url and the lab's credentials
direct() {
	local profile
	profile=$(sed -n '1s/^\[\(.*\)\]$/\1/p' "${CREDS:-$STATE/credentials}")
	env -i PATH=/usr/bin:/bin HOME="$T" AWS_CONFIG_FILE=/dev/null AWS_PAGER= \
		AWS_SHARED_CREDENTIALS_FILE="${CREDS:-$STATE/credentials}" AWS_PROFILE="$profile" \
		AWS_DEFAULT_REGION=eu-west-3 "$AWS" --endpoint-url "$URL" "$@"
}
out=$(direct ec2 describe-subnets --query 'length(Subnets)' --output text 2>&1)
check "aws --endpoint-url describe-subnets: three subnets" "3" "$out"
sed 's/^\(aws_secret_access_key = \).*/\1AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/' "$STATE/credentials" >"$T/wrong-secret"
out=$(CREDS=$T/wrong-secret direct ec2 describe-vpcs 2>&1); rc=$?
check_rc "a wrong secret: refused" 254 "$rc" "$out"
check_match "  EC2: AuthFailure (as AWS answers a bad signature)" "AuthFailure.*AWS was not able to validate" "$out"
out=$(CREDS=$T/wrong-secret direct elbv2 describe-load-balancers 2>&1); rc=$?
check_rc "a wrong secret on ELBv2: refused" 254 "$rc" "$out"
check_match "  SignatureDoesNotMatch" "SignatureDoesNotMatch" "$out"
out=$(CREDS=$T/wrong-secret direct autoscaling describe-auto-scaling-groups 2>&1)
check_match "a wrong secret on Auto Scaling: SignatureDoesNotMatch" "SignatureDoesNotMatch" "$out"
sed 's/^\(aws_access_key_id = \).*/\1AKIAAAAAAAAAAAAAAAAA/' "$STATE/credentials" >"$T/wrong-key"
out=$(CREDS=$T/wrong-key direct ec2 describe-vpcs 2>&1); rc=$?
check_rc "an unknown access key: refused" 254 "$rc" "$out"
check_match "  AuthFailure (EC2's code for an unknown key)" "AuthFailure" "$out"
out=$(CREDS=$T/wrong-key direct elbv2 describe-load-balancers 2>&1)
check_match "  InvalidClientTokenId on ELBv2" "InvalidClientTokenId" "$out"

# --- boto3 with endpoint_url, and requests crafted by hand
cat >"$T/b.py" <<'EOF'
import configparser, datetime, hashlib, hmac, sys, urllib.error, urllib.request
import boto3, botocore
url, lab, region = sys.argv[1], sys.argv[2], sys.argv[3]
cp = configparser.ConfigParser(); cp.read("/run/vpclab/%s/credentials" % lab)
ak, sk = cp["vpclab-" + lab]["aws_access_key_id"], cp["vpclab-" + lab]["aws_secret_access_key"]
ec2 = boto3.client("ec2", endpoint_url=url, region_name=region, aws_access_key_id=ak, aws_secret_access_key=sk)
print("vpcs", sorted(t["Value"] for v in ec2.describe_vpcs()["Vpcs"] for t in v["Tags"]))
s = ec2.describe_subnets(Filters=[{"Name": "tag:Name", "Values": ["pub*", "o1"]}])["Subnets"]
print("subnets", sorted((x["Tags"][0]["Value"], x["CidrBlock"]) for x in s))
print("zones", [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]])
other = boto3.client("ec2", endpoint_url=url, region_name="us-west-2", aws_access_key_id=ak, aws_secret_access_key=sk)
print("other-region", len(other.describe_vpcs()["Vpcs"]))
def post(body, headers):
    r = urllib.request.Request(url + "/", data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(r) as f: return f.status, f.read().decode()
    except urllib.error.HTTPError as e: return e.code, e.read().decode()
body = "Action=DescribeVpcs&Version=2016-11-15"
ct = "application/x-www-form-urlencoded; charset=utf-8"
print("unsigned", *post(body, {"Content-Type": ct}))
# signed correctly, but 10 minutes ago
def signed(when):
    amz = when.strftime("%Y%m%dT%H%M%SZ"); day = amz[:8]; host = url.split("//")[1]
    creq = "\n".join(["POST", "/", "", "content-type:" + ct, "host:" + host, "x-amz-date:" + amz, "",
                      "content-type;host;x-amz-date", hashlib.sha256(body.encode()).hexdigest()])
    scope = "%s/%s/ec2/aws4_request" % (day, region)
    sts = "\n".join(["AWS4-HMAC-SHA256", amz, scope, hashlib.sha256(creq.encode()).hexdigest()])
    k = ("AWS4" + sk).encode()
    for part in (day, region, "ec2", "aws4_request"): k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    sig = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
    return {"Content-Type": ct, "X-Amz-Date": amz, "Authorization":
            "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=content-type;host;x-amz-date, Signature=%s" % (ak, scope, sig)}
now = datetime.datetime.utcnow()
print("fresh", post(body, signed(now))[0])
print("old", *post(body, signed(now - datetime.timedelta(minutes=10))))
EOF
out=$(/usr/bin/python3 "$T/b.py" "$URL" "$LAB" eu-west-3 2>&1)
check_match "boto3: describe_vpcs" "^vpcs \['main', 'other'\]$" "$out"
check_match "boto3: describe_subnets with tag:Name wildcards" \
	"^subnets \[\('o1', '10.1.1.0/28'\), \('public', '10.0.1.0/24'\)\]$" "$out"
check_match "boto3: describe_availability_zones" "^zones \['eu-west-3a', 'eu-west-3b'\]$" "$out"
check_match "boto3 in another region: an empty world" "^other-region 0$" "$out"
check_match "no signature: refused with MissingAuthenticationToken" "^unsigned 403 .*MissingAuthenticationToken" "$out"
check_match "a request signed by hand (python hmac) now: served" "^fresh 200$" "$out"
check_match "the same signed 10 minutes ago: RequestExpired" "^old 400 .*<Code>RequestExpired</Code>" "$out"

# --- an apply changes what the API describes, ids unchanged
sed 's|^      - { name: private, cidr: 10.0.2.0/24, az: b }$|&\n      - { name: late, cidr: 10.0.3.0/24, az: c }|' "$T/lab.yaml" >"$T/lab-applied.yaml"
out=$("$VPCLAB" apply "$T/lab-applied.yaml" 2>&1); rc=$?
check_rc "vpclab apply adds a subnet" 0 "$rc" "$out"
out=$(va ec2 describe-subnets --filters Name=tag:Name,Values=late --query 'Subnets[].[CidrBlock,AvailabilityZone,VpcId]' --output text 2>&1)
check "after the apply, describe-subnets shows it (same VPC id)" "10.0.3.0/24	eu-west-3c	$VPC" "$out"
out=$(va ec2 describe-subnets --subnet-ids "$SUB" --query 'Subnets[].SubnetId' --output text 2>&1)
check "  and the other subnets keep their ids" "$SUB" "$out"

# --- one server per lab: a second is refused and names the first
out=$("$VPCLAB" api "$LAB" 2>&1); rc=$?
check_rc "vpclab api beside up --api's server: refused" 1 "$rc" "$out"
check_match "  naming the URL it is served at" "already serves its AWS API at $URL" "$out"
out=$("$VPCLAB" api "$LAB" --listen 10.0.0.1:4566 2>&1); rc=$?
check_rc "vpclab api --listen on a non-loopback address: usage error" 2 "$rc" "$out"

# --- `vpclab api` in the foreground, for a lab brought up without --api: Ctrl-C (SIGINT)
# stops it, and so does the lab's down
LAB2="${PFX}apib"
sed -e "s/^name: .*/name: $LAB2/" -e '/^region:/d' "$T/lab.yaml" >"$T/lab2.yaml"
lab_up "$T/lab2.yaml"
check "up without --api: the credentials are written anyway" "600" "$(stat -c %a "/run/vpclab/$LAB2/credentials" 2>/dev/null)"
out=$("$VPCLAB" aws "$LAB2" -- ec2 describe-vpcs 2>&1); rc=$?
check_rc "vpclab aws of a lab that serves no API" 1 "$rc" "$out"
fg_api() {
	"$VPCLAB" api "$LAB2" --listen 127.0.0.1 >"$T/fg.out" 2>&1 &
	FG=$!; BG_PIDS+=("$FG")
	wait_for "the foreground API's line" 10 grep -q "the AWS API at" "$T/fg.out"
	FGURL=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$T/fg.out" | head -n1)
}
fg_api
check "vpclab api writes the URL it printed to api-url" "$FGURL" "$(cat "/run/vpclab/$LAB2/api-url" 2>/dev/null)"
out=$(CREDS=/run/vpclab/$LAB2/credentials URL=$FGURL direct ec2 describe-availability-zones \
	--region us-east-1 --query 'AvailabilityZones[].ZoneName' --output text 2>&1)
check "vpclab api (foreground) answers in the lab's region (us-east-1 by default)" "us-east-1a	us-east-1b" "$out"
kill -INT "$FG"
wait_for "the foreground API to stop on SIGINT" 5 pid_gone "$FG"
if pid_gone "$FG"; then ok "Ctrl-C stops vpclab api"; else not_ok "Ctrl-C stops vpclab api"; fi
if [ -e "/run/vpclab/$LAB2/api-url" ]; then not_ok "  and it removes api-url"; else ok "  and it removes api-url"; fi
fg_api
out=$(lab_down "$LAB2" 2>&1); rc=$?
check_rc "vpclab down of the second lab" 0 "$rc" "$out"
if pid_gone "$FG"; then ok "down stops a foreground vpclab api too"; else not_ok "down stops a foreground vpclab api too"; fi

# --- down stops the API process
out=$(lab_down "$LAB" 2>&1); rc=$?
check_rc "vpclab down" 0 "$rc" "$out"
if pid_gone "$APIPID"; then ok "down stopped the API (pid $APIPID)"; else not_ok "down stopped the API (pid $APIPID still runs)"; fi
check "nothing listens on the API's port" "" "$(ss -ltnH "sport = :$PORT" 2>/dev/null | grep "127.0.0.1:$PORT ")"
out=$("$VPCLAB" aws "$LAB" -- ec2 describe-vpcs 2>&1); rc=$?
check_rc "vpclab aws of a lab that is down" 1 "$rc" "$out"

# --- a crashed router: the API notices the lab is gone and stops; down cleans up the rest
out=$(timeout 30 "$VPCLAB" up "$T/lab2.yaml" --api 2>&1); rc=$?
check_rc "up --api of the second lab" 0 "$rc" "$out"
R2=$(cat "/run/vpclab/$LAB2/pid" 2>/dev/null); A2=$(awk '{print $1}' "/run/vpclab/$LAB2/api.pid" 2>/dev/null)
if pid_alive "$R2" && pid_alive "$A2"; then
	kill -9 "$R2"
	wait_for "the API of a crashed lab to stop" 5 pid_gone "$A2"
	if pid_gone "$A2"; then ok "the router killed: its API stops by itself"; else not_ok "the router killed: its API stops by itself"; fi
else
	not_ok "router ($R2) and API ($A2) of the second lab run"
fi
out=$(lab_down "$LAB2" 2>&1); rc=$?
check_rc "down after the crash" 0 "$rc" "$out"
if [ -e "/run/vpclab/$LAB2" ]; then not_ok "  nothing of the lab is left"; else ok "  nothing of the lab is left"; fi
