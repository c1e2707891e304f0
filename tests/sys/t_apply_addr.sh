#!/usr/bin/env bash
# A running instance keeps its address across applies when the file leaves it out: x and y come
# up as 10.0.1.4 and .5; x moves to .9 (y keeps .5: lab_keep_addresses); a later unrelated edit
# must leave y alone, although the file alone would check as y = .4 (the kept copy is the file
# as written; the router pins it with what runs). y answers at .5 and its namespace is the same.
TID=aaddr; . "$(dirname "$0")/lib.sh"

lab_head() {
	cat <<EOF
name: $LAB
vpcs:
  - name: v
    cidr: 10.0.0.0/16
    subnets: [ { name: a, cidr: 10.0.1.0/24 } ]
    security_groups:
      - name: g
        inbound: [ { protocol: icmp, cidr: 10.0.0.0/16 }$1 ]
    instances:
EOF
}
{ lab_head ""; echo "      - { name: x, subnet: a, security_groups: [g] }"
  echo "      - { name: y, subnet: a, security_groups: [g] }"; } >"$T/a.yaml"
{ lab_head ""; echo "      - { name: x, subnet: a, ip: 10.0.1.9, security_groups: [g] }"
  echo "      - { name: y, subnet: a, security_groups: [g] }"; } >"$T/b.yaml"
{ lab_head ", { protocol: tcp, ports: 22, cidr: 10.0.0.0/16 }"
  echo "      - { name: x, subnet: a, ip: 10.0.1.9, security_groups: [g] }"
  echo "      - { name: y, subnet: a, security_groups: [g] }"; } >"$T/c.yaml"

lab_up "$T/a.yaml"
check "y comes up as 10.0.1.5" "10.0.1.5" "$(ip_of y)"
ino() { stat -L -c %i "/run/netns/$LAB-$1" 2>/dev/null; }

out=$("$VPCLAB" apply "$T/b.yaml" 2>&1); rc=$?
check_rc "apply: x moves to 10.0.1.9" 0 "$rc" "$out"
check "y keeps 10.0.1.5" "10.0.1.5" "$(ip_of y)"
before=$(ino y)

out=$("$VPCLAB" apply "$T/c.yaml" 2>/dev/null); rc=$?
check_rc "apply: one more SG rule" 0 "$rc" "$out"
check_match "the plan is the rule alone" "^\+ sg rule g inbound tcp 22 10.0.0.0/16$" "$out"
check_nomatch "the plan leaves y alone" "instance y" "$out"
check "y still has 10.0.1.5" "10.0.1.5" "$(ip_of y)"
check "y's namespace is the same one" "$before" "$(ino y)"
ping_ok x 10.0.1.5
out=$("$VPCLAB" apply "$T/c.yaml" 2>/dev/null)
check "the same file again: no changes" "no changes" "$out"
