# tests/sys/edge_lib.sh — helpers for the internet-edge tests (t_edge_*.sh), sourced after lib.sh:
#   TID=xxx; . "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/edge_lib.sh"
# lib.sh gives the lab, cleanup and reachability helpers; this file adds what the edge needs:
# the source address a far end observes (TCP, UDP, ICMP), NAT gateway counters from
# `vpclab nat --json`, a many-connections client/server pair, and a runner for a lab file's
# `checks:` entries. Everything it starts runs inside the test's namespaces and is remembered in
# BG_PIDS, so lib.sh's cleanup ends it. It writes only under $T.

EDGE_PY="$T/edge.py"
cat >"$EDGE_PY" <<'PYEOF'
# edge.py MODE ARGS...: small traffic tools, one process per call, run inside a namespace.
import os, select, socket, struct, sys, threading, time

def out(*a):
    print(*a, flush=True)

def listener(port, backlog=1024):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(backlog)
    return s

def tcp_seen(port, timeout):
    # accept one connection, print the peer's address, answer "seen ADDR"
    s = listener(port)
    s.settimeout(timeout)
    try:
        c, a = s.accept()
    except socket.timeout:
        out("timeout"); return 1
    out(a[0])
    try:
        c.sendall(("seen %s\n" % a[0]).encode())
        c.shutdown(socket.SHUT_WR)
        c.settimeout(1)
        c.recv(100)
    except OSError:
        pass
    c.close()
    return 0

def udp_seen(port, timeout):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    s.settimeout(timeout)
    try:
        data, a = s.recvfrom(2048)
    except socket.timeout:
        out("timeout"); return 1
    out(a[0])
    s.sendto(("seen %s\n" % a[0]).encode(), a)
    return 0

def icmp_seen(timeout):
    # a raw ICMP socket sees a copy of every ICMP packet: print the source of the first echo request
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    end = time.time() + timeout
    while time.time() < end:
        r, _, _ = select.select([s], [], [], max(0.0, end - time.time()))
        if not r:
            break
        pkt, a = s.recvfrom(65535)
        ihl = (pkt[0] & 15) * 4
        if len(pkt) > ihl and pkt[ihl] == 8:
            out(a[0]); return 0
    out("timeout"); return 1

def tcp_client(ip, port, timeout):
    # connect, print what the server said (the first line), or the error
    try:
        c = socket.create_connection((ip, port), timeout=timeout)
        f = c.makefile("r")
        line = f.readline().strip()
        out(line if line else "empty")
        c.close()
        return 0
    except OSError as e:
        out("error %s" % (e.__class__.__name__,)); return 1

def udp_client(ip, port, timeout):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.connect((ip, port))
        for _ in range(3):              # the first datagram may wait for ARP on the far side
            s.send(b"probe\n")
            try:
                out(s.recv(2048).decode().strip()); return 0
            except socket.timeout:
                continue
        out("timeout"); return 1
    except OSError as e:
        out("error %s" % (e.__class__.__name__,)); return 1

def name_server(port, name):
    # every connection: first line NAME, then echo every line prefixed with NAME; each received
    # line is logged as "got LINE" (so a test sees what arrived, and when)
    s = listener(port)
    def serve(c):
        try:
            c.sendall((name + "\n").encode())
            f = c.makefile("rb")
            for line in f:
                out("got %s %.3f" % (line.decode().strip(), time.time()))
                c.sendall((name + " " + line.decode()).encode())
        except OSError:
            pass
        c.close()
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()

def poll(ip, port, secs, interval):
    # connect every INTERVAL s for SECS s; log "TIME NAME" or "TIME -" per attempt
    end = time.time() + secs
    while time.time() < end:
        t = time.time()
        try:
            c = socket.create_connection((ip, port), timeout=0.5)
            c.settimeout(0.5)
            name = c.makefile("r").readline().strip() or "-"
            c.close()
        except OSError:
            name = "-"
        out("%.3f %s" % (t, name))
        time.sleep(max(0.0, interval - (time.time() - t)))
    return 0

def longconn(ip, port, secs, interval):
    # one connection held open; a line every INTERVAL s; log "TIME ok REPLY" / "TIME fail WHY"
    try:
        c = socket.create_connection((ip, port), timeout=2)
    except OSError as e:
        out("%.3f fail connect %s" % (time.time(), e.__class__.__name__)); return 1
    c.settimeout(interval * 2 + 0.3)
    f = c.makefile("rb")
    out("%.3f hello %s" % (time.time(), f.readline().decode().strip()))
    end = time.time() + secs
    n = 0
    while time.time() < end:
        n += 1
        t = time.time()
        try:
            c.sendall(b"line-%d\n" % n)
            r = f.readline().decode().strip()
            if not r:
                out("%.3f fail eof" % t); return 0
            out("%.3f ok %s" % (t, r))
        except OSError as e:
            out("%.3f fail %s" % (t, e.__class__.__name__)); return 0
        time.sleep(max(0.0, interval - (time.time() - t)))
    return 0

def hold_server(port, secs):
    # accept everything, echo every line, keep every socket open; log "peer IP PORT" per accept
    s = listener(port)
    s.setblocking(False)
    socks = [s]
    end = time.time() + secs
    while time.time() < end:
        r, _, _ = select.select(socks, [], [], 0.5)
        for x in r:
            if x is s:
                try:
                    c, a = s.accept()
                except OSError:
                    continue
                out("peer %s %d" % a)
                socks.append(c)
            else:
                try:
                    d = x.recv(4096)
                except OSError:
                    d = b""
                if d:
                    x.sendall(d)
                else:
                    socks.remove(x); x.close()
    return 0

def many(ip, port, n, hold):
    # open N connections at once (non-blocking connects), send one line on each, wait for every
    # echo, print "connected=C echoed=E", keep them all open HOLD s, print "closed"
    socks = []
    for i in range(n):
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.setblocking(False)
        c.connect_ex((ip, port))
        socks.append(c)
    pending = set(socks)
    connected = set()
    end = time.time() + 15
    while pending and time.time() < end:
        _, w, _ = select.select([], list(pending), [], 0.5)
        for c in w:
            pending.discard(c)
            if c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                connected.add(c)
    for i, c in enumerate(socks):
        if c in connected:
            try:
                c.send(b"hello %d\n" % i)
            except OSError:
                connected.discard(c)
    want = {c: b"hello %d\n" % i for i, c in enumerate(socks) if c in connected}
    got = {c: b"" for c in want}
    echoed = 0
    end = time.time() + 15
    while echoed < len(want) and time.time() < end:
        live = [c for c in want if len(got[c]) < len(want[c])]
        r, _, _ = select.select(live, [], [], 0.5)
        for c in r:
            try:
                d = c.recv(100)
            except OSError:
                d = b""
            if not d:
                want[c] = got[c] + b"\x00"  # dead: never completes
                continue
            got[c] += d
            if got[c] == want[c]:
                echoed += 1
    out("connected=%d echoed=%d" % (len(connected), echoed))
    time.sleep(hold)
    for c in socks:
        c.close()
    out("closed")
    return 0

def rate(ip, port, secs):
    # new TCP connections per second: connect, wait for the server's close, close; for SECS s
    n = err = 0
    t0 = time.time()
    end = t0 + secs
    while time.time() < end:
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.settimeout(2)
        try:
            c.connect((ip, port))
            c.recv(1)
            n += 1
        except OSError:
            err += 1
        c.close()
    out("%.0f %d %d" % (n / (time.time() - t0), n, err))
    return 0

def close_server(port, secs):
    # accept and close at once (the server closes first: TIME_WAIT stays on the server side)
    s = listener(port, 4096)
    s.settimeout(0.5)
    end = time.time() + secs
    while time.time() < end:
        try:
            c, _ = s.accept()
        except socket.timeout:
            continue
        c.close()
    return 0

def udp_echo(port, secs):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    s.settimeout(0.5)
    peers = set()
    end = time.time() + secs
    while time.time() < end:
        try:
            d, a = s.recvfrom(2048)
        except socket.timeout:
            continue
        if a not in peers:
            peers.add(a); out("peer %s %d" % a)
        s.sendto(d, a)
    return 0

def sink(port, timeout):
    # accept one connection, count bytes until EOF, print the count
    s = listener(port)
    s.settimeout(timeout)
    try:
        c, _ = s.accept()
    except socket.timeout:
        out("0"); return 1
    c.settimeout(timeout)
    total = 0
    try:
        while True:
            d = c.recv(1 << 16)
            if not d:
                break
            total += len(d)
    except OSError:
        pass
    out(str(total))
    return 0

def upload(ip, port, nbytes, timeout):
    # send NBYTES, print "sent N SECONDS" (or how far it got)
    t0 = time.time()
    buf = b"x" * (1 << 16)
    sent = 0
    try:
        c = socket.create_connection((ip, port), timeout=timeout)
        c.settimeout(timeout)
        while sent < nbytes:
            sent += c.send(buf[: min(len(buf), nbytes - sent)])
        c.shutdown(socket.SHUT_WR)
        c.recv(1)
        c.close()
        out("sent %d %.2f" % (sent, time.time() - t0)); return 0
    except OSError as e:
        out("stalled %d %s" % (sent, e.__class__.__name__)); return 1

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF

def stray_ack(src, dst, dport, sport, timeout):
    # send one TCP ACK that belongs to no connection, print the flags of what comes back to SPORT
    # ("rst", "other FLAGS", or "none")
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    hdr = struct.pack("!HHIIBBHHH", sport, dport, 123456, 654321, 5 << 4, 0x10, 65535, 0, 0)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(hdr))
    hdr = hdr[:16] + struct.pack("!H", csum(pseudo + hdr)) + hdr[18:]
    s.sendto(hdr, (dst, 0))
    end = time.time() + timeout
    while time.time() < end:
        r, _, _ = select.select([s], [], [], max(0.0, end - time.time()))
        if not r:
            break
        pkt, a = s.recvfrom(65535)
        ihl = (pkt[0] & 15) * 4
        tsport, tdport = struct.unpack("!HH", pkt[ihl:ihl + 4])
        if tdport != sport or tsport != dport:
            continue
        flags = pkt[ihl + 13]
        out("rst" if flags & 4 else "other %#x" % flags); return 0
    out("none"); return 0

def udp_probe(ip, port, ttl, timeout):
    # one UDP datagram with TTL; the ICMP error it caused (IP_RECVERR): "TYPE CODE OFFENDER",
    # "answer" when the far end answered, "none" when nothing came back
    IP_RECVERR, MSG_ERRQUEUE = 11, 0x2000
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_IP, IP_RECVERR, 1)
    s.setsockopt(socket.SOL_IP, socket.IP_TTL, ttl)
    s.connect((ip, port))
    s.send(b"probe")
    p = select.poll()
    p.register(s, select.POLLIN | select.POLLERR)
    if not p.poll(timeout * 1000):
        out("none"); return 0
    try:
        _, anc, _, _ = s.recvmsg(512, 512, MSG_ERRQUEUE)
    except BlockingIOError:
        out("answer"); return 0
    except OSError:
        out("answer"); return 0
    for lvl, typ, data in anc:
        if lvl == socket.SOL_IP and typ == IP_RECVERR:
            errno_, origin, etype, ecode = struct.unpack("IBBB", data[:7])
            off = socket.inet_ntoa(data[16 + 4:16 + 8])
            out("%d %d %s" % (etype, ecode, off)); return 0
    out("unparsed"); return 0

def from_port(ip, port, sport, timeout):
    # TCP connect from a fixed source port; print "connected" or the error
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    c.settimeout(timeout)
    try:
        c.bind(("0.0.0.0", sport))
        c.connect((ip, port))
        out("connected"); return 0
    except OSError as e:
        out("error %s" % (e.__class__.__name__,)); return 1

m, a = sys.argv[1], sys.argv[2:]
F = {
    "tcp-seen": lambda: tcp_seen(int(a[0]), float(a[1])),
    "udp-seen": lambda: udp_seen(int(a[0]), float(a[1])),
    "icmp-seen": lambda: icmp_seen(float(a[0])),
    "tcp-client": lambda: tcp_client(a[0], int(a[1]), float(a[2])),
    "udp-client": lambda: udp_client(a[0], int(a[1]), float(a[2])),
    "name-server": lambda: name_server(int(a[0]), a[1]),
    "poll": lambda: poll(a[0], int(a[1]), float(a[2]), float(a[3])),
    "longconn": lambda: longconn(a[0], int(a[1]), float(a[2]), float(a[3])),
    "hold-server": lambda: hold_server(int(a[0]), float(a[1])),
    "many": lambda: many(a[0], int(a[1]), int(a[2]), float(a[3])),
    "rate": lambda: rate(a[0], int(a[1]), float(a[2])),
    "close-server": lambda: close_server(int(a[0]), float(a[1])),
    "udp-echo": lambda: udp_echo(int(a[0]), float(a[1])),
    "sink": lambda: sink(int(a[0]), float(a[1])),
    "upload": lambda: upload(a[0], int(a[1]), int(a[2]), float(a[3])),
    "stray-ack": lambda: stray_ack(a[0], a[1], int(a[2]), int(a[3]), float(a[4])),
    "udp-probe": lambda: udp_probe(a[0], int(a[1]), int(a[2]), float(a[3])),
    "from-port": lambda: from_port(a[0], int(a[1]), int(a[2]), float(a[3])),
}
sys.exit(F[m]())
PYEOF

# edge NAME MODE ARGS...: run edge.py in the namespace of NAME
edge() { local n=$1; shift; on "$n" "$PY" "$EDGE_PY" "$@"; }
# edge_bg OUTFILE NAME MODE ARGS...: the same in the background, output to OUTFILE
edge_bg() {
	local f=$1 n=$2 ns; shift 2; ns=$(ns_of "$n")
	ip netns exec "$ns" "$PY" "$EDGE_PY" "$@" >"$f" 2>&1 &
	BG_PIDS+=($!)
}

_eport=20000
# seen PROTO FROM HOST DST [PORT]: the source address HOST observes when FROM sends to DST
# (HOST's own address or one translated to it). PROTO tcp|udp|icmp. PORT: default a fresh one
# above 20000. Prints the address, or "none (client: ...)" when nothing arrived.
seen() {
	local proto=$1 from=$2 host=$3 dst=$4 port=${5:-} f pid got cl=""
	_eport=$((_eport + 1)); f="$T/seen.$_eport"; port=${port:-$_eport}
	case "$proto" in
	tcp) edge_bg "$f" "$host" tcp-seen "$port" 5; pid=$!
	     _wait_listen "$(ns_of "$host")" tcp "$port"
	     cl=$(edge "$from" tcp-client "$dst" "$port" 3) ;;
	udp) edge_bg "$f" "$host" udp-seen "$port" 5; pid=$!
	     _wait_listen "$(ns_of "$host")" udp "$port"
	     cl=$(edge "$from" udp-client "$dst" "$port" 1) ;;
	icmp) edge_bg "$f" "$host" icmp-seen 5; pid=$!
	     wait_for "the raw ICMP socket in $host" 2 raw_open "$(ns_of "$host")"
	     on "$from" ping -n -c 2 -i 0.3 -W 1 "$dst" >/dev/null 2>&1 && cl="reply" || cl="no reply" ;;
	esac
	wait "$pid" 2>/dev/null
	got=$(head -n 1 "$f" 2>/dev/null)
	if [ -z "$got" ] || [ "$got" = timeout ]; then echo "none (client: $cl)"; else echo "$got"; fi
	# the client must have got the answer too (the reply path through the translation)
	case "$proto:$cl" in
	tcp:seen*|udp:seen*|icmp:reply) ;;
	*) [ -n "$got" ] && [ "$got" != timeout ] && echo "reply-lost (client: $cl)" ;;
	esac
}
# check_seen DESC PROTO FROM HOST DST EXPECTED_ADDR [PORT]
check_seen() {
	local got; got=$(seen "$2" "$3" "$4" "$5" "${7:-}" | tr '\n' ' '); got=${got% }
	check "$1: $4 sees $2${7:+/$7} from $3 as $6" "$6" "$got"
}

# nat_get LAB NATGW KEY...: from `vpclab nat NATGW --lab LAB --json`. KEY is a counter name,
# private_ip, elastic_ip, or one of: translations (count), nat_ports (distinct NAT ports),
# tcp_established (count of TCP translations in state established)
nat_get() {
	local lab=$1 gw=$2; shift 2
	timeout 10 "$VPCLAB" nat "$gw" --lab "$lab" --json 2>/dev/null | "$PY" -c '
import json, sys
try:
    d = json.load(sys.stdin)
    g = [x for x in d["nat_gateways"] if x["name"] == sys.argv[1]][0]
except Exception:
    for _ in sys.argv[2:]: print("no-json")
    sys.exit(0)
tr = g.get("translations", [])
for k in sys.argv[2:]:
    if k == "translations": print(len(tr))
    elif k == "nat_ports": print(len({(t["protocol"], t["destination"], t["destination_port"], t["nat_port"]) for t in tr}))
    elif k == "tcp_established": print(sum(1 for t in tr if t["protocol"] == 6 and t["state"] == "established"))
    elif k in g: print(g[k])
    elif k in g.get("counters", {}): print(g["counters"][k])
    else: print("missing:" + k)
' "$gw" "$@"
}

# public_ip_of NAME: the public_ip of port NAME in $LAB's status
public_ip_of() { status_get "$LAB" "port.$1.public_ip"; }

# drops_sum REASON...: the sum of several drop counters of $LAB
drops_sum() {
	local r v s=0
	for r in "$@"; do v=$(drops "$r"); [[ "$v" =~ ^[0-9]+$ ]] && s=$((s + v)); done
	echo "$s"
}

# in_cidr IP CIDR: 0 when IP is inside CIDR
in_cidr() { "$PY" -c 'import ipaddress,sys; sys.exit(0 if ipaddress.ip_address(sys.argv[1]) in ipaddress.ip_network(sys.argv[2]) else 1)' "$1" "$2" 2>/dev/null; }

# run_checks FILE: every `checks:` entry of a lab file (one flow mapping per line) probed with real
# TCP: a listener on the destination, a line from the source; expect allow|deny; seen_as NAME
# (an elastic IP name) compares the source address the destination observed. `to` may be an
# instance, an internet host or an elastic IP (then the listener runs on the instance that holds it).
run_checks() {
	local file=$1 line from to proto port expect seen_as dst_ns dst_ip host got want
	while IFS= read -r line; do
		from=$(_ck_field "$line" from); to=$(_ck_field "$line" to); proto=$(_ck_field "$line" protocol)
		port=$(_ck_field "$line" port); expect=$(_ck_field "$line" expect); seen_as=$(_ck_field "$line" seen_as)
		if [ "$proto" != tcp ]; then diag "check $from -> $to $proto: only tcp checks are probed here"; continue; fi
		read -r host dst_ip <<<"$(_ck_resolve "$file" "$to")"
		if [ -z "$host" ] || [ -z "$dst_ip" ]; then not_ok "check $from -> $to:$port: cannot resolve '$to'"; continue; fi
		if [ "$host" = "*" ]; then
			got=$(tcp_reaches "$from" "$dst_ip" "$port" $(_ck_instances "$file"))
			if [ "$expect" = deny ]; then check "check $from -> $to ($dst_ip) tcp/$port denied: no instance got it" none "$got"
			else not_ok "check $from -> $to tcp/$port allow: nothing holds $to to listen on"; fi
		elif [ -n "$seen_as" ]; then
			want=$(_ck_eip_ip "$file" "$seen_as")
			got=$(seen tcp "$from" "$host" "$dst_ip" "$port" | tr '\n' ' '); got=${got% }
			if [ "$expect" = allow ]; then check "check $from -> $to tcp/$port allowed, seen as $seen_as ($want)" "$want" "$got"
			else check_match "check $from -> $to tcp/$port denied" '^none' "$got"; fi
		elif [ "$expect" = allow ]; then
			tcp_ok "$from" "$host@$dst_ip" "$port"
		else
			tcp_blocked "$from" "$host@$dst_ip" "$port"
		fi
	done < <(sed -n '/^checks:/,/^[a-z]/p' "$file" | grep -E '^[[:space:]]*- *\{.*from:')
}
_ck_field() { printf '%s\n' "$1" | sed -n "s/.*[{ ,]$2: *\([A-Za-z0-9._-]*\).*/\1/p"; }
# _ck_eip_ip FILE EIP: the address of elastic IP EIP (status shows the one that was drawn)
_ck_eip_ip() {
	local ip
	ip=$(grep -E "^[[:space:]]*- *\{ *name: *$2[ ,]" "$1" | sed -n 's/.*[{ ,]ip: *\([0-9.]*\).*/\1/p' | head -n 1)
	if [ -z "$ip" ]; then
		local inst; inst=$(grep -E "^[[:space:]]*- *\{ *name: *$2[ ,]" "$1" | sed -n 's/.*instance: *\([a-z0-9-]*\).*/\1/p' | head -n 1)
		[ -n "$inst" ] && ip=$(public_ip_of "$inst")
	fi
	echo "$ip"
}
# _ck_resolve FILE TO -> "LISTEN_NAME IP"; LISTEN_NAME is "*" for an elastic IP that no instance
# holds (a NAT gateway's): then every instance listens and none may get the line
_ck_resolve() {
	local file=$1 to=$2 inst ip
	if ip netns list | awk '{print $1}' | grep -qx "$LAB-$to"; then echo "$to $(ip_of "$to")"; return; fi
	ip=$(_ck_eip_ip "$file" "$to")
	inst=$(grep -E "^[[:space:]]*- *\{ *name: *$to[ ,]" "$file" | sed -n 's/.*instance: *\([a-z0-9-]*\).*/\1/p' | head -n 1)
	echo "${inst:-*} $ip"
}
# _ck_instances FILE: the names of every instance of a lab file
_ck_instances() { grep -E '^[[:space:]]*- *\{ *name: *[a-z0-9-]*, *subnet:' "$1" | grep -v 'elastic_ip:' | sed 's/.*name: *\([a-z0-9-]*\).*/\1/'; }
