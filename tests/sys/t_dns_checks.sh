#!/usr/bin/env bash
# `checks:` whose `to:` is a DNS name: resolved when the check runs as the resolver answers the
# check's source (an AWS private name here), probed at that address; a name that resolves to
# nothing fails its own check (the others still run) with the resolver's reason.
TID=dnsck; . "$(dirname "$0")/lib.sh"

cat >"$T/lab.yaml" <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    subnets:
      - { name: a, cidr: 10.0.1.0/24 }
    security_groups:
      - name: web
        inbound: [ { protocol: tcp, ports: 80, cidr: 10.0.0.0/16 } ]
    instances:
      - { name: web, subnet: a, ip: 10.0.1.10, security_groups: [web] }
      - { name: cli, subnet: a, ip: 10.0.1.20 }
internet:
  hosts:
    - { name: ext, ip: 198.51.100.10 }
checks:
  - { from: cli, to: ip-10-0-1-10.ec2.internal, protocol: tcp, port: 80, expect: allow }
  - { from: cli, to: ip-10-0-1-10.ec2.internal, protocol: tcp, port: 81, expect: deny }
  - { from: ext, to: ip-10-0-1-10.ec2.internal, protocol: tcp, port: 80, expect: deny }
  - { from: cli, to: nothing.corp.internal, protocol: tcp, port: 80, expect: allow }
EOF
LABS+=("$LAB")
OUT=$(timeout 60 "$VPCLAB" test "$T/lab.yaml" 2>&1); RC=$?
check_rc "test with DNS names in to:" 1 $RC "$OUT"
check_match "a private name answers, the connection is allowed" "^PASS  cli -> ip-10-0-1-10.ec2.internal tcp/80 allow" "$OUT"
check_match "and a closed port is denied" "^PASS  cli -> ip-10-0-1-10.ec2.internal tcp/81 deny" "$OUT"
check_match "a private name does not resolve from the internet: its check fails on that" \
	"^FAIL  ext -> ip-10-0-1-10.ec2.internal tcp/80 'ip-10-0-1-10.ec2.internal' resolves to no address from ext: .*NXDOMAIN" "$OUT"
check_match "an unknown name fails its check with the resolver's reason" \
	"^FAIL  cli -> nothing.corp.internal tcp/80 'nothing.corp.internal' resolves to no address from cli: .*NXDOMAIN" "$OUT"
check_match "the summary counts them" "^2 passed, 2 failed" "$OUT"
