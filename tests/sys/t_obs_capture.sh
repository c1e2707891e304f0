#!/usr/bin/env bash
# `vpclab capture` on real traffic (tests/golden/labs/obs.yaml):
#   - an interface with a BPF filter while curl runs: the file opens in tcpdump -r (libpcap), holds
#     exactly the filtered packets (one SYN, one SYN-ACK, the GET; no ICMP that ran meanwhile),
#     as many as tcpdump on the instance's own eth0 saw;
#   - --drops: every dropped packet, each with a pcapng comment (read with a small parser of the
#     blocks: type 6 = enhanced packet, option 1 = comment) naming the reason, the AWS code, the
#     sender and the stage; --drops limited to an interface and a filter;
#   - --stage nat / nat:COMPONENT: before (private source) and after (NAT private IP, NAT port)
#     pairs, in both directions; --stage igw (NAT private IP -> elastic IP); --stage nacl-in:ACL;
#   - -c N stops after N packets; streaming to stdout (| tcpdump -nr -);
#   - errors: a bad filter, an unknown interface; the router survives bad requests and frees the
#     capture of a reader that went away.
TID=ocapt; . "$(dirname "$0")/lib.sh"

sed "s/^name: .*/name: $LAB/" "$REPO/tests/golden/labs/obs.yaml" >"$T/lab.yaml"
lab_up "$T/lab.yaml"
on_bg web "$PY" -m http.server 80 --bind 0.0.0.0 >/dev/null 2>&1; disown $!
on_bg ext "$PY" -m http.server 443 --bind 0.0.0.0 >/dev/null 2>&1; disown $!
_wait_listen "$LAB-web" tcp 80; _wait_listen "$LAB-ext" tcp 443

# pcapng.py FILE: one JSON object per enhanced packet block (comment, addresses, ports, flags);
# "error: ..." lines when the block structure is broken.
cat >"$T/pcapng.py" <<'PYEOF'
import json, socket, struct, sys
data = open(sys.argv[1], "rb").read()
off, e, n_shb, n_idb = 0, "<", 0, 0
while off < len(data):
    if off + 12 > len(data):
        print("error: %d trailing bytes" % (len(data) - off)); break
    if data[off:off + 4] == b"\x0a\x0d\x0d\x0a":
        e = "<" if data[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
    btype, blen = struct.unpack(e + "II", data[off:off + 8])
    if blen < 12 or blen % 4 or off + blen > len(data):
        print("error: block at %d: bad length %d" % (off, blen)); break
    if struct.unpack(e + "I", data[off + blen - 4:off + blen])[0] != blen:
        print("error: block at %d: trailing length differs" % off); break
    body = data[off + 8:off + blen - 4]
    off += blen
    if btype == 0x0A0D0D0A: n_shb += 1; continue
    if btype == 1: n_idb += 1; continue
    if btype != 6: continue
    if n_shb == 0 or n_idb == 0:
        print("error: packet before the section/interface header"); break
    caplen = struct.unpack(e + "I", body[12:16])[0]
    pkt = body[20:20 + caplen]
    o, comments = 20 + ((caplen + 3) & ~3), []
    while o + 4 <= len(body):
        code, ln = struct.unpack(e + "HH", body[o:o + 4])
        if code == 0: break
        if code == 1: comments.append(body[o + 4:o + 4 + ln].decode("utf-8", "replace"))
        o += 4 + ((ln + 3) & ~3)
    p = {"comment": " | ".join(comments), "ncomments": len(comments), "len": caplen}
    if len(pkt) >= 34 and pkt[12:14] == b"\x08\x00":
        ihl = (pkt[14] & 15) * 4
        ip = pkt[14:]
        p.update(proto=ip[9], src=socket.inet_ntoa(ip[12:16]), dst=socket.inet_ntoa(ip[16:20]),
                 iplen=struct.unpack("!H", ip[2:4])[0])
        l4 = ip[ihl:]
        if ip[9] in (6, 17) and len(l4) >= 4:
            p["sport"], p["dport"] = struct.unpack("!HH", l4[:4])
        if ip[9] == 6 and len(l4) >= 14:
            p["seq"] = struct.unpack("!I", l4[4:8])[0]; p["flags"] = l4[13]
        if ip[9] == 1 and len(l4) >= 8:
            p["icmp_type"] = l4[0]; p["icmp_id"] = struct.unpack("!H", l4[4:6])[0]
    elif len(pkt) >= 14:
        p["ethertype"] = struct.unpack("!H", pkt[12:14])[0]
    print(json.dumps(p))
PYEOF
# pq FILE EXPR: EXPR evaluated over P (the packets of FILE as dicts; missing keys read as None)
pq() {
	if [ ! -s "$1" ]; then echo "no file $(basename "$1")"; return; fi
	"$PY" "$T/pcapng.py" "$1" >"$T/pq.json" 2>&1
	"$PY" -c '
import json, sys
class D(dict):
    def __missing__(self, k): return None
P, errors = [], []
for line in open(sys.argv[1]):
    if line.startswith("{"): P.append(D(json.loads(line)))
    else: errors.append(line.strip())
try: print(eval(sys.argv[2]))
except Exception as ex: print("eval-error: %s" % ex)
' "$T/pq.json" "$2"
}
# cap_start FILE ARGS...: `vpclab capture ARGS --lab LAB -w FILE` in the background; returns
# once the router has sent the pcapng headers (the capture is attached)
cap_start() {
	local f=$1 i; shift
	rm -f "$f"
	"$VPCLAB" capture "$@" --lab "$LAB" -w "$f" 2>"$f.err" &
	CAP_PID=$!; BG_PIDS+=("$CAP_PID")
	for i in $(seq 1 60); do
		[ "$(stat -c %s "$f" 2>/dev/null || echo 0)" -ge 48 ] && return 0
		kill -0 "$CAP_PID" 2>/dev/null || break
		sleep 0.05
	done
	diag "capture $* did not start: $(head -c 300 "$f.err" 2>/dev/null)"
	return 1
}
cap_wait() { wait "$CAP_PID"; }
# td FILE [FILTER]: packets of FILE (matching FILTER) as tcpdump counts them
td() { local f=$1; shift; tcpdump -nr "$f" "$@" 2>/dev/null | wc -l; }
opens() {
	local out rc
	out=$(tcpdump -nr "$2" 2>&1 >/dev/null); rc=$?
	if [ "$rc" -eq 0 ] && printf '%s' "$out" | grep -q 'link-type EN10MB'; then ok "$1: tcpdump -r opens it (Ethernet)"
	else not_ok "$1: tcpdump -r opens it (exit $rc: $(printf '%s' "$out" | head -c 200))"; fi
}
well_formed() {
	local e; e=$(pq "$2" 'len(errors)')
	check "$1: pcapng blocks well formed (SHB, IDB, EPBs with matching lengths)" 0 "$e"
}

# ------------------------------------------------------------------ an interface, BPF filter
diag "capture web 'tcp port 80' while ext fetches http://web-eip/ and app pings web"
ip netns exec "$LAB-web" tcpdump -i eth0 --immediate-mode -U -w "$T/web-ns.pcap" 'tcp port 80' 2>"$T/web-ns.err" &
NS_TD=$!; BG_PIDS+=("$NS_TD")
wait_for "tcpdump on web's eth0 to listen" 5 grep -q "listening on" "$T/web-ns.err"
cap_start "$T/web80.pcapng" web --seconds 6 'tcp port 80'
on app ping -n -c 3 -i 0.2 -W 1 10.1.0.10 >/dev/null 2>&1 &
PING=$!
code=$(on ext curl -s -o /dev/null -w '%{http_code}' -m 3 http://203.0.113.10/)
wait "$PING"
check "curl ext -> web-eip answered" 200 "$code"
cap_wait
F=$T/web80.pcapng
# tcpdump in web writes each packet as it comes (-U): stop it once it has the router's count
wait_for "tcpdump on web's eth0 to have written $(td "$F") packets" 3 \
	eval '[ "$(td "$T/web-ns.pcap")" -ge "$(td "$F")" ]'
kill "$NS_TD" 2>/dev/null; wait "$NS_TD" 2>/dev/null
opens "port capture" "$F"
well_formed "port capture" "$F"
check "port capture: exactly one SYN (ext -> web:80)" 1 "$(td "$F" 'tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn and dst port 80')"
check "port capture: exactly one SYN-ACK (web:80 -> ext)" 1 "$(td "$F" 'tcp[tcpflags] & (tcp-syn|tcp-ack) == (tcp-syn|tcp-ack) and src port 80')"
check "port capture: the BPF filter let nothing but tcp port 80 through" 0 "$(td "$F" 'not (tcp port 80)')"
check "port capture: no ICMP although app pinged web meanwhile" 0 "$(td "$F" icmp)"
check_match "port capture: the HTTP GET is in it" 'GET / HTTP/1\.1' "$(tcpdump -nr "$F" -A 2>/dev/null)"
check "port capture: FINs of both sides" 2 "$(td "$F" 'tcp[tcpflags] & tcp-fin != 0')"
check "port capture: rx (what the router received from web) is web:80 -> ext" True \
	"$(pq "$F" '[p for p in P if p["comment"] == "rx"] != [] and all(p["src"] == "10.1.0.10" and p["sport"] == 80 for p in P if p["comment"] == "rx")')"
check "port capture: tx (what the router delivered to web) is 198.51.100.10 -> web's private IP 10.1.0.10:80" True \
	"$(pq "$F" '[p for p in P if p["comment"] == "tx"] != [] and all(p["src"] == "198.51.100.10" and p["dst"] == "10.1.0.10" and p["dport"] == 80 for p in P if p["comment"] == "tx")')"
check "port capture: every packet carries a comment rx or tx" True "$(pq "$F" 'all(p["comment"] in ("rx", "tx") for p in P)')"
check "port capture: as many packets as tcpdump on web's own eth0 saw" "$(td "$T/web-ns.pcap")" "$(td "$F")"

# ------------------------------------------------------------------ every drop, with its reason
diag "capture --drops while packets are dropped at every kind of stage"
cap_start "$T/drops.pcapng" --drops --seconds 6
on app timeout 8 nc -l -n 5432 >/dev/null 2>&1 & BG_PIDS+=($!)
for spec in "locked 10.1.0.10 22" "iso 198.51.100.10 80" "web 192.0.2.66 80" "app 198.51.100.10 25" \
	"app 10.1.0.10 23" "ext 203.0.113.10 8080" "app 198.51.100.200 80" "nopub 198.51.100.10 80" \
	"ext 203.0.113.20 80" "web 198.51.100.99 80" "ext 203.0.113.99 80" "web 10.1.1.99 80" \
	"web 10.1.1.10 5432"; do
	set -- $spec
	on "$1" timeout 3 nc -n -z -w 1 "$2" "$3" >/dev/null 2>&1 &
done
on ext ping -n -c 1 -W 1 203.0.113.10 >/dev/null 2>&1 &
on iso "$PY" -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x" * 30, ("198.51.100.10", 53))'
cap_wait
F=$T/drops.pcapng
opens "drops capture" "$F"
well_formed "drops capture" "$F"
check "drops capture: every packet has exactly one comment" True "$(pq "$F" 'len(P) > 0 and all(p["ncomments"] == 1 for p in P)')"
# EXPECTED: DST DPORT PROTO COMMENT-REGEX (the first packet to DST:DPORT)
while read -r dst dport proto re; do
	[ -n "$dst" ] || continue
	got=$(pq "$F" "next((p['comment'] for p in P if p['dst'] == '$dst' and (p['dport'] or 0) == $dport and p['proto'] == $proto), 'no packet')")
	check_match "drops capture: $dst:$dport comment /$re/" "$re" "$got"
done <<'EOF'
10.1.0.10 22 6 ^drop sg_egress \(ENI_SG_RULES_MISMATCH\) from locked at sg-out: drop sg_egress$
198.51.100.10 80 6 ^drop (no_route \(NO_ROUTE_TO_DESTINATION\) from iso at route: drop no_route|igw_no_public_ip \(IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS\) from nopub at igw: drop igw_no_public_ip)$
192.0.2.66 80 6 ^drop blackhole \(BAD_STATE_ROUTE\) from web at route: drop blackhole$
198.51.100.10 25 6 ^drop nacl_out \(SUBNET_ACL_RESTRICTION\) from app at nacl-out: drop nacl_out rule 90$
10.1.0.10 23 6 ^drop nacl_in \(SUBNET_ACL_RESTRICTION\) from app at nacl-in: drop nacl_in rule \*$
203.0.113.10 8080 6 ^drop sg_ingress \(ENI_SG_RULES_MISMATCH\) from ext at sg-in: drop sg_ingress$
198.51.100.200 80 6 ^drop srcdst_check \(ENI_SOURCE_DEST_CHECK_RESTRICTION\) from app at eni-in: drop srcdst_check$
203.0.113.20 80 6 ^drop nat_no_mapping from ext at nat: drop nat_no_mapping$
198.51.100.99 80 6 ^drop inet_no_host \(NO_PATH\) from web
203.0.113.99 80 6 ^drop igw_no_mapping \(IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS\) from ext at igw: drop igw_no_mapping$
10.1.1.99 80 6 ^drop no_host \(ENI_ADDRESS_RESTRICTION\) from web
203.0.113.10 0 1 ^drop nacl_in \(SUBNET_ACL_RESTRICTION\) from ext at nacl-in: drop nacl_in rule \*$
198.51.100.10 53 17 ^drop no_route \(NO_ROUTE_TO_DESTINATION\) from iso at route: drop no_route$
EOF
check "drops capture: both drops toward ext:80 (no_route from iso, igw_no_public_ip from nopub)" True \
	"$(pq "$F" 'any(p["src"] == "10.1.2.10" and "no_route" in p["comment"] for p in P) and any(p["src"] == "10.1.0.11" and "igw_no_public_ip" in p["comment"] for p in P)')"
check "drops capture: the packets are the frames as sent (private source, before any NAT)" True \
	"$(pq "$F" 'all(p["src"] in ("10.1.0.10", "10.1.0.11", "10.1.0.12", "10.1.1.10", "10.1.2.10", "198.51.100.10") for p in P if p["src"])')"
check "drops capture: an allowed connection (web -> app:5432) is not in it" 0 \
	"$(pq "$F" 'sum(1 for p in P if p["dport"] == 5432 or p["sport"] == 5432)')"
check "drops capture: the dropped UDP datagram is whole (IP length 58)" True \
	"$(pq "$F" 'any(p["proto"] == 17 and p["iplen"] == 58 and p["len"] == 72 for p in P)')"

diag "capture app --drops 'tcp port 23': only app's drops, only port 23"
cap_start "$T/drops23.pcapng" app --drops --seconds 4 'tcp port 23'
on app timeout 3 nc -n -z -w 1 10.1.0.10 23 &
on app timeout 3 nc -n -z -w 1 198.51.100.10 25 &
on locked timeout 3 nc -n -z -w 1 10.1.0.10 23 &
cap_wait
F=$T/drops23.pcapng
opens "drops of app, tcp port 23" "$F"
check "drops of app, tcp port 23: only app's packets to port 23, at least one" True \
	"$(pq "$F" 'len(P) >= 1 and all(p["src"] == "10.1.1.10" and p["dport"] == 23 for p in P)')"
check_match "drops of app, tcp port 23: the comment names nacl_in and the rule" 'drop nacl_in \(SUBNET_ACL_RESTRICTION\) from app at nacl-in: drop nacl_in rule \*' \
	"$(pq "$F" 'P[0]["comment"] if P else "none"')"

# ------------------------------------------------------------------ stages
diag "capture --stage nat:nat while app fetches https-port from ext through the NAT gateway"
cap_start "$T/nat.pcapng" --stage nat:nat --seconds 4
code=$(on app curl -s -o /dev/null -w '%{http_code}' -m 3 http://198.51.100.10:443/)
check "curl app -> ext:443 through the NAT gateway answered" 200 "$code"
natport=$(timeout 10 "$VPCLAB" nat nat --lab "$LAB" --json 2>/dev/null | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
t = [t for g in d["nat_gateways"] for t in g.get("translations", []) if t.get("destination_port") == 443]
print(t[0]["nat_port"] if t else "none")' 2>/dev/null)
cap_wait
F=$T/nat.pcapng
opens "nat stage" "$F"
well_formed "nat stage" "$F"
check "nat stage: as many 'nat after' as 'nat before' packets" True \
	"$(pq "$F" 'len(P) >= 4 and sum(1 for p in P if p["comment"].startswith("nat before")) == sum(1 for p in P if p["comment"].startswith("nat after"))')"
check "nat stage: the SYN before: private source 10.1.1.10 -> 198.51.100.10:443" True \
	"$(pq "$F" 'P[0]["comment"].startswith("nat before: pass") and P[0]["flags"] == 2 and P[0]["src"] == "10.1.1.10" and P[0]["dst"] == "198.51.100.10" and P[0]["dport"] == 443')"
check "nat stage: the SYN after: the NAT's private IP 10.1.0.5, same destination, same sequence number" True \
	"$(pq "$F" 'P[1]["comment"].startswith("nat after: pass") and P[1]["src"] == "10.1.0.5" and P[1]["dst"] == "198.51.100.10" and P[1]["dport"] == 443 and P[1]["seq"] == P[0]["seq"]')"
check "nat stage: the NAT port of the capture is the translation's nat_port in 'vpclab nat --json'" "$natport" "$(pq "$F" 'P[1]["sport"]')"
check "nat stage: the SYN-ACK before: to the NAT (10.1.0.5:NAT port)" True \
	"$(pq "$F" 'P[2]["flags"] == 0x12 and P[2]["comment"].startswith("nat before") and P[2]["dst"] == "10.1.0.5" and P[2]["dport"] == P[1]["sport"]')"
check "nat stage: the SYN-ACK after: back to app's private address and port" True \
	"$(pq "$F" 'P[3]["comment"].startswith("nat after") and P[3]["dst"] == "10.1.1.10" and P[3]["dport"] == P[0]["sport"] and P[3]["src"] == "198.51.100.10"')"
check "nat stage: the stream opens with tcpdump -nr - too" "$(td "$F")" "$(cat "$F" | tcpdump -nr - 2>/dev/null | wc -l)"

# (a filter with --stage needs the component as NAME: see the checks at the end for the other forms)
diag "capture main --stage igw 'tcp port 443': the NAT's private IP becomes its elastic IP"
cap_start "$T/igw.pcapng" main --stage igw --seconds 4 'tcp port 443'
on app curl -s -o /dev/null -m 3 http://198.51.100.10:443/
cap_wait
F=$T/igw.pcapng
opens "igw stage" "$F"
check "igw stage: the SYN before 10.1.0.5 -> ext, after 203.0.113.20 -> ext (same port)" True \
	"$(pq "$F" 'len(P) >= 2 and P[0]["comment"].startswith("igw before") and P[0]["src"] == "10.1.0.5" and P[1]["comment"].startswith("igw after") and P[1]["src"] == "203.0.113.20" and P[1]["sport"] == P[0]["sport"]')"

diag "capture pub-acl --stage nacl-in: the decisions of pub-acl on what enters subnet pub"
cap_start "$T/nacl.pcapng" pub-acl --stage nacl-in --seconds 4 'tcp port 23 or tcp port 22'
on app timeout 3 nc -n -z -w 1 10.1.0.10 23 &
on ext timeout 3 nc -n -z -w 1 203.0.113.10 22 &
on web timeout 3 nc -n -z -w 1 10.1.1.10 22 &
cap_wait
F=$T/nacl.pcapng
opens "nacl-in stage" "$F"
check_match "nacl-in stage: app -> web:23 'nacl-in: drop nacl_in rule *'" '^nacl-in: drop nacl_in rule \*$' \
	"$(pq "$F" 'next((p["comment"] for p in P if p["dport"] == 23), "none")')"
check_match "nacl-in stage: ext -> web:22 (after the IGW: to 10.1.0.10) 'drop nacl_in rule *'" '^nacl-in: drop nacl_in rule \*$' \
	"$(pq "$F" 'next((p["comment"] for p in P if p["dport"] == 22 and p["dst"] == "10.1.0.10"), "none")')"
check "nacl-in stage: app-acl's decisions are not in a pub-acl capture (web -> app:22)" 0 \
	"$(pq "$F" 'sum(1 for p in P if p["dst"] == "10.1.1.10")')"

# ------------------------------------------------------------------ -c N, stdout
diag "capture web -c 3 icmp while app pings web 10 times"
t0=$(date +%s)
cap_start "$T/c3.pcapng" web -c 3 --seconds 20 icmp
on app ping -n -c 10 -i 0.3 -W 1 10.1.0.10 >/dev/null 2>&1 &
PING=$!
cap_wait; rc=$?
el=$(( $(date +%s) - t0 ))
wait "$PING"
check_rc "capture -c 3: exit 0" 0 "$rc"
if [ "$el" -lt 10 ]; then ok "capture -c 3 stopped by itself after 3 packets (${el}s, --seconds 20)"
else not_ok "capture -c 3 stopped by itself after 3 packets (took ${el}s of --seconds 20)"; fi
check "capture -c 3: the file holds exactly 3 packets" 3 "$(td "$T/c3.pcapng")"

diag "capture web -c 4 icmp | tcpdump -nr -"
( "$VPCLAB" capture web -c 4 --seconds 10 --lab "$LAB" icmp | tcpdump -nr - >"$T/stream.txt" 2>"$T/stream.err" ) &
SP=$!
# tcpdump -r - names the link type once it has read the capture's header: the capture is attached
wait_for "tcpdump -r - to read the capture's header" 5 grep -q "link-type" "$T/stream.err"
on app ping -n -c 6 -i 0.2 -W 1 10.1.0.10 >/dev/null 2>&1
wait "$SP"; rc=$?
check_rc "capture | tcpdump -nr -: exit 0" 0 "$rc"
check "capture | tcpdump -nr -: tcpdump printed the 4 packets" 4 "$(wc -l <"$T/stream.txt")"
check "capture | tcpdump -nr -: they are echo requests and replies of app and web" 4 \
	"$(grep -Ec '10\.1\.1\.10 > 10\.1\.0\.10: ICMP echo request|10\.1\.0\.10 > 10\.1\.1\.10: ICMP echo reply' "$T/stream.txt")"

# ------------------------------------------------------------------ a bulk transfer
diag "capture web 'tcp port 443' while app downloads 2 MB from web (64 KiB segments)"
mkdir -p "$T/www" && head -c 2000000 /dev/urandom >"$T/www/big"
(cd "$T/www" && exec ip netns exec "$LAB-web" "$PY" -m http.server 443 --bind 0.0.0.0 >/dev/null 2>&1) &
BG_PIDS+=($!); disown $!
_wait_listen "$LAB-web" tcp 443
cap_start "$T/bulk.pcapng" web --seconds 4 'tcp port 443'
got=$(on app curl -s -o /dev/null -w '%{http_code} %{size_download}' -m 5 http://10.1.0.10:443/big)
check "curl app -> web: 2 MB downloaded" "200 2000000" "$got"
cap_wait
F=$T/bulk.pcapng
out=$(tcpdump -nr "$F" 2>&1 >/dev/null); rc=$?
check_rc "bulk capture: tcpdump -r reads the whole file without error" 0 "$rc" "$(printf '%s' "$out" | grep -v '^reading' | head -c 200)"
well_formed "bulk capture" "$F"
check "bulk capture: the SYN and the first data segments are in it" True \
	"$(pq "$F" 'any(p["flags"] == 2 for p in P) and any(p["sport"] == 443 and p["len"] > 1514 for p in P)')"

# ------------------------------------------------------------------ errors, robustness
# Bad requests must be answered with one message and leave the router running. recover: when the
# router died anyway (counted, checked once at the end), the lab comes back for the next checks.
DEATHS=0
recover() {
	if timeout 5 "$VPCLAB" status "$LAB" 2>/dev/null | head -n 1 | grep -Eq "^lab $LAB: running"; then return 0; fi
	DEATHS=$((DEATHS + 1))
	diag "the router died after: $1 (bringing the lab up again)"
	timeout 20 "$VPCLAB" down "$LAB" >/dev/null 2>&1
	lab_up "$T/lab.yaml" >/dev/null
	on_bg ext "$PY" -m http.server 443 --bind 0.0.0.0 >/dev/null 2>&1; disown $!
	_wait_listen "$LAB-ext" tcp 443
}
# bad_request DESC MESSAGE-ERE CAPTURE-ARGS...: five tries, each must exit 1 with the message
bad_request() {
	local desc=$1 re=$2 i rc got="" bad=0; shift 2
	for i in 1 2 3 4 5; do
		"$VPCLAB" capture "$@" --lab "$LAB" --seconds 1 -w "$T/bad.pcapng" >/dev/null 2>"$T/bad.err"; rc=$?
		if [ "$rc" -ne 1 ] || ! grep -Eq -- "$re" "$T/bad.err"; then
			bad=$((bad + 1)); got="exit $rc: $(head -c 120 "$T/bad.err" | tr '\n' ' ')"
		fi
		recover "capture $*"
	done
	if [ "$bad" -eq 0 ]; then ok "$desc: exit 1 and /$re/ (5 of 5 tries)"
	else not_ok "$desc: exit 1 and /$re/ (expected 5 of 5 tries, $bad failed; last: $got)"; fi
}
diag "bad requests"
bad_request "capture with a bad BPF filter" 'filter' web 'tcp port'
bad_request "capture of an unknown interface" "nosuch" nosuch
bad_request "capture --stage nat:nosuch (no such NAT gateway)" "nosuch" --stage nat:nosuch
bad_request "capture --stage bogus" "bogus" --stage bogus

diag "the documented forms with a FILTER and no NAME"
# cap_form DESC CHECK-EXPR TRAFFIC-CMD -- CAPTURE-ARGS...
cap_form() {
	local desc=$1 expr=$2 traffic=$3 f="$T/form.$RANDOM.pcapng" pid rc; shift 4
	"$VPCLAB" capture "$@" --lab "$LAB" --seconds 3 -w "$f" >/dev/null 2>"$f.err" &
	pid=$!
	wait_for "the capture $* to attach (its pcapng header)" 5 \
		eval '[ "$(stat -c %s "$f" 2>/dev/null || echo 0)" -ge 48 ] || ! kill -0 $pid 2>/dev/null'
	eval "$traffic" >/dev/null 2>&1
	wait "$pid"; rc=$?
	check "capture $*: exit 0 and $desc" "0 True" "$rc $(pq "$f" "$expr")"
	[ "$rc" -ne 0 ] && diag "it said: $(head -c 200 "$f.err")"
	recover "capture $*"
}
cap_form "igw before/after packets of port 443 only" 'len(P) >= 2 and all(443 in (p["sport"], p["dport"]) for p in P)' \
	'on app curl -s -o /dev/null -m 2 http://198.51.100.10:443/' -- --stage igw:main 'tcp port 443'
cap_form "igw before/after packets of port 443 only" 'len(P) >= 2 and all(443 in (p["sport"], p["dport"]) for p in P)' \
	'on app curl -s -o /dev/null -m 2 http://198.51.100.10:443/' -- --stage igw 'tcp port 443'
cap_form "the drop of app -> web:23, nothing else" 'len(P) >= 1 and all(p["dport"] == 23 for p in P)' \
	'on app timeout 3 nc -n -z -w 1 10.1.0.10 23' -- --drops 'tcp port 23'

diag "ten captures that end without one matching packet, then one more"
first_err=""
for i in $(seq 1 10); do
	"$VPCLAB" capture web --lab "$LAB" --seconds 1 -w "$T/idle$i.pcapng" 'udp port 9' >/dev/null 2>"$T/idle.err"
	rc=$?
	[ -z "$first_err" ] && [ "$rc" -ne 0 ] && first_err="idle capture $i: exit $rc: $(head -c 150 "$T/idle.err")"
done
[ -n "$first_err" ] && diag "$first_err"
cap_start "$T/after.pcapng" web --seconds 3 icmp
on app ping -n -c 2 -i 0.2 -W 1 10.1.0.10 >/dev/null 2>&1
cap_wait
check "a capture still starts after ten ended captures (the router frees a reader that went away)" True \
	"$(pq "$T/after.pcapng" 'len(P) >= 2')"
[ -s "$T/after.pcapng.err" ] && diag "the refused capture said: $(head -c 200 "$T/after.pcapng.err")"
recover "ten idle captures and one more"

diag "20 capture requests for an unknown interface"
for i in $(seq 1 20); do
	"$VPCLAB" capture nosuch --lab "$LAB" --seconds 1 -w "$T/bad.pcapng" >/dev/null 2>&1
done
recover "20 capture requests for an unknown interface"
check "the router never died of a bad or ended capture request (times the lab had to be brought up again)" 0 "$DEATHS"
ping_ok app web
