#!/usr/bin/env bash
# genlab.sh LAB N: prints a lab file with N instances spread over ten /24 subnets of one /16 VPC
# (N/10 each, the first N%10 subnets one more), no checks. Used by labsize.sh and t_scale.sh.
set -eu
lab=$1 n=$2
[ "$n" -ge 1 ] && [ "$n" -le 2400 ] || { echo "genlab: N must be 1..2400" >&2; exit 2; }
echo "name: $lab"
echo "vpcs:"
echo "  - name: big"
echo "    cidr: 10.0.0.0/16"
echo "    subnets:"
for s in $(seq 0 9); do echo "      - { name: s$s, cidr: 10.0.$((s + 1)).0/24 }"; done
echo "    instances:"
for i in $(seq 0 $((n - 1))); do
	s=$((i % 10)) h=$((i / 10 + 10))
	echo "      - { name: i$i, subnet: s$s, ip: 10.0.$((s + 1)).$h }"
done
