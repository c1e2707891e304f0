#!/usr/bin/env bash
# How the committed pcaps of tests/replay were made (run once, as root; NOT run by the tests):
# brings up tests/golden/labs/obs.yaml under a throw-away name, runs `tcpdump -Q out -w` on eth0
# inside the namespace of each sender, sends real traffic (allowed and dropped at every kind of
# stage), and writes tests/replay/FROM.pcap. Then regenerate the expected outputs with
# `bash tests/replay/run.sh --update`, review the diff, commit.
#   sudo bash tests/replay/make_pcaps.sh [OUTDIR]      (default: tests/replay)
TID=mkpca; . "$(dirname "$0")/../sys/lib.sh"
OUT=${1:-$REPO/tests/replay}
sed "s/^name: .*/name: $LAB/" "$REPO/tests/golden/labs/obs.yaml" >"$T/lab.yaml"
lab_up "$T/lab.yaml"

# listeners (inside the namespaces; cleanup ends them)
on_bg web "$PY" -m http.server 80 --bind 0.0.0.0 >/dev/null 2>&1
on_bg ext "$PY" -m http.server 80 --bind 0.0.0.0 >/dev/null 2>&1
on_bg ext "$PY" -m http.server 443 --bind 0.0.0.0 >/dev/null 2>&1
on_bg app timeout 60 nc -l -n -k 5432 >/dev/null
on_bg app timeout 60 nc -u -l -n -k 5000 >/dev/null
on_bg web timeout 60 nc -u -l -n -k 5353 >/dev/null
sleep 1

udp_send() { # FROM IP PORT N SIZE: N datagrams of SIZE bytes from one socket
	on "$1" "$PY" -c 'import socket,sys,time
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
for i in range(int(sys.argv[3])):
    s.sendto(b"x"*int(sys.argv[4]),(sys.argv[1],int(sys.argv[2]))); time.sleep(0.05)' "$2" "$3" "$4" "$5"
}
# capture FROM: start tcpdump for FROM's outgoing frames; stop_capture ends it
capture() {
	ip -n "$LAB-$1" neigh flush dev eth0 2>/dev/null
	ip netns exec "$LAB-$1" tcpdump -i eth0 -Q out --immediate-mode -U -w "$OUT/$1.pcap" 2>/dev/null &
	CAP_PID=$!; BG_PIDS+=("$CAP_PID"); sleep 1
}
stop_capture() { sleep 1; kill "$CAP_PID"; wait "$CAP_PID" 2>/dev/null; ok "captured $(tcpdump -r "$OUT/$1.pcap" 2>/dev/null | wc -l) frames into $OUT/$1.pcap"; }

capture web
on web ping -n -c 1 -W 1 10.1.1.10 >/dev/null                       # forward -> app
echo hello | on web nc -n -N -w 1 10.1.1.10 5432                     # forward -> app (whole connection)
on web nc -n -z -w 1 10.1.1.10 22                                    # nacl_in (app-acl rule *)
on web nc -n -z -w 1 192.0.2.66 80                                   # blackhole
on web nc -n -z -w 1 198.51.100.99 80                                # inet_no_host
udp_send web 10.1.1.10 5000 3 100                                    # forward -> app
on web curl -s -o /dev/null -m 2 http://198.51.100.10/               # forward -> ext (web's EIP)
ip -n "$LAB-web" addr add 10.1.0.99/32 dev eth0
on web nc -n -z -w 1 -s 10.1.0.99 10.1.1.10 5432                     # srcdst_check (spoofed source)
ip -n "$LAB-web" addr del 10.1.0.99/32 dev eth0
stop_capture web

capture ext
on ext curl -s -o /dev/null -m 2 http://203.0.113.10/                # forward -> web (via the IGW)
on ext nc -n -z -w 1 203.0.113.10 8080                               # sg_ingress
on ext ping -n -c 1 -W 1 203.0.113.10 >/dev/null                     # nacl_in (no ICMP from outside)
on ext nc -n -z -w 1 203.0.113.20 80                                 # nat_no_mapping
on ext nc -n -z -w 1 203.0.113.99 80                                 # igw_no_mapping
on ext nc -n -z -w 1 10.1.1.10 5432                                  # inet_no_host
stop_capture ext

capture app
on app curl -s -o /dev/null -m 2 http://198.51.100.10:443/           # forward -> ext (NAT gateway)
on app nc -n -z -w 1 198.51.100.10 25                                # nacl_out (app-acl rule 90)
on app nc -n -z -w 1 198.51.100.200 80                               # srcdst_check at fw
udp_send app 10.1.0.10 5353 2 50                                     # forward -> web
udp_send app 10.1.0.10 5354 2 50                                     # nacl_in (pub-acl rule *)
stop_capture app

capture locked
on locked nc -n -z -w 1 10.1.0.10 22                                 # sg_egress
on locked curl -s -o /dev/null -m 2 http://198.51.100.10/            # forward -> ext
stop_capture locked

capture iso
on iso nc -n -z -w 1 198.51.100.10 80                                # no_route
on iso ping -n -c 1 -W 1 10.1.1.10 >/dev/null                        # forward -> app
stop_capture iso
