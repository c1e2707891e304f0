#!/usr/bin/env bash
# Dumps do not hold the packet thread (control/router/ctl_dump.c): `vpclab flows --json` over
# about 100,000 tracked entries (50,000 UDP flows from sprayer to sink, each tracked at both
# ends) is streamed in slices between loop turns. While three such dumps run, an unrelated
# instance pings another every 10 ms (200 pings): none is lost. Each dump is complete (the flows
# of sprayer and sink are as many as their status "connections"), and the router's resident
# memory after the dumps stays within 8 MB of before. The pings' max RTT is reported, idle and
# during the dumps (not asserted: the machine is shared). `trace --live` sees those flows without
# copying the table (ct_pool_clone is a view) and changes nothing.
TID=dumpb; . "$(dirname "$0")/lib.sh"

N_FLOWS=${DUMP_FLOWS:-50000}
cat >"$T/lab.yaml" <<EOF2
name: $LAB
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    subnets:
      - { name: a, cidr: 10.0.1.0/24 }
    instances:
      - { name: sprayer, subnet: a, ip: 10.0.1.10 }
      - { name: sink, subnet: a, ip: 10.0.1.20 }
      - { name: pinger, subnet: a, ip: 10.0.1.30 }
      - { name: pingee, subnet: a, ip: 10.0.1.40 }
EOF2
export VPCLAB_CT_LIMIT=400000
lab_up "$T/lab.yaml"
unset VPCLAB_CT_LIMIT
PID=$(status_get "$LAB" pid)

# N_FLOWS flows: one datagram from each of N_FLOWS source ports to sink:9000 (bounded in count,
# paced so the tap queue keeps them all). The first goes alone so the ARP entry is there.
ping_ok sprayer sink
spray() { # FIRST COUNT
	on sprayer timeout 60 "$PY" -c '
import socket, sys, time
first, n = int(sys.argv[1]), int(sys.argv[2])
for i in range(first, first + n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", 10000 + i))
    s.sendto(b"x", ("10.0.1.20", 9000))
    s.close()
    if i % 500 == 499:
        time.sleep(0.002)
' "$1" "$2"
}
spray 0 "$N_FLOWS"
# wait until the router has taken every datagram: the sink's table stops growing
prev=-1
for i in $(seq 1 100); do
	cur=$(status_get "$LAB" port.sink.connections)
	[ "$cur" = "$prev" ] && [ "$cur" -ge $((N_FLOWS / 2)) ] 2>/dev/null && break
	prev=$cur
	sleep 0.2
done
{ read -r c_spr; read -r c_sink; } < <(status_get "$LAB" port.sprayer.connections port.sink.connections)
diag "tracked: sprayer $c_spr, sink $c_sink (of $N_FLOWS sent)"
if [ "$c_sink" -ge $((N_FLOWS * 9 / 10)) ] 2>/dev/null; then ok "the sink tracks the spray ($c_sink flows)"
else not_ok "the sink tracks the spray (expected >= $((N_FLOWS * 9 / 10)), got $c_sink)"; fi

rss() { awk '/^VmRSS:/ {print $2}' "/proc/$PID/status"; }
maxrtt() { sed -n 's|.*= [0-9.]*/[0-9.]*/\([0-9.]*\)/.*|\1|p' "$1"; }
lost() { sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p' "$1"; }

# idle: the unrelated pair's RTTs without a dump
on pinger ping -n -q -i 0.01 -c 200 -W 1 10.0.1.40 >"$T/ping0.out" 2>&1
diag "idle: 200 pings, max RTT $(maxrtt "$T/ping0.out") ms, loss $(lost "$T/ping0.out")%"

rss0=$(rss)
on_bg pinger ping -n -q -i 0.01 -c 200 -W 1 10.0.1.40 >"$T/ping1.out" 2>&1
PING_PID=$!
t0=$(_now_ms)
for k in 1 2 3; do
	timeout 30 "$VPCLAB" flows "$LAB" --json >"$T/flows$k.json" 2>"$T/flows$k.err"
	echo "$?" >"$T/flows$k.rc"
done
t1=$(_now_ms)
wait "$PING_PID"
diag "3 dumps of flows --json took $((t1 - t0)) ms; $(stat -c %s "$T/flows1.json") bytes each"
diag "during the dumps: 200 pings, max RTT $(maxrtt "$T/ping1.out") ms, loss $(lost "$T/ping1.out")%"
check "flows --json exits 0 each time" "0 0 0" "$(cat "$T/flows1.rc") $(cat "$T/flows2.rc") $(cat "$T/flows3.rc")"
check "no ping of the unrelated pair lost during the dumps" 0 "$(lost "$T/ping1.out")"

{ read -r c_spr2; read -r c_sink2; } < <(status_get "$LAB" port.sprayer.connections port.sink.connections)
counts=$("$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
n = {i["name"]: len(i["flows"]) for i in d["interfaces"]}
keys = {f["from"] + ">" + f["to"] for i in d["interfaces"] if i["name"] == "sink" for f in i["flows"]}
print(n.get("sprayer", -1), n.get("sink", -1), len(keys), "nat_gateways" in d)
' "$T/flows3.json" 2>&1)
check "the dump is complete: sprayer and sink list as many flows as status counts, each once" \
	"$c_spr2 $c_sink2 $c_sink2 True" "$counts"

# a live trace reads the router's table without copying it: a sprayed flow is tracked, a new
# one is not, and neither changes the lab
out=$(timeout 10 "$VPCLAB" trace --live --lab "$LAB" --from sprayer --to sink --udp 9000 --sport 10005 --return)
check "trace --live: a sprayed flow is a tracked connection at both ends, both ways" 4 "$(grep -c 'tracked connection' <<<"$out")"
out=$(timeout 10 "$VPCLAB" trace --live --lab "$LAB" --from sprayer --to sink --udp 9001 --sport 10005)
check "trace --live: a flow never sent is new at both ends" 2 "$(grep -c 'new connection' <<<"$out")"
check "the traces changed nothing" "$c_spr2 $c_sink2" "$(status_get "$LAB" port.sprayer.connections port.sink.connections | tr '\n' ' ' | sed 's/ $//')"

# memory: what the dumps used is given back
rss1=""
for i in $(seq 1 20); do rss1=$(rss); [ "$rss1" -le $((rss0 + 8192)) ] 2>/dev/null && break; sleep 0.1; done
diag "router VmRSS before the dumps ${rss0} kB, after ${rss1} kB"
if [ "$rss1" -le $((rss0 + 8192)) ] 2>/dev/null; then ok "the router's memory after the dumps is within 8 MB of before"
else not_ok "the router's memory after the dumps is within 8 MB of before ($rss0 kB -> $rss1 kB)"; fi

# the text form reads the same stream
n_text=$(timeout 30 "$VPCLAB" flows "$LAB" | sed -n 's/^sink: \([0-9]*\) tracked connections$/\1/p')
check "flows (text) counts the sink's flows" "$c_sink2" "$n_text"

# a client that stops reading does not stop the router: it is cut when others need the slots
for k in 1 2 3 4 5; do
	"$PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"flows\n")
s.recv(100); time.sleep(3)
' "/run/vpclab/$LAB/ctl" &
	BG_PIDS+=($!)
done
ping_ok pinger pingee
check "status answers while readers stall" "$c_sink2" "$(status_get "$LAB" port.sink.connections)"

