# tests/sys/sess_lib.sh — held sessions for the `vpclab apply` tests (t_apply_sessions*.sh),
# sourced after lib.sh. An echo server per namespace, and clients that keep one TCP or UDP session
# open and send a line on demand (a command FIFO each), so a test can ask "does this very session
# still work?" after each change. Everything runs in the test's namespaces, is remembered in
# BG_PIDS for lib.sh's cleanup, and writes only under $T.

SESS_PY="$T/sess.py"
cat >"$SESS_PY" <<'PYEOF'
# sess.py MODE ARGS...: one process per call, run inside a namespace.
#   server SPEC...                    echo lines (tcp:PORT) and datagrams (udp:PORT), forever
#   client PROTO IP PORT SPORT CTL    one session; commands on the FIFO CTL, results on stdout:
#                                     "send TOKEN SECS" -> "ok TOKEN" | "fail TOKEN"; "abort" -> RST
#   probe PROTO IP PORT SECS          a new session sends one line: prints ok | fail: WHY
#   stream IP PORT SPORT STOP MAX SECS  TCP round trips until the file STOP exists (at most MAX
#                                     of them, SECS seconds): prints the counts and both ends'
#                                     retransmissions (a lost segment is always retransmitted)
#                                     and the slowest round trip
import os, select, socket, struct, sys, threading, time

def out(*a):
    print(*a, flush=True)

def retrans(s):
    # tcp_info.tcpi_total_retrans (offset 100 of struct tcp_info)
    info = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    return struct.unpack_from("I", info, 100)[0]

def serve_tcp(port):
    ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", port)); ls.listen(64)
    def echo(c):
        f = c.makefile("rb")
        try:
            for line in f:
                if line.strip() == b"__retrans__":
                    c.sendall(b"retrans %d\n" % retrans(c))
                else:
                    c.sendall(line)
        except OSError:
            pass
        c.close()
    while True:
        c, _ = ls.accept()
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=echo, args=(c,), daemon=True).start()

def serve_udp(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", port))
    while True:
        d, a = s.recvfrom(2048)
        s.sendto(d, a)

class Session:
    def __init__(self, proto, ip, port, sport):
        self.udp = proto == "udp"
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if self.udp else socket.SOCK_STREAM)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.s.bind(("0.0.0.0", sport))
        self.s.settimeout(2)
        self.s.connect((ip, port))
        if not self.udp:
            self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def lines(self, until):
        # the lines (datagrams) that arrive before the time `until`; a late echo of an earlier
        # token is read and skipped by the caller
        while True:
            if self.udp and self.buf:
                d, self.buf = self.buf, b""
                yield d.strip()
            while not self.udp and b"\n" in self.buf:
                line, self.buf = self.buf.split(b"\n", 1)
                yield line
            left = until - time.monotonic()
            if left <= 0:
                return
            r, _, _ = select.select([self.s], [], [], left)
            if not r:
                return
            try:
                d = self.s.recv(65536)
            except OSError:
                continue  # an ICMP error on a UDP socket: keep waiting for the echo
            if not d and not self.udp:
                return  # closed by the peer
            self.buf += d

    def roundtrip(self, token, secs):
        try:
            self.s.sendall(token + b"\n")
        except OSError:
            return False
        for line in self.lines(time.monotonic() + secs):
            if line == token:
                return True
        return False

def client(proto, ip, port, sport, ctl):
    try:
        sess = Session(proto, ip, int(port), int(sport))
        # UDP has no handshake: the session exists once a first datagram came back
        if sess.udp and not sess.roundtrip(b"hello", 2):
            raise OSError("no echo")
    except OSError as e:
        out("connect-fail %s" % e); return
    out("connected")
    fd = os.open(ctl, os.O_RDWR)  # read-write: never an EOF when a writer closes
    cf = os.fdopen(fd, "rb", buffering=0)
    buf = b""
    while True:
        d = cf.read(4096)
        if not d:
            return
        buf += d
        while b"\n" in buf:
            cmd, buf = buf.split(b"\n", 1)
            w = cmd.split()
            if w and w[0] == b"send":
                out("%s %s" % ("ok" if sess.roundtrip(w[1], float(w[2])) else "fail", w[1].decode()))
            elif w and w[0] == b"abort":
                if not sess.udp:
                    sess.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sess.s.close()
                out("closed")
                return

def probe(proto, ip, port, secs):
    try:
        sess = Session(proto, ip, int(port), 0)
        sess.s.settimeout(float(secs))
        ok = sess.roundtrip(b"probe-%d" % os.getpid(), float(secs))
        out("ok" if ok else "fail: no echo")
    except OSError as e:
        out("fail: %s" % e)

def stream(ip, port, sport, stop, most, secs):
    sess = Session("tcp", ip, int(port), int(sport))
    out("connected")
    end = time.monotonic() + float(secs)
    sent = answered = 0
    slowest = 0.0
    while sent < int(most) and time.monotonic() < end and not os.path.exists(stop):
        sent += 1
        t0 = time.monotonic()
        if sess.roundtrip(b"r%d" % sent, 2):
            answered += 1
        slowest = max(slowest, time.monotonic() - t0)
        if sent % 100 == 0:
            out("progress %d" % sent)
        time.sleep(0.001)
    peer = "none"
    sess.s.sendall(b"__retrans__\n")
    for line in sess.lines(time.monotonic() + 2):
        if line.startswith(b"retrans "):
            peer = line.split()[1].decode()
            break
    out("done sent=%d answered=%d retrans=%d peer_retrans=%s slowest_ms=%d"
        % (sent, answered, retrans(sess.s), peer, slowest * 1000))

mode = sys.argv[1]
if mode == "server":
    for spec in sys.argv[2:]:
        proto, port = spec.split(":")
        threading.Thread(target=serve_tcp if proto == "tcp" else serve_udp, args=(int(port),),
                         daemon=True).start()
    threading.Event().wait()
elif mode == "client":
    client(*sys.argv[2:7])
elif mode == "probe":
    probe(*sys.argv[2:6])
elif mode == "stream":
    stream(*sys.argv[2:8])
PYEOF

# echo_server NAME SPEC...: the echo server in instance NAME; waits until every port listens
echo_server() {
	local name=$1 spec; shift
	on_bg "$name" "$PY" "$SESS_PY" server "$@" >"$T/server.$name.out" 2>&1
	for spec in "$@"; do _wait_listen "$(ns_of "$name")" "${spec%%:*}" "${spec#*:}"; done
}

declare -A SESS_FD SESS_N
# sess_open ID FROM PROTO IP PORT SPORT: a session from FROM, held by its own client process
# (one assertion: it connected and a first line came back)
sess_open() {
	local id=$1 from=$2 proto=$3 ip=$4 port=$5 sport=$6 fifo="$T/s.$1.ctl" fd
	mkfifo "$fifo"
	: >"$T/s.$id.out"
	on_bg "$from" "$PY" "$SESS_PY" client "$proto" "$ip" "$port" "$sport" "$fifo" >"$T/s.$id.out" 2>&1
	exec {fd}<>"$fifo"     # held open: a write never blocks, even after the client has gone
	SESS_FD[$id]=$fd
	SESS_N[$id]=0
	if ! wait_for "session $id to connect" 6 grep -qE '^(connected|connect-fail)' "$T/s.$id.out" ||
	   ! grep -q '^connected' "$T/s.$id.out"; then
		not_ok "session $id: $from -> $ip:$port/$proto from port $sport opens (got: $(tr '\n' '|' <"$T/s.$id.out"))"
		return 1
	fi
	sess_send "$id"
	check "session $id: $from -> $ip:$port/$proto from port $sport opens and echoes" ok "$SESS_RES"
}
# sess_send ID [SECS]: one line through the held session; SESS_RES is ok, or fail when its echo
# has not come back within SECS (default 2) seconds (a variable, not output: the token counter
# must not be lost in a subshell)
sess_send() {
	local id=$1 secs=${2:-2} tok
	SESS_N[$id]=$(( ${SESS_N[$id]} + 1 ))
	tok="$id-${SESS_N[$id]}"
	echo "send $tok $secs" >&"${SESS_FD[$id]}"
	if ! wait_for "session $id's answer for $tok" "$((${secs%.*} + 5))" \
		grep -qE "^(ok|fail) $tok\$" "$T/s.$id.out"; then
		SESS_RES=no-answer; return
	fi
	SESS_RES=$(grep -E "^(ok|fail) $tok\$" "$T/s.$id.out" | cut -d' ' -f1)
}
# sess_lives DESC ID [SECS] / sess_dies DESC ID: the session's next line comes back / does not
sess_lives() { sess_send "$2" "${3:-2}"; check "$1: session $2 lives" ok "$SESS_RES"; }
sess_dies() { sess_send "$2" 2; check "$1: session $2 is cut (no echo within 2 s)" fail "$SESS_RES"; }
# sess_abort ID: the client resets its connection and ends (a cut session retransmits otherwise,
# and its drops would be counted by the next assertions)
sess_abort() {
	echo abort >&"${SESS_FD[$1]}"
	wait_for "session $1 to close" 4 grep -q '^closed' "$T/s.$1.out"
}
# probe FROM PROTO IP PORT: a NEW session (a fresh source port) sends one line: ok or fail: WHY
probe() { on "$1" timeout 8 "$PY" "$SESS_PY" probe "$2" "$3" "$4" 2; }

# flows_q EXPR: EXPR evaluated over d = `vpclab flows --json`; F(itf, from, to) is that
# interface's flow ({} when there is none)
flows_q() {
	timeout 10 "$VPCLAB" flows --lab "$LAB" --json 2>/dev/null >"$T/flows.json"
	"$PY" -c '
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception as e:
    print("no-json: %s" % e); sys.exit(0)
def F(n, a, b):
    i = next((i["flows"] for i in d["interfaces"] if i["name"] == n), [])
    return next((f for f in i if f["from"] == a and f["to"] == b), {})
try:
    print(eval(sys.argv[2]))
except Exception as e:
    print("eval-error: %s" % e)
' "$T/flows.json" "$1"
}
# tracked ITF FROM TO: True, False, or None when the interface has no such flow
tracked() { flows_q "F('$1', '$2', '$3').get('tracked')"; }

# apply_json FILE [--dry-run]: `vpclab apply FILE --json`; the answer is kept in $T/apply.json
# (apply_get reads it); one assertion on the exit code
apply_json() {
	local f=$1 rc; shift
	timeout 30 "$VPCLAB" apply "$f" --json "$@" >"$T/apply.json" 2>"$T/apply.err"; rc=$?
	check_rc "vpclab apply $(basename "$f") $*" 0 "$rc" "$(head -c 400 "$T/apply.err" "$T/apply.json" | tr '\n' '|')"
}
# apply_get EXPR: EXPR over d = the last apply's JSON answer (a tuple: its items, space-separated)
apply_get() {
	"$PY" -c '
import json, sys
try:
    d = json.load(open(sys.argv[1]))
    v = eval(sys.argv[2])
    print(" ".join(map(str, v)) if isinstance(v, tuple) else v)
except Exception as e:
    print("error: %s" % e)
' "$T/apply.json" "$1"
}
