#!/usr/bin/env bash
# Consistency of `vpclab trace` with the data plane: for ~20 flows on tests/golden/labs/obs.yaml
# (allowed, and dropped at every kind of stage: sg egress, route no-route and blackhole, nacl out,
# nacl in, sg ingress, source/dest check, igw without public IP, igw without mapping, NAT gateway
# inbound, internet without host, local address without host, a reply dropped by a stateless
# NACL, hairpins to elastic IPs through the IGW), the offline trace verdict (its exit code) must equal what real traffic does:
#   TCP  nc -z -w 1 (with a listener on the destination), trace --return (a connection needs both)
#   UDP  one datagram reaching a listener, trace without --return
#   ICMP ping -c1 -W1 (twice: the first may wait for ARP), trace --icmp --return
# For a dropped flow the router's drop counter named by the trace (the "(reason)" of its DROP
# line) must grow with the real packets too: trace and data plane name the same stage.
TID=ocons; . "$(dirname "$0")/lib.sh"

sed "s/^name: .*/name: $LAB/" "$REPO/tests/golden/labs/obs.yaml" >"$T/lab.yaml"
lab_up "$T/lab.yaml"

# drops_json: the drops object of status, as "reason=count" lines
drops_all() {
	timeout 10 "$VPCLAB" status "$LAB" --json 2>/dev/null | "$PY" -c '
import json, sys
d = json.load(sys.stdin).get("drops", {})
for k, v in sorted(d.items()): print("%s=%s" % (k, v))'
}
drop_of() { local v; v=$(printf '%s\n' "$1" | sed -n "s/^$2=//p" | head -n 1); echo "${v:-0}"; }
# drop_grew BEFORE REASON: drops.REASON is now above its value in BEFORE (a drops_all)
drop_grew() { [ "$(drop_of "$(drops_all)" "$2")" -gt "$(drop_of "$1" "$2")" ] 2>/dev/null; }

# real_tcp FROM IP PORT LISTEN_NAME|- [SPORT]: 0 when nc -z connects
real_tcp() {
	local from=$1 ip=$2 port=$3 lis=$4 sport=${5:-} lpid="" rc
	if [ "$lis" != - ]; then
		ip netns exec "$(ns_of "$lis")" timeout 8 nc -l -n -k "$port" >/dev/null 2>&1 </dev/null &
		lpid=$!; BG_PIDS+=("$lpid")
		_wait_listen "$(ns_of "$lis")" tcp "$port" || diag "listener $lis:$port not up"
	fi
	on "$from" timeout 4 nc -n -z -w 1 ${sport:+-p "$sport"} "$ip" "$port" >/dev/null 2>&1
	rc=$?
	if [ "$rc" -ne 0 ]; then # one more try: the first SYN may have waited for ARP
		on "$from" timeout 4 nc -n -z -w 1 ${sport:+-p "$sport"} "$ip" "$port" >/dev/null 2>&1
		rc=$?
	fi
	[ -n "$lpid" ] && { kill "$lpid" 2>/dev/null; wait "$lpid" 2>/dev/null; }
	return "$rc"
}
# real_udp FROM IP PORT LISTEN_NAME: 0 when a datagram from FROM reaches the listener
real_udp() {
	local from=$1 ip=$2 port=$3 lis=$4 f="$T/udp.$RANDOM" lpid tok="tok$RANDOM$RANDOM" i
	: >"$f"
	ip netns exec "$(ns_of "$lis")" timeout 5 nc -u -l -n "$port" >"$f" 2>/dev/null </dev/null &
	lpid=$!; BG_PIDS+=("$lpid")
	_wait_listen "$(ns_of "$lis")" udp "$port" || diag "listener $lis:$port/udp not up"
	for i in 1 2 3; do
		on "$from" "$PY" -c 'import socket,sys; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.sendto(sys.argv[3].encode()+b"\n",(sys.argv[1],int(sys.argv[2])))' "$ip" "$port" "$tok"
		poll_until 0.3 grep -q "$tok" "$f" && break   # else send again
	done
	kill "$lpid" 2>/dev/null; wait "$lpid" 2>/dev/null
	grep -q "$tok" "$f"
}
real_icmp() { _ping "$1" "$2"; }

# PROTO FROM TO(trace) PORT DEST-IP LISTENER EXPECT(allow|drop) [SPORT]
# (LISTENER: the namespace that owns DEST-IP, or - when none does)
FLOWS=$(cat <<'EOF'
tcp web app 5432 10.1.1.10 app allow
tcp ext web-eip 80 203.0.113.10 web allow
tcp app ext 443 198.51.100.10 ext allow
tcp locked ext 80 198.51.100.10 ext allow
icmp web app 0 10.1.1.10 - allow
icmp iso app 0 10.1.1.10 - allow
udp app web 5353 10.1.0.10 web allow
tcp locked web 22 10.1.0.10 web drop
tcp iso ext 80 198.51.100.10 ext drop
tcp web dark 80 192.0.2.66 dark drop
tcp app ext 25 198.51.100.10 ext drop
tcp app web 23 10.1.0.10 web drop
tcp ext web-eip 22 203.0.113.10 web drop
icmp ext web-eip 0 203.0.113.10 - drop
udp app web 5354 10.1.0.10 web drop
tcp app web 8080 10.1.0.10 web drop
tcp nopub web 9999 10.1.0.10 web drop
tcp ext web-eip 8080 203.0.113.10 web drop
tcp app far 80 198.51.100.200 far drop
tcp nopub ext 80 198.51.100.10 ext drop
tcp ext nat-eip 80 203.0.113.20 - drop
tcp ext 203.0.113.99 80 203.0.113.99 - drop
tcp web 198.51.100.99 80 198.51.100.99 - drop
tcp web 10.1.1.99 80 10.1.1.99 - drop
tcp web ext 80 198.51.100.10 ext drop 1000
tcp app web-eip 80 203.0.113.10 web allow
tcp locked web-eip 80 203.0.113.10 web allow
tcp web lock-eip 22 203.0.113.12 locked drop
icmp app ext 0 198.51.100.10 - drop
udp app ext 53 198.51.100.10 ext drop
EOF
)

n=0
while read -r proto from to port ip lis expect sport; do
	[ -n "$proto" ] || continue
	n=$((n + 1))
	desc="$proto $from -> $to${port:+:$port}${sport:+ from port $sport}"
	[ "$proto" = icmp ] && desc="icmp $from -> $to"
	# the trace
	targs=(--from "$from" --to "$to")
	case "$proto" in
	tcp) targs+=(--tcp "$port" --return) ;;
	udp) targs+=(--udp "$port") ;;
	icmp) targs+=(--icmp --return) ;;
	esac
	[ -n "$sport" ] && targs+=(--sport "$sport")
	tout=$("$VPCLAB" trace "$T/lab.yaml" "${targs[@]}" 2>/dev/null); trc=$?
	# the drop reason is the last word of the DROP line: "DROP  CODE (reason)" or "DROP  reason"
	reason=$(printf '%s\n' "$tout" | sed -n 's/.* DROP .*[ (]\([a-z_]*\))\{0,1\}$/\1/p' | head -n 1)
	case "$expect" in allow) want=0 ;; *) want=1 ;; esac
	check_rc "[$n] $desc: trace says $expect" "$want" "$trc" "$(printf '%s' "$tout" | grep DROP)"

	# the real packets
	before=$(drops_all)
	case "$proto" in
	tcp) real_tcp "$from" "$ip" "$port" "$lis" "$sport" ;;
	udp) real_udp "$from" "$ip" "$port" "$lis" ;;
	icmp) real_icmp "$from" "$ip" ;;
	esac
	rrc=$?; [ "$rrc" -eq 0 ] || rrc=1
	# a dropped flow: until the trace's reason has counted it (asserted below)
	[ "$trc" -ne 0 ] && [ -n "$reason" ] && poll_until 2 drop_grew "$before" "$reason"
	after=$(drops_all)
	real=$([ "$rrc" -eq 0 ] && echo delivered || echo "not delivered")
	tv=$([ "$trc" -eq 0 ] && echo delivered || echo "not delivered")
	check "[$n] $desc: real traffic agrees with the trace ($tv)" "$tv" "$real"
	if [ "$trc" -ne 0 ]; then
		if [ -z "$reason" ]; then
			not_ok "[$n] $desc: the trace names a drop reason (got: $(printf '%s' "$tout" | tail -n 2 | tr '\n' '|'))"
		else
			check_grew "[$n] $desc: drops.$reason (the trace's reason) counts the real packets" \
				"$(drop_of "$before" "$reason")" "$(drop_of "$after" "$reason")"
		fi
	fi
done <<<"$FLOWS"
diag "$n flows compared"
