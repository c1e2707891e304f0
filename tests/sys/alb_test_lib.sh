# tests/sys/alb_test_lib.sh — sourced by the t_alb_*.sh tests after lib.sh: the targets' HTTP
# server ($ALBSRV NAME ...), readers of `vpclab lb --json`, and curl helpers run from a namespace.
# The server logs one JSON line per request event, so a test sees what each target received
# (peer address, headers) and when, rather than guessing it from the answers.

# The targets' server. Usage: albsrv.py NAME LOG [--http PORT]... [--silent PORT]...
#    [--garbage PORT]... [--sick FILE]
#  --http PORT: HTTP/1.1 with keep-alive (ThreadingHTTPServer); any method; answers 200 with
#     body "NAME\n" and `X-Served-By: NAME`; /slow?s=N waits N seconds first; /echo answers a
#     JSON object {"name", "peer", "method", "path", "headers": [[k, v], ...], "body"};
#     /health answers 503 while FILE (--sick) exists, else 200.
#  --silent PORT: accepts connections, reads what comes and never answers (the 504 case).
#  --garbage PORT: answers whatever comes with a line that is not HTTP, and closes (a 502).
#  Log lines: {"ev": "start"|"end", "name", "port", "peer", "method", "path", "headers": {...}}.
cat >"$T/albsrv.py" <<'EOF'
import http.server, json, os, socket, socketserver, sys, threading, time, urllib.parse
name, logf = sys.argv[1], sys.argv[2]
args = sys.argv[3:]
lock = threading.Lock()
sick = None
https, silents, garbages = [], [], []
while args:
    k, v = args[0], args[1]; args = args[2:]
    if k == "--http": https.append(int(v))
    elif k == "--silent": silents.append(int(v))
    elif k == "--garbage": garbages.append(int(v))
    elif k == "--sick": sick = v
def log(ev, port, h, body=None):
    d = {"ev": ev, "name": name, "port": port, "peer": h.client_address[0], "method": h.command,
         "path": h.path, "headers": {k.lower(): v for k, v in h.headers.items()}}
    with lock, open(logf, "a") as f:
        f.write(json.dumps(d) + "\n")
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a):
        pass
    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (ConnectionError, OSError):
            self.close_connection = True
    def any(self):
        port = self.server.server_address[1]
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        log("start", port, self)
        u = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(u.query)
        status, out, ctype = 200, (name + "\n").encode(), "text/plain"
        if u.path == "/slow":
            time.sleep(float(q.get("s", ["1"])[0]))
        elif u.path == "/health" and sick and os.path.exists(sick):
            status, out = 503, b"sick\n"
        elif u.path == "/echo":
            ctype = "application/json"
            out = json.dumps({"name": name, "peer": self.client_address[0], "method": self.command,
                              "path": self.path, "headers": [[k, v] for k, v in self.headers.items()],
                              "body": body.decode("latin-1")}).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(out)))
        self.send_header("X-Served-By", name)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(out)
        log("end", port, self)
    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = any
class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
def silent(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port)); s.listen(64)
    held = []
    while True:
        c, _ = s.accept()
        held.append(c)                      # kept open, never answered
        threading.Thread(target=lambda c=c: [c.recv(65536) for _ in range(1000)], daemon=True).start()
def garbage(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port)); s.listen(64)
    while True:
        c, _ = s.accept()
        try:
            c.settimeout(2)
            c.recv(65536)
            c.sendall(b"THIS IS NOT HTTP\r\n\r\n")
        except OSError:
            pass
        c.close()
for p in silents:
    threading.Thread(target=silent, args=(p,), daemon=True).start()
for p in garbages:
    threading.Thread(target=garbage, args=(p,), daemon=True).start()
servers = [S(("0.0.0.0", p), H) for p in https]
for s in servers[1:]:
    threading.Thread(target=s.serve_forever, daemon=True).start()
print("listening", name, https, silents, flush=True)
if servers:
    servers[0].serve_forever()
else:
    threading.Event().wait()
EOF
ALBSRV="$PY -u $T/albsrv.py"

# srv_log NAME: the log file of target NAME's server (written where `run:` puts it)
srv_log() { echo "$T/srv-$1.log"; }
# srv_count NAME REGEX [EV]: how many events EV (start) of NAME's server have a path matching REGEX
srv_count() {
	"$PY" - "$(srv_log "$1")" "$2" "${3:-start}" <<'EOF' 2>/dev/null || echo 0
import json, re, sys
n = 0
try:
    for line in open(sys.argv[1]):
        try: d = json.loads(line)
        except ValueError: continue
        if d["ev"] == sys.argv[3] and re.search(sys.argv[2], d["path"]): n += 1
except FileNotFoundError:
    pass
print(n)
EOF
}
# srv_peers NAME REGEX: the distinct peer addresses of NAME's requests whose path matches REGEX
srv_peers() {
	"$PY" - "$(srv_log "$1")" "$2" <<'EOF' 2>/dev/null
import json, re, sys
seen = set()
try:
    for line in open(sys.argv[1]):
        try: d = json.loads(line)
        except ValueError: continue
        if d["ev"] == "start" and re.search(sys.argv[2], d["path"]): seen.add(d["peer"])
except FileNotFoundError:
    pass
print(" ".join(sorted(seen)))
EOF
}

# lbj LBNAME EXPR: EXPR (Python) over load balancer LBNAME of `vpclab lb LAB LBNAME --json`
# (lb); g(name) is a target group, t(group, instance) a target ({"state": "absent"} when not
# registered), node(subnet) a node, c(name) a counter of the load balancer.
lbj() {
	timeout 10 "$VPCLAB" lb "$LAB" "$1" --json 2>/dev/null | "$PY" -c '
import json, sys
try:
    lb = json.load(sys.stdin)["load_balancers"][0]
except Exception:
    print("no-answer"); sys.exit(0)
def g(name):
    return [x for x in lb["target_groups"] if x["name"] == name][0]
def t(group, inst):
    m = [x for x in g(group)["targets"] if x["instance"] == inst]
    return m[0] if m else {"state": "absent", "reason": None}
def node(subnet):
    return [n for n in lb["nodes"] if n["subnet"] == subnet][0]
def c(name):
    return lb["counters"].get(name, "missing:" + name)
def per_target(group):
    x = g(group)
    v = x.get("RequestCountPerTarget", x.get("counters", {}).get("RequestCountPerTarget"))
    return "missing:RequestCountPerTarget" if v is None else v
try:
    v = eval(sys.argv[1])
except Exception as e:
    v = "error: %s" % e
print("null" if v is None else v)
' "$2"
}
# tstate LB GROUP INSTANCE / is_tstate LB GROUP INSTANCE STATE
tstate() { lbj "$1" "t('$2', '$3')['state']"; }
is_tstate() { [ "$(tstate "$1" "$2" "$3")" = "$4" ]; }
# counter_of LB NAME: a counter, a number (or missing:NAME)
counter_of() { lbj "$1" "c('$2')"; }
# counter_reaches LB NAME N: the counter is at least N
counter_reaches() { local v; v=$(counter_of "$1" "$2"); [[ "$v" =~ ^[0-9]+$ ]] && [ "$v" -ge "$3" ]; }
# check_delta DESC LB NAME BEFORE WANT: the counter grows by exactly WANT from BEFORE (waited for:
# the proxies count as they answer)
check_delta() {
	local desc=$1 lb=$2 name=$3 before=$4 want=$5 now
	if ! [[ "$before" =~ ^[0-9]+$ ]]; then not_ok "$desc ($name before: '$before')"; return; fi
	poll_until 5 counter_reaches "$lb" "$name" $((before + want))
	now=$(counter_of "$lb" "$name")
	check "$desc ($name $before -> +$want)" "$((before + want))" "$now"
}

# hget FROM URL [curl args...]: the body (one request, a fresh connection, 5 s at most)
hget() { local from=$1 url=$2; shift 2; on "$from" curl -s -m 5 "$@" "$url" 2>/dev/null; }
# hcode FROM URL [curl args...]: the status code (000 when no answer)
hcode() { local from=$1 url=$2; shift 2; on "$from" curl -s -m 5 -o /dev/null -w '%{http_code}' "$@" "$url" 2>/dev/null; }
# hhead FROM URL [curl args...]: status line and headers of the answer (CRs removed)
hhead() { local from=$1 url=$2; shift 2; on "$from" curl -s -m 5 -o /dev/null -D - "$@" "$url" 2>/dev/null | tr -d '\r'; }
# names FROM URL N [curl args...]: N requests on fresh connections, the answering names (one line
# each; "code:NNN" for an answer that is not a target's name)
names() {
	local from=$1 url=$2 n=$3 i out; shift 3
	for i in $(seq 1 "$n"); do
		out=$(on "$from" curl -s -m 5 -w '\n%{http_code}' "$@" "$url" 2>/dev/null)
		if [ "$(tail -n 1 <<<"$out")" = 200 ]; then head -n 1 <<<"$out"
		else echo "code:$(tail -n 1 <<<"$out")"; fi
	done
}
# count_of WORD TEXT: lines of TEXT equal to WORD
count_of() { grep -cx -- "$1" <<<"$2"; }
# alternates TEXT: no two consecutive lines of TEXT are equal (round robin over two targets)
alternates() { [ -z "$(uniq -d <<<"$1")" ]; }
# echo_get JSON EXPR: EXPR (Python) over the answer of a target's /echo (d), with h(NAME) the
# value of the request header NAME as the target got it (case-insensitive; "absent" when none;
# repeated headers joined with ", ")
echo_get() {
	"$PY" -c '
import json, sys
try:
    d = json.loads(sys.argv[1])
except Exception:
    print("no-echo: " + sys.argv[1][:200]); sys.exit(0)
def h(name):
    v = [x[1] for x in d["headers"] if x[0].lower() == name.lower()]
    return ", ".join(v) if v else "absent"
try:
    print(eval(sys.argv[2]))
except Exception as e:
    print("error: %s" % e)
' "$1" "$2"
}

# The lab the rule tests share (t_alb_rules.sh, t_alb_conds.sh): alb_vpc writes the VPC up to
# its `instances:` (two public subnets in zones a and b, priv-a for the targets, alb-sg open on
# 80, web admitting 80 from alb-sg only); alb_inst NAME IP a target in priv-a running the test
# server; alb_tg NAME TARGETS [MORE] an http group on 80 with fast health checks (MORE: more
# keys, ", algorithm: ...").
alb_vpc() {
	cat <<'EOF'
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    internet_gateway: true
    subnets:
      - { name: pub-a, cidr: 10.0.1.0/24, az: a, route_table: public }
      - { name: pub-b, cidr: 10.0.2.0/24, az: b, route_table: public }
      - { name: priv-a, cidr: 10.0.11.0/24, az: a }
    route_tables:
      - { name: public, routes: [ { destination: 0.0.0.0/0, target: igw } ] }
    security_groups:
      - { name: alb-sg, inbound: [ { protocol: tcp, ports: 80, cidr: 0.0.0.0/0 } ] }
      - { name: web, inbound: [ { protocol: tcp, ports: 80, group: alb-sg } ] }
    instances:
EOF
}
alb_inst() { echo "      - { name: $1, subnet: priv-a, ip: $2, security_groups: [web], run: \"exec $ALBSRV $1 $T/srv-$1.log --http 80\" }"; }
alb_tg() { echo "      - { name: $1, protocol: http, port: 80, targets: [$2], health_check: { interval: 5, timeout: 2, healthy: 2, unhealthy: 2 }${3:-} }"; }
