#!/usr/bin/env bash
# `make bench`: how long a lab of N instances (ten /24 subnets of one /16, genlab.sh) takes to
# come up and to go down, for N = 100 and 1,000, with vpclab beside the same objects built as
# namespace scripts build them, in the same run: one `ip` command per object (ip netns add,
# ip tuntap add, ip link set, ip addr add, ip route add) and `ip -batch` (one `ip -batch` for
# the namespaces, one `ip -n NS -batch -` per namespace for its objects, one for the removal).
# Each instance: a namespace, lo up, eth0 a tap with mac/mtu/addrgenmode none/up, an address and
# a default route. Down is the command's wall time; the kernel frees namespaces afterwards in the
# background, so before each measurement the bench waits (bounded) for that to finish.
# Every namespace starts with l$$-; nothing is added to the root namespace.
NAME=labsize PREFIX=l
. "$(dirname "$0")/lib.sh"
SIZES=${LABSIZE_SIZES:-100 1000}
LAB=""

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
ours() { ip netns list 2>/dev/null | awk '{print $1}' | grep -c "^$1" ; }

# Waits until the kernel has freed the namespaces of earlier runs (net_namespace objects stop
# falling), at most 60 s, so one measurement does not pay for the previous one's cleanup.
settle() {
	local prev=-1 cur i
	for i in $(seq 1 120); do
		cur=$(awk '$1 == "net_namespace" { print $2 }' /proc/slabinfo 2>/dev/null)
		[ -z "$cur" ] && return 0
		[ "$cur" = "$prev" ] && return 0
		prev=$cur
		sleep 0.5
	done
}

# spec N: "ns ip gw mac" per instance, the same addresses as genlab.sh gives vpclab.
spec() {
	local n=$1 pfx=$2
	awk -v n="$n" -v p="$pfx" 'BEGIN { for (i = 0; i < n; i++) { s = i % 10; h = int(i / 10) + 10;
		printf "%s-i%d 10.0.%d.%d 10.0.%d.1 02:00:00:%02x:%02x:%02x\n", p, i, s + 1, h, s + 1, int(i / 65536), int(i / 256) % 256, i % 256 } }'
}

shell_up() {
	local ns ip gw mac
	while read -r ns ip gw mac; do
		ip netns add "$ns" &&
		ip -n "$ns" tuntap add dev eth0 mode tap &&
		ip -n "$ns" link set eth0 addrgenmode none &&
		ip -n "$ns" link set lo up &&
		ip -n "$ns" link set eth0 address "$mac" mtu 9001 up &&
		ip -n "$ns" addr add "$ip/24" dev eth0 &&
		ip -n "$ns" route add default via "$gw" || return 1
	done <"$1"
}
shell_down() {
	local ns rest
	while read -r ns rest; do ip netns del "$ns" || return 1; done <"$1"
}
batch_up() {
	local ns ip gw mac
	awk '{ print "netns add " $1 }' "$1" | ip -batch - || return 1
	while read -r ns ip gw mac; do
		printf '%s\n' "tuntap add dev eth0 mode tap" "link set eth0 addrgenmode none" "link set lo up" \
			"link set eth0 address $mac mtu 9001 up" "addr add $ip/24 dev eth0" \
			"route add default via $gw" | ip -n "$ns" -batch - || return 1
	done <"$1"
}
batch_down() { awk '{ print "netns del " $1 }' "$1" | ip -batch -; }

declare -A R
rc=0
for n in $SIZES; do
	echo "labsize: $n instances"
	# vpclab
	LAB="$P-v$n"
	bash "$REPO/tests/bench/genlab.sh" "$LAB" "$n" >"$T/v$n.yaml" || exit 1
	settle; t0=$(now)
	if ! out=$(timeout 120 "$VPCLAB" up "$T/v$n.yaml" 2>&1); then echo "labsize: vpclab up: $out"; rc=1; continue; fi
	t1=$(now); R[v_up_$n]=$(elapsed "$t0" "$t1")
	# the instances and the lab's VPC resolver (LAB-amazon-dns)
	[ "$(ours "$LAB-")" = "$((n + 1))" ] || { echo "labsize: vpclab up made $(ours "$LAB-") namespaces, not $((n + 1))"; rc=1; }
	settle; t0=$(now)
	timeout 120 "$VPCLAB" down "$LAB" >/dev/null 2>&1 || { echo "labsize: vpclab down failed"; rc=1; }
	t1=$(now); R[v_down_$n]=$(elapsed "$t0" "$t1")
	left=$(ours "$LAB-"); [ "$left" = 0 ] || { echo "labsize: $left namespaces left after vpclab down"; rc=1; }
	# one ip command per object
	spec "$n" "$P-s$n" >"$T/s$n.spec"
	settle; t0=$(now)
	shell_up "$T/s$n.spec" || { echo "labsize: shell-built lab failed"; rc=1; }
	t1=$(now); R[s_up_$n]=$(elapsed "$t0" "$t1")
	settle; t0=$(now)
	shell_down "$T/s$n.spec" || rc=1
	t1=$(now); R[s_down_$n]=$(elapsed "$t0" "$t1")
	# ip -batch
	spec "$n" "$P-b$n" >"$T/b$n.spec"
	settle; t0=$(now)
	batch_up "$T/b$n.spec" || { echo "labsize: ip -batch lab failed"; rc=1; }
	t1=$(now); R[b_up_$n]=$(elapsed "$t0" "$t1")
	settle; t0=$(now)
	batch_down "$T/b$n.spec" || rc=1
	t1=$(now); R[b_down_$n]=$(elapsed "$t0" "$t1")
done

echo
printf '%-24s %10s %10s %10s %12s %12s\n' "lab size (seconds)" "vpclab" "shell" "ip -batch" "vpclab/shell" "vpclab/batch"
for n in $SIZES; do
	for op in up down; do
		v=${R[v_${op}_$n]:--} s=${R[s_${op}_$n]:--} b=${R[b_${op}_$n]:--}
		printf '%-24s %10s %10s %10s %12s %12s\n' "$n instances $op" "$v" "$s" "$b" "$(ratio "$v" "$s")" "$(ratio "$v" "$b")"
	done
done
exit "$rc"
