#!/usr/bin/env bash
# The AWS API's Elastic Load Balancing v2 and Auto Scaling, driven with Debian's aws CLI and
# boto3 over rules/asg-alb.yaml (plus one instance of its own) and rules/nlb.yaml: describes
# match the lab (`vpclab lb`), a target registered through the API takes requests through the
# load balancer once healthy, a deregistered one drains and goes, set-desired-capacity launches
# instances that serve, limits are refused with AWS's ValidationError, and
# update-auto-scaling-group changes the group's limits.
TID=apieb; . "$(dirname "$0")/lib.sh"
AWS=/usr/bin/aws
if [ ! -x "$AWS" ] || ! /usr/bin/python3 -c 'import boto3' 2>/dev/null; then
	not_ok "needs Debian's awscli and python3-boto3 (make deps)"; exit 1
fi

va() { "$VPCLAB" aws "$LAB" -- "$@"; }
# iid NAME: the instance's id (api_id: FNV-1a over LAB/i/NAME, as the EC2 side names it)
iid() {
	/usr/bin/python3 -c '
import sys
h = 1469598103934665603
def f(h, s):
    for ch in s.encode(): h = ((h ^ ch) * 1099511628211) % (1 << 64)
    return h
h = f(h, sys.argv[1]); h = ((h ^ 47) * 1099511628211) % (1 << 64)
h = f(h, "i"); h = ((h ^ 47) * 1099511628211) % (1 << 64)
h = f(h, sys.argv[2])
print("i-%01x%016x" % ((h >> 60) ^ 0xa, h))' "$LAB" "$1"
}
# health TG_ARN: "ID STATE" lines of describe-target-health, sorted
health() {
	va elbv2 describe-target-health --target-group-arn "$1" \
		--query 'TargetHealthDescriptions[].[Target.Id,TargetHealth.State]' --output text 2>/dev/null | sort
}
state_of() { health "$1" | awk -v id="$2" '$1 == id { print $2 }'; }
state_is() { [ "$(state_of "$1" "$2")" = "$3" ]; }
# bodies FROM URL N: the pages of N requests (fresh connections)
bodies() { local i; for ((i = 0; i < $3; i++)); do on "$1" curl -s -m 3 "$2" 2>/dev/null; done; }
reaches() { bodies ext "$1" 6 | grep -q "$2"; }

# ======================================================== an application load balancer and a group
sed "s/^name: asg\$/name: $LAB/" "$REPO/rules/asg-alb.yaml" >"$T/a.yaml"
# one instance of the lab's own, not in the group, to register through the API
sed -i "s|^    launch_templates:|    instances:\n      - name: extra\n        subnet: private-a\n        ip: 10.0.11.200\n        security_groups: [web]\n        run: \"mkdir -p /tmp/$LAB-extra \&\& echo extra-page > /tmp/$LAB-extra/index.html \&\& exec python3 -m http.server --directory /tmp/$LAB-extra 80\"\n&|" "$T/a.yaml"
LABS+=("$LAB")
out=$(timeout 30 "$VPCLAB" up "$T/a.yaml" --api 2>&1); rc=$?
check_rc "up asg-alb (+ extra) --api" 0 "$rc" "$out"
[ "$rc" -eq 0 ] || exit 1

# --- describe-load-balancers: as `vpclab lb` shows it
LBJ=$("$VPCLAB" lb "$LAB" web-alb --json 2>/dev/null)
DNS=$(printf '%s' "$LBJ" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["load_balancers"][0]["dns"])')
VIP=$(printf '%s' "$LBJ" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["load_balancers"][0]["nodes"][0]["public_ip"])')
out=$(va elbv2 describe-load-balancers --query 'LoadBalancers[].[LoadBalancerName,Type,Scheme,State.Code,DNSName,CanonicalHostedZoneId]' --output text 2>&1)
check "describe-load-balancers: web-alb, as vpclab lb shows it" "web-alb	application	internet-facing	active	$DNS	Z35SXDOTRQ7X7K" "$out"
VPC=$(va ec2 describe-vpcs --filters Name=tag:Name,Values=main --query 'Vpcs[0].VpcId' --output text 2>&1)
out=$(va elbv2 describe-load-balancers --names web-alb --query 'LoadBalancers[0].VpcId' --output text 2>&1)
check "  its VpcId is EC2's id of the VPC" "$VPC" "$out"
SUBS=$(va ec2 describe-subnets --filters Name=tag:Name,Values=public-a,public-b --query 'sort(Subnets[].SubnetId)' --output text 2>&1)
out=$(va elbv2 describe-load-balancers --names web-alb --query 'sort(LoadBalancers[0].AvailabilityZones[].SubnetId)' --output text 2>&1)
check "  its zones' subnets are EC2's public-a and public-b" "$SUBS" "$out"
out=$(va elbv2 describe-load-balancers --query 'LoadBalancers[0].AvailabilityZones[].ZoneName' --output text 2>&1)
check "  in zones us-east-1a and us-east-1b" "us-east-1a	us-east-1b" "$out"
LBARN=$(va elbv2 describe-load-balancers --names web-alb --query 'LoadBalancers[0].LoadBalancerArn' --output text 2>&1)
check_match "  its ARN" "^arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web-alb/[0-9a-f]{16}$" "$LBARN"
out=$(va elbv2 describe-load-balancers --load-balancer-arns "$LBARN" --query 'LoadBalancers[].LoadBalancerName' --output text 2>&1)
check "describe-load-balancers --load-balancer-arns" "web-alb" "$out"
out=$(va elbv2 describe-load-balancers --names nope 2>&1); rc=$?
check_rc "an unknown name: the CLI's service error" 254 "$rc" "$out"
check_match "  LoadBalancerNotFound" "LoadBalancerNotFound" "$out"

# --- target groups and listeners
TG=$(va elbv2 describe-target-groups --names web-tg --query 'TargetGroups[0].TargetGroupArn' --output text 2>&1)
check_match "describe-target-groups --names web-tg: its ARN" "^arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-tg/[0-9a-f]{16}$" "$TG"
out=$(va elbv2 describe-target-groups --load-balancer-arn "$LBARN" --query 'TargetGroups[].[TargetGroupName,Protocol,Port,VpcId,HealthCheckPath,HealthCheckIntervalSeconds,HealthyThresholdCount,Matcher.HttpCode,TargetType,LoadBalancerArns[0]]' --output text 2>&1)
check "  --load-balancer-arn: its fields" "web-tg	HTTP	80	$VPC	/	5	2	200	instance	$LBARN" "$out"
out=$(va elbv2 describe-target-groups --target-group-arns "${TG%/*}/0000000000000000" 2>&1)
check_match "an unknown target group ARN: TargetGroupNotFound" "TargetGroupNotFound" "$out"
out=$(va elbv2 describe-listeners --load-balancer-arn "$LBARN" --query 'Listeners[].[Protocol,Port,DefaultActions[0].Type,DefaultActions[0].TargetGroupArn]' --output text 2>&1)
check "describe-listeners: HTTP 80 forwarding to web-tg" "HTTP	80	forward	$TG" "$out"

# --- the group's instances are its targets: healthy once checked
I1=$(iid web-asg-1); I2=$(iid web-asg-2); IX=$(iid extra)
two_healthy() { [ "$(health "$TG" | awk '$2 == "healthy"' | wc -l)" -eq 2 ]; }
wait_for "two healthy targets" 60 two_healthy
check "describe-target-health: the group's two instances, healthy" "$(printf '%s healthy\n%s healthy' "$I1" "$I2" | sort | tr ' ' '\t')" "$(health "$TG")"
out=$(va autoscaling describe-auto-scaling-groups --auto-scaling-group-names web-asg --query 'AutoScalingGroups[0].[MinSize,DesiredCapacity,MaxSize,DefaultCooldown,HealthCheckType,HealthCheckGracePeriod,LaunchTemplate.LaunchTemplateName,LaunchTemplate.Version]' --output text 2>&1)
check "describe-auto-scaling-groups: the group's sizes, cooldown, health check, template" "1	2	4	30	ELB	30	web-lt	\$Latest" "$out"
out=$(va autoscaling describe-auto-scaling-groups --query 'AutoScalingGroups[0].TargetGroupARNs' --output text 2>&1)
check "  its target group" "$TG" "$out"
PRIV=$(va ec2 describe-subnets --filters Name=tag:Name,Values=private-a,private-b --query 'Subnets[].[Tags[0].Value,SubnetId]' --output text 2>&1 | sort | awk '{print $2}' | paste -sd,)
out=$(va autoscaling describe-auto-scaling-groups --query 'AutoScalingGroups[0].VPCZoneIdentifier' --output text 2>&1)
check "  VPCZoneIdentifier: EC2's ids of private-a,private-b" "$PRIV" "$out"
out=$(va autoscaling describe-auto-scaling-groups --query 'AutoScalingGroups[0].Instances[].[InstanceId,AvailabilityZone,LifecycleState,HealthStatus]' --output text 2>&1 | sort)
check "  its instances: the target ids, InService and Healthy" "$(printf '%s\tus-east-1a\tInService\tHealthy\n%s\tus-east-1b\tInService\tHealthy' "$I1" "$I2" | sort)" "$out"
out=$(va autoscaling describe-auto-scaling-groups --auto-scaling-group-names nope --query 'length(AutoScalingGroups)' --output text 2>&1)
check "  an unknown name: none" "0" "$out"

# --- RegisterTargets: the extra instance takes requests once healthy
if reaches "http://$VIP/" extra-page; then not_ok "before registering, extra takes no request"; else ok "before registering, extra takes no request"; fi
out=$(va elbv2 register-targets --target-group-arn "$TG" --targets Id=i-00000000000000000 2>&1); rc=$?
check_rc "register-targets with an unknown instance: refused" 254 "$rc" "$out"
check_match "  InvalidTarget" "InvalidTarget" "$out"
out=$(va elbv2 register-targets --target-group-arn "$TG" --targets "Id=$IX" 2>&1); rc=$?
check_rc "register-targets extra" 0 "$rc" "$out"
wait_for "extra healthy" 40 state_is "$TG" "$IX" healthy
check "describe-target-health: extra healthy" "healthy" "$(state_of "$TG" "$IX")"
wait_for "a request through web-alb reaching extra" 20 reaches "http://$VIP/" extra-page
if reaches "http://$VIP/" extra-page; then ok "requests from ext through web-alb reach extra"; else not_ok "requests from ext through web-alb reach extra"; fi
out=$(va elbv2 describe-target-health --target-group-arn "$TG" --targets "Id=$IX,Port=80" --query 'TargetHealthDescriptions[].[Target.Id,Target.Port,HealthCheckPort,TargetHealth.State]' --output text 2>&1)
check "describe-target-health --targets: that one" "$IX	80	80	healthy" "$out"

# --- DeregisterTargets: draining, then gone; no more requests reach it
out=$(va elbv2 deregister-targets --target-group-arn "$TG" --targets "Id=$IX" 2>&1); rc=$?
check_rc "deregister-targets extra" 0 "$rc" "$out"
out=$(va elbv2 describe-target-health --target-group-arn "$TG" --targets "Id=$IX" --query 'TargetHealthDescriptions[0].TargetHealth.[State,Reason]' --output text 2>&1)
check "  at once: draining (Target.DeregistrationInProgress)" "draining	Target.DeregistrationInProgress" "$out"
if reaches "http://$VIP/" extra-page; then not_ok "  a draining target takes no new request"; else ok "  a draining target takes no new request"; fi
gone() { ! health "$TG" | grep -q "^$IX"; }
wait_for "extra gone from the group" 30 gone
if gone; then ok "after the deregistration delay (10 s) it is gone"; else not_ok "after the deregistration delay it is gone: $(health "$TG")"; fi
out=$(va elbv2 describe-target-health --target-group-arn "$TG" --targets "Id=$IX" --query 'TargetHealthDescriptions[0].TargetHealth.[State,Reason]' --output text 2>&1)
check "  asked for: unused, Target.NotRegistered" "unused	Target.NotRegistered" "$out"
out=$(va elbv2 deregister-targets --target-group-arn "$TG" --targets "Id=$IX" 2>&1)
check_match "deregistering it again: InvalidTarget" "InvalidTarget" "$out"

# --- SetDesiredCapacity: a third instance, described and serving
out=$(va autoscaling set-desired-capacity --auto-scaling-group-name web-asg --desired-capacity 3 2>&1); rc=$?
check_rc "set-desired-capacity 3" 0 "$rc" "$out"
I3=$(iid web-asg-3)
three_in_service() {
	[ "$(va autoscaling describe-auto-scaling-groups --query 'AutoScalingGroups[0].Instances[?LifecycleState==`InService`].InstanceId' --output text 2>/dev/null | wc -w)" -eq 3 ]
}
wait_for "three instances in service" 60 three_in_service
out=$(va autoscaling describe-auto-scaling-groups --query 'AutoScalingGroups[0].[DesiredCapacity,length(Instances)]' --output text 2>&1)
check "describe-auto-scaling-groups: desired 3, three instances" "3	3" "$out"
out=$(va autoscaling describe-auto-scaling-groups --query 'AutoScalingGroups[0].Instances[].InstanceId' --output text 2>&1)
check_match "  web-asg-3 among them" "$I3" "$out"
IP3=$(status_get "$LAB" port.web-asg-3.ip)
wait_for "web-asg-3 serving through web-alb" 30 reaches "http://$VIP/" "hello from $IP3"
if reaches "http://$VIP/" "hello from $IP3"; then ok "  it serves through web-alb ($IP3)"; else not_ok "  it serves through web-alb ($IP3)"; fi
out=$(va autoscaling set-desired-capacity --auto-scaling-group-name web-asg --desired-capacity 9 2>&1); rc=$?
check_rc "set-desired-capacity past max: refused" 254 "$rc" "$out"
check_match "  ValidationError, AWS's words" "ValidationError.*New SetDesiredCapacity value 9 is above max value 4" "$out"
out=$(va autoscaling set-desired-capacity --auto-scaling-group-name nope --desired-capacity 1 2>&1)
check_match "an unknown group: ValidationError" "ValidationError.*not found" "$out"
out=$(va autoscaling describe-scaling-activities --auto-scaling-group-name web-asg --query 'Activities[0].[StatusCode,Progress]' --output text 2>&1)
check_match "describe-scaling-activities: the newest, with its status" "^(Successful	100|InProgress	50)$" "$out"
out=$(va autoscaling describe-scaling-activities --auto-scaling-group-name web-asg --query 'Activities[].Description' --output text 2>&1)
check_match "  the launch of web-asg-3's instance among them" "Launching a new EC2 instance: $I3" "$out"
out=$(va autoscaling describe-policies --auto-scaling-group-name web-asg --query 'ScalingPolicies[].[PolicyName,PolicyType,TargetTrackingConfiguration.PredefinedMetricSpecification.PredefinedMetricType,TargetTrackingConfiguration.TargetValue]' --output text 2>&1)
check "describe-policies: the target tracking policy" "rps	TargetTrackingScaling	ALBRequestCountPerTarget	100.0" "$out"

# --- UpdateAutoScalingGroup: limits through the apply path
out=$(va autoscaling update-auto-scaling-group --auto-scaling-group-name web-asg --min-size 3 --max-size 5 --default-cooldown 40 2>&1); rc=$?
check_rc "update-auto-scaling-group --min-size 3 --max-size 5 --default-cooldown 40" 0 "$rc" "$out"
out=$(va autoscaling describe-auto-scaling-groups --query 'AutoScalingGroups[0].[MinSize,DesiredCapacity,MaxSize,DefaultCooldown]' --output text 2>&1)
check "  described" "3	3	5	40" "$out"
check_match "  the kept lab file has them" "max: 5" "$(cat "/run/vpclab/$LAB/lab.yaml")"
check "  the group's instances stay (no relaunch)" "3" "$(va autoscaling describe-auto-scaling-groups --query 'length(AutoScalingGroups[0].Instances)' --output text 2>&1)"
out=$(va autoscaling update-auto-scaling-group --auto-scaling-group-name web-asg --min-size 6 2>&1); rc=$?
check_rc "min above max: refused" 254 "$rc" "$out"
check_match "  ValidationError" "ValidationError.*Max bound, 5, must be greater than or equal to min bound, 6" "$out"
out=$(va autoscaling update-auto-scaling-group --auto-scaling-group-name web-asg --desired-capacity 7 2>&1)
check_match "desired past max: ValidationError" "ValidationError.*Desired capacity:7 must be between" "$out"
out=$(va autoscaling update-auto-scaling-group --auto-scaling-group-name web-asg --min-size 1 --desired-capacity 2 2>&1); rc=$?
check_rc "update-auto-scaling-group --min-size 1 --desired-capacity 2" 0 "$rc" "$out"
two_in_group() { [ "$(va autoscaling describe-auto-scaling-groups --query 'length(AutoScalingGroups[0].Instances)' --output text 2>/dev/null)" = 2 ]; }
wait_for "the group back to two instances" 60 two_in_group
check "  desired 2, two instances" "1	2	2" "$(va autoscaling describe-auto-scaling-groups --query 'AutoScalingGroups[0].[MinSize,DesiredCapacity,length(Instances)]' --output text 2>&1)"

out=$(va autoscaling update-auto-scaling-group --auto-scaling-group-name web-asg --health-check-type EC2 --health-check-grace-period 60 2>&1); rc=$?
check_rc "update-auto-scaling-group --health-check-type EC2 --health-check-grace-period 60" 0 "$rc" "$out"
check "  described" "EC2	60	2" "$(va autoscaling describe-auto-scaling-groups --query 'AutoScalingGroups[0].[HealthCheckType,HealthCheckGracePeriod,DesiredCapacity]' --output text 2>&1)"
check_match "  the kept lab file has it" "type: ec2, grace_period: 60" "$(cat "/run/vpclab/$LAB/lab.yaml")"

# --- boto3
cat >"$T/b.py" <<'PY'
import configparser, sys
import boto3
url, lab = sys.argv[1], sys.argv[2]
cp = configparser.ConfigParser(); cp.read("/run/vpclab/%s/credentials" % lab)
kw = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id=cp["vpclab-" + lab]["aws_access_key_id"],
          aws_secret_access_key=cp["vpclab-" + lab]["aws_secret_access_key"])
elb = boto3.client("elbv2", **kw); asg = boto3.client("autoscaling", **kw)
lb = elb.describe_load_balancers()["LoadBalancers"][0]
print("lb", lb["LoadBalancerName"], lb["Type"], lb["CreatedTime"].year > 2000)
tg = elb.describe_target_groups(LoadBalancerArn=lb["LoadBalancerArn"])["TargetGroups"][0]
print("health", sorted(d["TargetHealth"]["State"] for d in elb.describe_target_health(TargetGroupArn=tg["TargetGroupArn"])["TargetHealthDescriptions"]))
g = asg.describe_auto_scaling_groups(AutoScalingGroupNames=["web-asg"])["AutoScalingGroups"][0]
print("group", g["AutoScalingGroupName"], g["MinSize"], g["MaxSize"], g["DesiredCapacity"], len(g["Instances"]), g["CreatedTime"].year > 2000)
try:
    asg.set_desired_capacity(AutoScalingGroupName="web-asg", DesiredCapacity=0)
except asg.exceptions.ClientError as e:
    print("error", e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])
try:
    elb.describe_target_health(TargetGroupArn=tg["TargetGroupArn"][:-16] + "0" * 16)
except elb.exceptions.TargetGroupNotFoundException as e:
    print("tgnf", e.response["Error"]["Code"])
PY
out=$(/usr/bin/python3 "$T/b.py" "$(cat "/run/vpclab/$LAB/api-url")" "$LAB" 2>&1)
check_match "boto3: describe_load_balancers" "^lb web-alb application True$" "$out"
check_match "boto3: describe_target_health" "^health \['healthy', 'healthy'\]$" "$out"
check_match "boto3: describe_auto_scaling_groups" "^group web-asg 1 5 2 2 True$" "$out"
check_match "boto3: set_desired_capacity below min: ValidationError 400" "^error ValidationError 400$" "$out"
check_match "boto3: TargetGroupNotFoundException" "^tgnf TargetGroupNotFound$" "$out"
lab_down "$LAB" >/dev/null 2>&1

# ======================================================== a network load balancer
LAB=${PFX}nlb
sed "s/^name: nlb\$/name: $LAB/" "$REPO/rules/nlb.yaml" >"$T/n.yaml"
LABS+=("$LAB")
out=$(timeout 30 "$VPCLAB" up "$T/n.yaml" --api 2>&1); rc=$?
check_rc "up nlb --api" 0 "$rc" "$out"
[ "$rc" -eq 0 ] || exit 1
PUB=$(va elbv2 describe-load-balancers --query 'LoadBalancers[0].AvailabilityZones[0].LoadBalancerAddresses[0].IpAddress' --output text 2>&1)
NPUB=$("$VPCLAB" lb "$LAB" web-nlb --json 2>/dev/null | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["load_balancers"][0]["nodes"][0]["public_ip"])')
check "describe-load-balancers (network): the node's address as vpclab lb shows it" "$NPUB" "$PUB"
out=$(va elbv2 describe-load-balancers --query 'LoadBalancers[0].[Type,CanonicalHostedZoneId,AvailabilityZones[0].LoadBalancerAddresses[0].PrivateIPv4Address]' --output text 2>&1)
check_match "  type network, AWS's NLB hosted zone, the node's private address" "^network	Z26RNL4JYFTOTI	10\.0\.1\.[0-9]+$" "$out"
TG=$(va elbv2 describe-target-groups --query 'TargetGroups[0].TargetGroupArn' --output text 2>&1)
out=$(va elbv2 describe-target-groups --query 'TargetGroups[0].[Protocol,Port,HealthCheckProtocol,HealthCheckPath]' --output text 2>&1)
check "describe-target-groups: TCP 80, HTTP health check on /" "TCP	80	HTTP	/" "$out"
W1=$(iid web1); W2=$(iid web2)
wait_for "web1 and web2 healthy" 40 two_healthy
reaches_both() { local b; b=$(bodies ext "http://$PUB/" 8); grep -q web1 <<<"$b" && grep -q web2 <<<"$b"; }
wait_for "both targets answering" 20 reaches_both
if reaches_both; then ok "requests through web-nlb reach web1 and web2"; else not_ok "requests through web-nlb reach web1 and web2"; fi
out=$(va elbv2 deregister-targets --target-group-arn "$TG" --targets "Id=$W1" 2>&1); rc=$?
check_rc "deregister-targets web1" 0 "$rc" "$out"
check "  draining" "draining" "$(state_of "$TG" "$W1")"
only_web2() { ! bodies ext "http://$PUB/" 6 | grep -q web1; }
if only_web2; then ok "  new connections reach web2 only"; else not_ok "  new connections reach web2 only"; fi
check_nomatch "  the kept lab file no longer registers web1" "targets: \[web1" "$(cat "/run/vpclab/$LAB/lab.yaml")"
out=$(va elbv2 register-targets --target-group-arn "$TG" --targets "Id=$W1,Port=80" 2>&1); rc=$?
check_rc "register-targets web1 back" 0 "$rc" "$out"
wait_for "web1 healthy again" 40 state_is "$TG" "$W1" healthy
wait_for "web1 answering again" 20 reaches "http://$PUB/" web1
if reaches "http://$PUB/" web1; then ok "  web1 takes requests again"; else not_ok "  web1 takes requests again"; fi
lab_down "$LAB" >/dev/null 2>&1

