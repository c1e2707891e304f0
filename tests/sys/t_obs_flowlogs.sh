#!/usr/bin/env bash
# VPC flow logs (reference section 9) against traffic of known size on tests/golden/labs/obs.yaml:
#   - ping -c 5 -s 56 web -> app: ACCEPT records on both interfaces, 5 packets, 420 bytes
#     (IP length 84 each), ports 0 0, protocol 1, both directions;
#   - 10 UDP datagrams of 100 bytes app -> web:5353 from a fixed port: 10 packets, 1280 bytes;
#   - rejected: by web's SG (nopub -> web udp 7777, same subnet) and web's subnet ACL (app ->
#     web udp 5354): REJECT at the receiving interface; by locked's own SG egress: REJECT at locked;
#   - an idle interface (fw, iso): NODATA; fields in AWS's order (version 2, account, eni, ...);
#     the eni ids are the ones `status --json` lists, stable across down/up, distinct;
#   - flushing twice does not count a packet twice; records go to the lab's state directory;
#     with --flow-log-interval 2 the router writes the window by itself.
TID=oflow; . "$(dirname "$0")/lib.sh"

sed "s/^name: .*/name: $LAB/" "$REPO/tests/golden/labs/obs.yaml" >"$T/lab.yaml"
# up_with_interval FILE NAME SECONDS: `vpclab up FILE --flow-log-interval SECONDS` (lab_up takes no options)
up_with_interval() {
	local out rc pid
	LABS+=("$2")
	out=$(timeout 30 "$VPCLAB" up "$1" --flow-log-interval "$3" 2>&1); rc=$?
	if [ "$rc" -ne 0 ]; then
		not_ok "vpclab up $(basename "$1") --flow-log-interval $3 [$2] (exit $rc): $(printf '%s' "$out" | head -c 300 | tr '\n' '|')"
		exit 1
	fi
	ok "vpclab up $(basename "$1") --flow-log-interval $3 [$2]"
	pid=$(status_get "$2" pid 2>/dev/null)
	[[ "$pid" =~ ^[0-9]+$ ]] && ROUTER_PIDS+=("$pid")
}
T0=$(date +%s)
up_with_interval "$T/lab.yaml" "$LAB" 600

eni_of() { status_get "$LAB" "port.$1.eni"; }
# fl NAME: `vpclab flowlogs NAME --lab LAB` (flushes the current window)
fl() { timeout 10 "$VPCLAB" flowlogs "$1" --lab "$LAB" 2>"$T/fl.err"; }
# sum_of FILE SRC DST SPORT DPORT PROTO ACTION: "packets bytes" summed over the matching records
sum_of() {
	awk -v s="$2" -v d="$3" -v sp="$4" -v dp="$5" -v pr="$6" -v a="$7" '
		$4 == s && $5 == d && $6 == sp && $7 == dp && $8 == pr && $13 == a { p += $9; b += $10; n++ }
		END { printf "%d %d\n", p, b }' "$1"
}
# udp_burst FROM IP PORT SPORT N SIZE: N datagrams of SIZE payload bytes from source port SPORT
udp_burst() {
	on "$1" "$PY" -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", int(sys.argv[3])))
for i in range(int(sys.argv[4])):
    s.sendto(b"v" * int(sys.argv[5]), (sys.argv[1], int(sys.argv[2]))); time.sleep(0.02)' "$2" "$3" "$4" "$5" "$6"
}

ENI_WEB=$(eni_of web); ENI_APP=$(eni_of app); ENI_NOPUB=$(eni_of nopub); ENI_LOCKED=$(eni_of locked)
ENI_FW=$(eni_of fw); ENI_ISO=$(eni_of iso)
check_match "status --json lists web's eni (eni- and 17 hex digits)" '^eni-[0-9a-f]{17}$' "$ENI_WEB"
check "the six instances have six distinct eni ids" 6 \
	"$(printf '%s\n' "$ENI_WEB" "$ENI_APP" "$ENI_NOPUB" "$ENI_LOCKED" "$ENI_FW" "$ENI_ISO" | grep -E '^eni-' | sort -u | wc -l)"

# ------------------------------------------------------------------ traffic of known size
on_bg web timeout 20 nc -u -l -n 5353 >/dev/null 2>&1
_wait_listen "$LAB-web" udp 5353
# rx_grown WEB APP NOPUB LOCKED: the router has received at least that many more packets from each
rx_keys="port.web.rx_packets port.app.rx_packets port.nopub.rx_packets port.locked.rx_packets"
rx0=($(status_get "$LAB" $rx_keys))
rx_grown() {
	local now i want=("$@"); now=($(status_get "$LAB" $rx_keys))
	for i in 0 1 2 3; do
		[[ "${now[$i]:-}" =~ ^[0-9]+$ && "${rx0[$i]:-}" =~ ^[0-9]+$ ]] || return 1
		[ "${now[$i]}" -ge $((rx0[i] + want[i])) ] || return 1
	done
}
T1=$(date +%s)
out=$(on web ping -n -c 5 -i 0.2 -s 56 -W 1 10.1.1.10 2>&1)
check_match "ping -c 5 web -> app: 5 replies" ' 5 received' "$out"
udp_burst app 10.1.0.10 5353 40123 10 100
udp_burst nopub 10.1.0.10 7777 40124 3 20          # web's SG: udp only 5353 from 10.1.1.0/24
udp_burst app 10.1.0.10 5354 40125 2 20            # pub-acl: udp 5353 only
udp_burst locked 10.1.0.10 5353 40126 4 20         # locked's SG egress: tcp 80 only
# every packet sent above has reached the router: web 5 echo requests, app 5 replies + 12 datagrams
wait_for "the router to receive the pings and the datagrams" 3 rx_grown 5 17 3 4
T2=$(date +%s)

fl web >"$T/web.log"; rc=$?
check_rc "vpclab flowlogs web: exit 0" 0 "$rc" "$(head -c 200 "$T/fl.err")"
fl app >"$T/app.log"
fl nopub >"$T/nopub.log"
fl locked >"$T/locked.log"
fl fw >"$T/fw.log"
fl iso >"$T/iso.log"
diag "web's records:"; sed 's/^/#   /' "$T/web.log"

# ------------------------------------------------------------------ format
check "every record of web has 14 fields" 0 "$(awk 'NF != 14' "$T/web.log" | wc -l)"
check "every record of web is version 2, account 12 digits, web's eni" 0 \
	"$(awk -v e="$ENI_WEB" '!($1 == "2" && $2 ~ /^[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]$/ && $3 == e)' "$T/web.log" | wc -l)"
check "every record of app carries app's eni" 0 "$(awk -v e="$ENI_APP" '$3 != e' "$T/app.log" | wc -l)"
check "the data records of web: addresses, numbers, action ACCEPT|REJECT, status OK" 0 \
	"$(awk '$14 != "NODATA" && !($4 ~ /^[0-9.]+$/ && $5 ~ /^[0-9.]+$/ && $6 ~ /^[0-9]+$/ && $7 ~ /^[0-9]+$/ && $8 ~ /^[0-9]+$/ && $9 ~ /^[0-9]+$/ && $10 ~ /^[0-9]+$/ && ($13 == "ACCEPT" || $13 == "REJECT") && $14 == "OK")' "$T/web.log" | wc -l)"
check "start <= end, both within the test's time ($T0 .. $((T2 + 1)))" 0 \
	"$(awk -v a="$T0" -v b="$((T2 + 1))" '!($11 <= $12 && $11 >= a && $12 <= b)' "$T/web.log" "$T/app.log" | wc -l)"
check "the data records' start..end lie in the traffic's seconds ($T1 .. $T2)" 0 \
	"$(awk -v a="$T1" -v b="$T2" '$14 == "OK" && !($11 >= a && $12 <= b)' "$T/web.log" "$T/app.log" | wc -l)"

# ------------------------------------------------------------------ counts and bytes
check "web: ICMP web -> app ACCEPT, 5 packets, 420 bytes (5 x 84)" "5 420" "$(sum_of "$T/web.log" 10.1.0.10 10.1.1.10 0 0 1 ACCEPT)"
check "web: ICMP app -> web (the replies) ACCEPT, 5 packets, 420 bytes" "5 420" "$(sum_of "$T/web.log" 10.1.1.10 10.1.0.10 0 0 1 ACCEPT)"
check "app: ICMP web -> app ACCEPT, 5 packets, 420 bytes" "5 420" "$(sum_of "$T/app.log" 10.1.0.10 10.1.1.10 0 0 1 ACCEPT)"
check "app: ICMP app -> web ACCEPT, 5 packets, 420 bytes" "5 420" "$(sum_of "$T/app.log" 10.1.1.10 10.1.0.10 0 0 1 ACCEPT)"
check "app: UDP app:40123 -> web:5353 ACCEPT, 10 packets, 1280 bytes (10 x 128)" "10 1280" "$(sum_of "$T/app.log" 10.1.1.10 10.1.0.10 40123 5353 17 ACCEPT)"
check "web: UDP app:40123 -> web:5353 ACCEPT, 10 packets, 1280 bytes" "10 1280" "$(sum_of "$T/web.log" 10.1.1.10 10.1.0.10 40123 5353 17 ACCEPT)"
check "web: UDP nopub -> web:7777 rejected by web's SG: REJECT, 3 packets, 144 bytes" "3 144" "$(sum_of "$T/web.log" 10.1.0.11 10.1.0.10 40124 7777 17 REJECT)"
check "web: no ACCEPT record for what its SG rejected" "0 0" "$(sum_of "$T/web.log" 10.1.0.11 10.1.0.10 40124 7777 17 ACCEPT)"
check "nopub: what it sent (its own SG let it out) ACCEPT, 3 packets" "3 144" "$(sum_of "$T/nopub.log" 10.1.0.11 10.1.0.10 40124 7777 17 ACCEPT)"
check "web: UDP app -> web:5354 rejected by pub-acl: REJECT, 2 packets, 96 bytes" "2 96" "$(sum_of "$T/web.log" 10.1.1.10 10.1.0.10 40125 5354 17 REJECT)"
check "locked: UDP to web:5353 rejected by its own SG egress: REJECT, 4 packets, 192 bytes" "4 192" "$(sum_of "$T/locked.log" 10.1.0.12 10.1.0.10 40126 5353 17 REJECT)"
check "web: nothing from locked arrived (its SG egress stopped it)" "0 0" "$(sum_of "$T/web.log" 10.1.0.12 10.1.0.10 40126 5353 17 ACCEPT)"

# ------------------------------------------------------------------ idle interfaces
for n in fw iso; do
	line=$(grep ' NODATA$' "$T/$n.log" | head -n 1)
	eni=$(eni_of "$n")
	check_match "$n (idle): a NODATA record for its eni with '-' fields" "^2 [0-9]{12} $eni - - - - - - - [0-9]+ [0-9]+ - NODATA\$" "$line"
	check "$n (idle): no data record" 0 "$(grep -vc ' NODATA$' "$T/$n.log")"
	set -- $line
	if [ -n "$line" ] && [ "${11}" -le "$T1" ]; then ok "$n (idle): the NODATA window starts when the window did (${11} <= $T1, before the traffic)"
	else not_ok "$n (idle): the NODATA window starts when the window did (expected start <= $T1, the lab came up at $T0; got start ${11:-none} end ${12:-none})"; fi
done

# ------------------------------------------------------------------ flushing again, files, all
fl web >"$T/web2.log"
check "flushing again counts nothing twice (ICMP web -> app still 5 packets)" "5 420" "$(sum_of "$T/web2.log" 10.1.0.10 10.1.1.10 0 0 1 ACCEPT)"
check "flushing again: the UDP flow still 10 packets" "10 1280" "$(sum_of "$T/web2.log" 10.1.1.10 10.1.0.10 40123 5353 17 ACCEPT)"
check_match "the second window of web (no traffic) is a NODATA record" " - NODATA$" "$(tail -n 1 "$T/web2.log")"
f="/run/vpclab/$LAB/flowlogs/web.log"
if [ -f "$f" ] && grep -q " $ENI_WEB 10.1.1.10 10.1.0.10 40123 5353 17 10 1280 " "$f"; then ok "the records are in the lab's state directory ($f)"
else not_ok "the records are in the lab's state directory (expected $f with the UDP record)"; fi
timeout 10 "$VPCLAB" flowlogs --lab "$LAB" >"$T/all.log" 2>/dev/null; rc=$?
check_rc "vpclab flowlogs (every interface): exit 0" 0 "$rc"
check "vpclab flowlogs (every interface) has the records of all six instances" 6 "$(awk '{print $3}' "$T/all.log" | sort -u | wc -l)"
timeout 10 "$VPCLAB" flowlogs nosuch --lab "$LAB" >/dev/null 2>"$T/ns.err"; rc=$?
check_rc "vpclab flowlogs nosuch: exit 1" 1 "$rc"
check_match "vpclab flowlogs nosuch: the message names it" nosuch "$(cat "$T/ns.err")"

# ------------------------------------------------------------------ eni ids stable across down/up
timeout 20 "$VPCLAB" down "$LAB" >/dev/null 2>&1
up_with_interval "$T/lab.yaml" "$LAB" 2
check "web's eni is the same after down and up" "$ENI_WEB" "$(eni_of web)"
check "app's eni is the same after down and up" "$ENI_APP" "$(eni_of app)"

# ------------------------------------------------------------------ the router writes every window
diag "--flow-log-interval 2: the router writes the window by itself"
f="/run/vpclab/$LAB/flowlogs/web.log"
on web ping -n -c 3 -i 0.2 -W 1 10.1.1.10 >/dev/null 2>&1
# without calling flowlogs: the window with the echo requests, then an idle (NODATA) one
icmp_then_idle() {
	awk '$4 == "10.1.0.10" && $5 == "10.1.1.10" && $8 == 1 && $13 == "ACCEPT" { seen = 1 }
		seen && $14 == "NODATA" { idle = 1 } END { exit !idle }' "$f" 2>/dev/null
}
wait_for "the router to write web's windows (interval 2 s) by itself" 8 icmp_then_idle
if [ -f "$f" ] && awk '$4 == "10.1.0.10" && $5 == "10.1.1.10" && $8 == 1 && $13 == "ACCEPT"' "$f" | grep -q .; then
	ok "the ICMP record is in $f without a flowlogs call"
else
	not_ok "the ICMP record is in $f without a flowlogs call (got: $(tail -n 3 "$f" 2>/dev/null | tr '\n' '|'))"
fi
check "interval 2: the three echo requests are counted once in total" "3 252" \
	"$(awk '$4 == "10.1.0.10" && $5 == "10.1.1.10" && $8 == 1 && $13 == "ACCEPT" { p += $9; b += $10 } END { printf "%d %d\n", p, b }' "$f" 2>/dev/null)"
n=$(grep -c ' NODATA$' "$f" 2>/dev/null)
if [ "${n:-0}" -ge 1 ]; then ok "interval 2: idle windows of web are written as NODATA ($n)"
else not_ok "interval 2: idle windows of web are written as NODATA (got none)"; fi
check "interval 2: consecutive windows of web do not overlap (start >= previous end)" 0 \
	"$(awk '$14 == "NODATA" { if (pe && $11 < pe) bad++; pe = $12 } END { print bad + 0 }' "$f" 2>/dev/null)"
