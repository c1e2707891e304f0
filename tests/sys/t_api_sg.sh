#!/usr/bin/env bash
# Security group rules changed through the lab's AWS API, seen in real packets at once:
# authorize-security-group-ingress (the aws CLI's shorthand, --ip-permissions, --group-name,
# --source-group, boto3's IpPermissions and older top-level form) opens a port for the next
# connection; a revoke refuses new connections while a tracked one (/32 rule) goes on and an
# untracked one (0.0.0.0/0 rule, outbound open) is cut (AWS 4.4); egress rules likewise; AWS's
# error codes (InvalidPermission.Duplicate, InvalidPermission.NotFound, InvalidGroup.NotFound,
# InvalidParameterValue); `vpclab export` writes the rules the API added.
TID=apisg; . "$(dirname "$0")/lib.sh"
if [ ! -x /usr/bin/aws ] || ! /usr/bin/python3 -c 'import boto3' 2>/dev/null; then
	not_ok "needs Debian's awscli and python3-boto3 (make deps)"; exit 1
fi

cat >"$T/lab.yaml" <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.9.0.0/16
    internet_gateway: true
    subnets:
      - { name: pub, cidr: 10.9.0.0/24, route_table: pub }
    route_tables:
      - name: pub
        routes:
          - { destination: 0.0.0.0/0, target: igw }
    security_groups:
      - name: web
        inbound:
          - { protocol: icmp, cidr: 0.0.0.0/0 }
      - name: admin
        inbound: []
    instances:
      - { name: srv, subnet: pub, ip: 10.9.0.10, security_groups: [web] }
      - { name: adm, subnet: pub, ip: 10.9.0.11, security_groups: [admin] }
elastic_ips:
  - { name: srv-eip, ip: 203.0.113.60, instance: srv }
internet:
  hosts:
    - { name: ext, ip: 198.51.100.10 }
    - { name: other, ip: 198.51.100.20 }
EOF
LABS+=("$LAB")
out=$(timeout 30 "$VPCLAB" up "$T/lab.yaml" --api 2>&1); rc=$?
check_rc "up --api" 0 "$rc" "$out"
[ "$rc" -eq 0 ] || exit 1
pid=$(status_get "$LAB" pid 2>/dev/null); [[ "$pid" =~ ^[0-9]+$ ]] && ROUTER_PIDS+=("$pid")
va() { "$VPCLAB" aws "$LAB" -- "$@"; }

# echo servers and held sessions
cat >"$T/echo.py" <<'PYEOF'
# echo.py server PORT...          echo lines on each port (for at most 120 s)
# echo.py session IP PORT GO      connect, one echo; when file GO exists another: "second ok|failed"
import os, socket, sys, threading, time
if sys.argv[1] == "server":
    def serve(c):
        c.settimeout(120)
        try:
            while True:
                d = c.recv(100)
                if not d:
                    break
                c.sendall(d)
        except OSError:
            pass
        c.close()
    def listen(port):
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", port)); s.listen(16)
        while True:
            c, _ = s.accept()
            threading.Thread(target=serve, args=(c,), daemon=True).start()
    for p in sys.argv[2:]:
        threading.Thread(target=listen, args=(int(p),), daemon=True).start()
    time.sleep(120)
else:
    c = socket.socket(); c.settimeout(3)
    c.connect((sys.argv[2], int(sys.argv[3])))
    c.sendall(b"one\n"); print("first", c.recv(100).decode().strip(), flush=True)
    end = time.time() + 60
    while not os.path.exists(sys.argv[4]) and time.time() < end:
        time.sleep(0.05)
    try:
        c.sendall(b"two\n"); d = c.recv(100)
        print("second ok" if d == b"two\n" else "second failed: %r" % d, flush=True)
    except OSError as e:
        print("second failed: %s" % e, flush=True)
PYEOF
on_bg srv "$PY" "$T/echo.py" server 22 80 5000
on_bg ext "$PY" "$T/echo.py" server 443 8080
for p in 22 80 5000; do _wait_listen "$LAB-srv" tcp "$p"; done
for p in 443 8080; do _wait_listen "$LAB-ext" tcp "$p"; done
nc_z() { on "$1" timeout 3 nc -z -w 2 "$2" "$3" >/dev/null 2>&1; }
opens() { if nc_z "$@"; then ok "$1 -> $2:$3 connects${4:+ ($4)}"; else not_ok "$1 -> $2:$3 connects${4:+ ($4)}"; fi; }
shut() { if nc_z "$@"; then not_ok "$1 -> $2:$3 refused${4:+ ($4)}"; else ok "$1 -> $2:$3 refused${4:+ ($4)}"; fi; }

SG=$(va ec2 describe-security-groups --filters Name=group-name,Values=web --query 'SecurityGroups[].GroupId' --output text 2>/dev/null)
[[ "$SG" =~ ^sg-[0-9a-f]{17}$ ]] || SG=$(/usr/bin/python3 -c '
import sys
def fnv(h, s):
    for b in s.encode():
        h = ((h ^ b) * 1099511628211) & (2**64 - 1)
    return h
h = fnv(1469598103934665603, sys.argv[1]); h = ((h ^ 47) * 1099511628211) & (2**64 - 1)
h = fnv(h, "sg"); h = ((h ^ 47) * 1099511628211) & (2**64 - 1); h = fnv(h, "web")
print("sg-%01x%016x" % ((h >> 60) ^ 0xa, h))' "$LAB")
diag "group web: $SG"

# --- authorize (the aws CLI's shorthand): the next connection gets in
shut ext 203.0.113.60 22 "before any rule"
out=$(va ec2 authorize-security-group-ingress --group-id "$SG" --protocol tcp --port 22 --cidr 198.51.100.10/32 --output json 2>&1); rc=$?
check_rc "authorize-security-group-ingress --protocol tcp --port 22 --cidr" 0 "$rc" "$out"
check_match "  answers Return true" '"Return": true' "$out"
check_match "  and the rule with its id" '"SecurityGroupRuleId": "sgr-[0-9a-f]{17}"' "$out"
check_match "  its group, port and CIDR" "\"GroupId\":\"$SG\".*\"FromPort\":22,.*\"CidrIpv4\":\"198.51.100.10/32\"" \
	"$(printf '%s' "$out" | tr -d ' \n')"
opens ext 203.0.113.60 22 "at once after the authorize"
shut other 203.0.113.60 22 "another source: not in the /32"

out=$(va ec2 authorize-security-group-ingress --group-id "$SG" --protocol tcp --port 22 --cidr 198.51.100.10/32 2>&1); rc=$?
check_rc "the same rule again: refused" 254 "$rc" "$out"
check_match "  InvalidPermission.Duplicate" "InvalidPermission\.Duplicate" "$out"
out=$(va ec2 revoke-security-group-ingress --group-id "$SG" --protocol tcp --port 23 --cidr 198.51.100.10/32 2>&1)
check_match "revoking a rule the group does not have: InvalidPermission.NotFound" "InvalidPermission\.NotFound" "$out"
out=$(va ec2 authorize-security-group-ingress --group-id sg-00000000000000000 --protocol tcp --port 22 --cidr 198.51.100.10/32 2>&1)
check_match "an unknown group: InvalidGroup.NotFound" "InvalidGroup\.NotFound" "$out"
out=$(va ec2 authorize-security-group-ingress --group-id "$SG" --protocol tcp --port 22 --cidr 198.51.100.300/32 2>&1)
check_match "a bad CIDR: InvalidParameterValue" "InvalidParameterValue" "$out"
out=$(va ec2 authorize-security-group-ingress --group-id "$SG" --protocol tcp --port 90-80 --cidr 198.51.100.10/32 2>&1)
check_match "a reversed port range: InvalidParameterValue" "InvalidParameterValue" "$out"

# --- revoke: a tracked connection (/32 rule) goes on, a new one is refused
rm -f "$T/go1"
on_bg ext "$PY" "$T/echo.py" session 203.0.113.60 22 "$T/go1" >"$T/s1.out"
wait_for "the session's first echo" 5 grep -q "first one" "$T/s1.out"
check "a session ext -> srv:22 is up" "first one" "$(head -n1 "$T/s1.out")"
out=$(va ec2 revoke-security-group-ingress --group-id "$SG" --protocol tcp --port 22 --cidr 198.51.100.10/32 --output json 2>&1); rc=$?
check_rc "revoke-security-group-ingress (shorthand)" 0 "$rc" "$out"
check_match "  answers Return true" '"Return": true' "$out"
shut ext 203.0.113.60 22 "a new connection after the revoke"
touch "$T/go1"
wait_for "the session's second echo" 6 grep -q "second" "$T/s1.out"
check "the tracked session (its rule named a /32) keeps working (AWS 4.4)" "second ok" "$(sed -n 2p "$T/s1.out")"

# --- an untracked flow (0.0.0.0/0 rule, outbound all open) is cut by the revoke; boto3 here
cat >"$T/b.py" <<'PYEOF'
import configparser, json, sys
import boto3, botocore
lab, sg, what = sys.argv[1], sys.argv[2], sys.argv[3]
cp = configparser.ConfigParser(); cp.read("/run/vpclab/%s/credentials" % lab)
c = cp["vpclab-" + lab]
url = open("/run/vpclab/%s/api-url" % lab).read().strip()
ec2 = boto3.client("ec2", endpoint_url=url, region_name="us-east-1",
                   aws_access_key_id=c["aws_access_key_id"], aws_secret_access_key=c["aws_secret_access_key"])
def call(f, **kw):
    try:
        r = f(**kw); r.pop("ResponseMetadata", None); return r
    except botocore.exceptions.ClientError as e:
        return {"error": e.response["Error"]["Code"]}
if what == "open80":
    r = call(ec2.authorize_security_group_ingress, GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    print(r["SecurityGroupRules"][0]["SecurityGroupRuleId"] if "SecurityGroupRules" in r else r)
elif what == "revoke-id":
    print(call(ec2.revoke_security_group_ingress, GroupId=sg, SecurityGroupRuleIds=[sys.argv[4]]))
elif what == "flat":
    # the older top-level form; then its duplicate, its revoke, a revoke of nothing, no group
    print("add", call(ec2.authorize_security_group_ingress, GroupId=sg, IpProtocol="tcp", FromPort=5000,
                      ToPort=5000, CidrIp="198.51.100.20/32").get("Return"))
elif what == "flat-errors":
    print("dup", call(ec2.authorize_security_group_ingress, GroupId=sg, IpProtocol="tcp", FromPort=5000,
                      ToPort=5000, CidrIp="198.51.100.20/32"))
    print("revoke", call(ec2.revoke_security_group_ingress, GroupId=sg, IpProtocol="tcp", FromPort=5000,
                         ToPort=5000, CidrIp="198.51.100.20/32"))
    print("absent", call(ec2.revoke_security_group_ingress, GroupId=sg, IpProtocol="tcp", FromPort=5000,
                         ToPort=5000, CidrIp="198.51.100.20/32"))
    print("nogroup", call(ec2.authorize_security_group_ingress, GroupId="sg-0123456789abcdef0",
                          IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}]))
    print("badport", call(ec2.authorize_security_group_ingress, GroupId=sg, IpPermissions=[
        {"IpProtocol": "udp", "FromPort": 70000, "ToPort": 70000, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}]))
PYEOF
b3() { /usr/bin/python3 "$T/b.py" "$LAB" "$SG" "$@" 2>&1; }
RID=$(b3 open80)
check_match "boto3 authorize (IpPermissions) tcp 80 from 0.0.0.0/0: a rule id" "^sgr-[0-9a-f]{17}$" "$RID"
rm -f "$T/go2"
on_bg other "$PY" "$T/echo.py" session 203.0.113.60 80 "$T/go2" >"$T/s2.out"
wait_for "the HTTP session's first echo" 5 grep -q "first one" "$T/s2.out"
check "a session other -> srv:80 is up" "first one" "$(head -n1 "$T/s2.out")"
out=$(b3 revoke-id "$RID")
check_match "boto3 revoke by SecurityGroupRuleIds" "'Return': True" "$out"
touch "$T/go2"
wait_for "the HTTP session's end" 8 grep -q "second" "$T/s2.out"
check_match "the untracked session (0.0.0.0/0 rule, outbound open) is cut (AWS 4.4)" "^second failed" "$(sed -n 2p "$T/s2.out")"
shut other 203.0.113.60 80 "after the revoke"

out=$(b3 flat)
check "boto3's older form (top-level IpProtocol/FromPort/ToPort/CidrIp)" "add True" "$out"
opens other 203.0.113.60 5000 "the rule it added"
out=$(b3 flat-errors)
check_match "boto3: the same rule again: InvalidPermission.Duplicate" "^dup \{'error': 'InvalidPermission.Duplicate'\}" "$out"
check_match "boto3: its revoke" "^revoke \{'Return': True" "$out"
check_match "boto3: revoking it again: InvalidPermission.NotFound" "^absent \{'error': 'InvalidPermission.NotFound'\}" "$out"
check_match "boto3: an unknown group: InvalidGroup.NotFound" "^nogroup \{'error': 'InvalidGroup.NotFound'\}" "$out"
check_match "boto3: port 70000: InvalidParameterValue" "^badport \{'error': 'InvalidParameterValue'\}" "$out"
shut other 203.0.113.60 5000 "revoked by boto3"

# --- --group-name and --source-group: adm (group admin) reaches srv:5000
shut adm 10.9.0.10 5000 "before the group rule"
out=$(va ec2 authorize-security-group-ingress --group-name web --protocol tcp --port 5000 --source-group admin 2>&1); rc=$?
check_rc "authorize --group-name web --source-group admin" 0 "$rc" "$out"
opens adm 10.9.0.10 5000 "from a member of group admin"
shut other 203.0.113.60 5000 "not a member"
AG=$(va ec2 authorize-security-group-ingress --group-id "$SG" --ip-permissions \
	'IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=[{CidrIp=198.51.100.10/32},{CidrIp=198.51.100.20/32}]' \
	--query 'length(SecurityGroupRules)' --output text 2>&1)
check "--ip-permissions with two ranges: two rules" "2" "$AG"
opens ext 203.0.113.60 22 "first range"
opens other 203.0.113.60 22 "second range"

# --- ICMP: FromPort is the type, ToPort the code; the peer a group by id
ping_blocked srv adm
out=$(va ec2 authorize-security-group-ingress --group-name admin --ip-permissions \
	"IpProtocol=icmp,FromPort=8,ToPort=-1,UserIdGroupPairs=[{GroupId=$SG}]" --output json 2>&1); rc=$?
check_rc "authorize icmp type 8 (all codes) from group web (by id) into admin" 0 "$rc" "$out"
check_match "  the rule names group web" "\"GroupId\":\"$SG\"" "$(printf '%s' "$out" | tr -d ' \n' | grep -o '"ReferencedGroupInfo":{[^}]*}')"
ping_ok srv adm
out=$(va ec2 revoke-security-group-ingress --group-name admin --ip-permissions \
	"IpProtocol=icmp,FromPort=8,ToPort=-1,UserIdGroupPairs=[{GroupId=$SG}]" 2>&1); rc=$?
check_rc "revoke it" 0 "$rc" "$out"
ping_blocked srv adm

# --- egress: the group's implicit allow-all, then a narrower rule
opens srv 198.51.100.10 8080 "outbound open (no outbound written)"
out=$(va ec2 authorize-security-group-egress --group-id "$SG" --protocol all --cidr 0.0.0.0/0 2>&1)
check_match "authorize-security-group-egress of the implicit allow-all: Duplicate" "InvalidPermission\.Duplicate" "$out"
out=$(va ec2 authorize-security-group-egress --group-id "$SG" --protocol tcp --port 443 --cidr 198.51.100.0/24 2>&1); rc=$?
check_rc "authorize-security-group-egress tcp 443" 0 "$rc" "$out"
out=$(va ec2 revoke-security-group-egress --group-id "$SG" --ip-permissions 'IpProtocol=-1,IpRanges=[{CidrIp=0.0.0.0/0}]' 2>&1); rc=$?
check_rc "revoke-security-group-egress of the allow-all" 0 "$rc" "$out"
opens srv 198.51.100.10 443 "the egress rule"
shut srv 198.51.100.10 8080 "outbound allow-all revoked"
opens ext 203.0.113.60 22 "inbound replies still leave (stateful)"

# --- export writes what the API changed
exp=$("$VPCLAB" export "$LAB" 2>&1)
check_match "export: the tcp 22 rule of 198.51.100.20/32" "protocol: tcp, ports: 22, cidr: 198.51.100.20/32" "$exp"
check_match "export: the group rule" "protocol: tcp, ports: 5000, group: admin" "$exp"
check_match "export: the egress rule" "protocol: tcp, ports: 443, cidr: 198.51.100.0/24" "$exp"
check_nomatch "export: no revoked rule" "ports: 80," "$exp"
printf '%s\n' "$exp" >"$T/exported.yaml"
out=$("$VPCLAB" check "$T/exported.yaml" 2>&1); rc=$?
check_rc "the exported file checks" 0 "$rc" "$out"
out=$("$VPCLAB" apply "$T/exported.yaml" --dry-run 2>&1); rc=$?
check_rc "apply --dry-run of the exported file" 0 "$rc" "$out"
check "  it is the running lab: no changes" "no changes" "$(printf '%s\n' "$out" | grep -v "warning:")"
