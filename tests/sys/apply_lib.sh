# tests/sys/apply_lib.sh: sourced after lib.sh by the t_apply_objects*.sh tests. Held TCP
# sessions that say at once whether they still live (an echo every 0.1 s), `vpclab apply` with one
# assertion, and snapshots of a running lab (interfaces, namespaces, kept copy) to show that
# something did not change.

# sess.py server PORT [MARK]: an echo server, each connection in a thread, until killed (MARK only
#   puts a unique word in the command line, for pgrep).
# sess.py client IP PORT SECS: connects, then sends a byte every 0.1 s and wants it back within
#   3 s; prints "up", "n N" every 5 echoes, and "dead REASON" (or "end") when it stops.
cat >"$T/sess.py" <<'PYEOF'
import socket, sys, threading, time
if sys.argv[1] == "server":
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", int(sys.argv[2]))); s.listen(16)
    print("listening", flush=True)
    def echo(c):
        try:
            while True:
                b = c.recv(4096)
                if not b:
                    break
                c.sendall(b)
        except OSError:
            pass
        c.close()
    while True:
        c, a = s.accept()
        print("from %s %d" % a, flush=True)
        threading.Thread(target=echo, args=(c,), daemon=True).start()
else:
    try:
        c = socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=3)
    except Exception as e:
        print("dead connect %s" % e, flush=True); sys.exit(1)
    print("up", flush=True)
    c.settimeout(3)
    n, end = 0, time.time() + float(sys.argv[4])
    try:
        while time.time() < end:
            c.sendall(b"x")
            if not c.recv(1):
                raise OSError("closed by the peer")
            n += 1
            if n % 5 == 0:
                print("n %d" % n, flush=True)
            time.sleep(0.1)
        print("end", flush=True)
    except Exception as e:
        print("dead %s %s" % (type(e).__name__, e), flush=True)
PYEOF

declare -A SESS_PID         # session ID -> its client's pid
# sess_start ID FROM IP PORT: a held session from instance FROM to IP:PORT (one assertion: it is up)
sess_start() {
	on_bg "$2" "$PY" -u "$T/sess.py" client "$3" "$4" 240 >"$T/sess.$1" 2>&1
	SESS_PID[$1]=${BG_PIDS[-1]}
	if wait_for "session $1 to connect" 5 grep -qs '^up$' "$T/sess.$1"; then
		ok "session $1 ($2 -> $3:$4) is up"
	else not_ok "session $1 ($2 -> $3:$4) is up (got: $(tr '\n' '|' <"$T/sess.$1"))"; fi
}
_sess_n() { awk '$1 == "n" { n = $2 } END { print n + 0 }' "$T/sess.$1"; }
_sess_grew() { ! grep -qs '^dead' "$T/sess.$1" && [ "$(_sess_n "$1")" -ge "$2" ]; }
# sess_alive ID DESC: the session still echoes (10 more echoes within 5 s, no failure)
sess_alive() {
	local n0; n0=$(_sess_n "$1")
	if poll_until 5 _sess_grew "$1" $((n0 + 10)); then ok "$2 (session $1 lives: $n0 -> $(_sess_n "$1") echoes)"
	else not_ok "$2 (session $1 should live; $n0 -> $(_sess_n "$1") echoes, $(grep -s '^dead' "$T/sess.$1" || echo 'no failure, stalled'))"; fi
}
# sess_dead ID DESC: the session's client saw its failure (within 8 s)
sess_dead() {
	if poll_until 8 grep -qs '^dead' "$T/sess.$1"; then ok "$2 (session $1: $(grep -s '^dead' "$T/sess.$1" | head -n 1))"
	else not_ok "$2 (session $1 still echoes: $(_sess_n "$1") echoes)"; fi
}

# apply_ok DESC FILE [OPTIONS]: `vpclab apply FILE`, exit 0; its output in $AOUT (stdout+stderr)
apply_ok() {
	local desc=$1 f=$2; shift 2
	AOUT=$(timeout 60 "$VPCLAB" apply "$f" "$@" 2>&1); ARC=$?
	check_rc "apply: $desc" 0 "$ARC" "$(printf '%s' "$AOUT" | head -c 600 | tr '\n' '|')"
}
# apply_json FILE: `vpclab apply FILE --json` (exit in $ARC), then json_q EXPR reads it (d = answer)
apply_json() {
	AJSON=$(timeout 60 "$VPCLAB" apply "$1" --json 2>&1); ARC=$?
}
json_q() {
	printf '%s' "$AJSON" | "$PY" -c '
import json, sys
try:
    d = json.load(sys.stdin)
except Exception as e:
    print("no-json: %s" % e); sys.exit(0)
def C(op, kind, name):
    return next((c for c in d.get("changes", []) if c["op"] == op and c["kind"] == kind and c["name"] == name), {})
try:
    print(eval(sys.argv[1]))
except Exception as e:
    print("eval-error: %s" % e)
' "$1"
}

# ports_view [LAB]: what `status --json` says of every interface, without the counters
ports_view() {
	timeout 10 "$VPCLAB" status "${1:-$LAB}" --json 2>/dev/null | "$PY" -c '
import json, sys
s = json.load(sys.stdin)
print("pid", s["pid"])
for p in sorted(s["ports"], key=lambda p: p["name"]):
    print(p["name"], p["kind"], p.get("vpc"), p.get("subnet"), p["ip"], p.get("public_ip"), p.get("mac"),
          p.get("eni"), ",".join(p.get("security_groups") or []))'
}
# port_line NAME: ports_view's line of NAME (empty when it is not listed)
port_line() { ports_view | awk -v n="$1" '$1 == n'; }
# netns_view: this test's namespaces, sorted
netns_view() { ip netns list 2>/dev/null | awk '{print $1}' | grep "^$PFX" | sort; }
has_netns() { [ -e "/run/netns/$1" ]; }
kept_sum() { sha256sum <"/run/vpclab/${1:-$LAB}/lab.yaml" 2>/dev/null | cut -c1-64; }
# world: everything a failed or dry apply must leave as it was
world() { ports_view; netns_view; echo "kept $(kept_sum)"; }
