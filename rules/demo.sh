#!/usr/bin/env bash
# `make demo`: brings rules/demo.yaml up (taking an old demo down first; web and db start their
# own servers, the file's `run:` lines), starts a small server on the internet host, and shows,
# command by command, what the VPC allows and what it refuses and why. The lab stays up
# afterwards so you can try things yourself. Needs root.
set -u
cd "$(dirname "$0")/.." || exit 1
VPCLAB=${VPCLAB:-bin/vpclab}
LAB=demo
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3

if [ "$(id -u)" -ne 0 ]; then echo "demo: run as root (namespaces and taps)"; exit 3; fi
[ -x "$VPCLAB" ] || { echo "demo: $VPCLAB missing; run make"; exit 1; }

bold() { printf '\033[1m%s\033[0m\n' "$*"; }
say() { printf '\n%s\n' "$*"; }
run() { printf '  $ %s\n' "$*"; "$@"; }
drop() { "$VPCLAB" status "$LAB" --json 2>/dev/null | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["drops"].get(sys.argv[1], "?"))' "$1" 2>/dev/null; }

# expect allow|deny WHY -- CMD...: run CMD, print the verdict and whether it is the expected one
expect() {
	local want=$1 why=$2 got; shift 3
	printf '  $ %s\n' "$*"
	if timeout 5 "$@" >/dev/null 2>&1; then got=allow; else got=deny; fi
	if [ "$got" = "$want" ]; then
		printf '    -> %s  (%s)\n' "$([ "$got" = allow ] && echo ALLOWED || echo DENIED)" "$why"
	else
		printf '    -> %s, but the demo expected %s: %s\n' "$got" "$want" "$why"
		failed=$((failed + 1))
	fi
}
failed=0

bold "vpclab demo: rules/demo.yaml"
sed -n '3,6p' rules/demo.yaml

# An old demo: stop the servers this script started in it last time, then take it down (which
# stops what the instances' `run:` started).
for n in web db admin ext; do
	for p in $(ip netns pids "$LAB-$n" 2>/dev/null); do kill "$p" 2>/dev/null; done
done
"$VPCLAB" down "$LAB" >/dev/null 2>&1

say "Bring the lab up (validates the file, creates one namespace per instance, starts the router):"
run "$VPCLAB" up rules/demo.yaml || { echo "demo: vpclab up failed"; exit 1; }

say "The instances started their own servers (user data, the file's \`run:\` lines):"
# listening NAME PORT: a TCP server listens on PORT in NAME's namespace
listening() { ip netns exec "$LAB-$1" ss -ltnH "sport = :$2" 2>/dev/null | grep -q .; }
for s in web:80 db:5432; do
	for _ in $(seq 1 100); do listening "${s%:*}" "${s#*:}" && break; sleep 0.05; done
done
awk -F'"' '/- \{ name:/ { split($0, a, "name: "); split(a[2], b, ","); n = b[1] }
	/^ +run:/ { print "  " n ": " $2 }' rules/demo.yaml
echo "An internet host has no user data: ext gets its server by hand (for an hour)."
# ext answers HTTP with the address it saw the request come from.
printf '  $ %s exec %s ext -- python3 (an HTTP server that says who is asking) &\n' "$VPCLAB" "$LAB"
setsid ip netns exec "$LAB-ext" timeout 3600 "$PY" -c '
import http.server
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        b = ("you are %s\n" % self.client_address[0]).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(b))); self.end_headers()
        self.wfile.write(b)
    def log_message(self, *a): pass
http.server.HTTPServer(("0.0.0.0", 80), H).serve_forever()' </dev/null >/dev/null 2>&1 &
for _ in $(seq 1 100); do listening ext 80 && break; sleep 0.05; done

say "1. web -> db:5432: db's group admits tcp 5432 from members of group 'web'; the private ACL"
echo "   admits 5432 from the public subnet, and lets the reply out (rule 100 out)."
expect allow "SG db: tcp 5432 from group web; ACL private in 100, out 100" -- \
	"$VPCLAB" exec "$LAB" web -- nc -z -w 2 10.0.2.10 5432

say "2. admin -> db:5432: same subnet as web, same ACL path, but admin is not in group 'web'."
b=$(drop sg_ingress)
expect deny "SG db: admin is not a member of 'web'" -- \
	"$VPCLAB" exec "$LAB" admin -- nc -z -w 2 10.0.2.10 5432
echo "    drops.sg_ingress: $b -> $(drop sg_ingress)"

say "3. db -> web:22: the ACLs let TCP through, but web's group admits only 80 and ICMP (dropped"
echo "   on the way: no answer at all, not even the refusal a closed port would send)."
b=$(drop sg_ingress)
expect deny "SG web: no rule for tcp 22" -- \
	"$VPCLAB" exec "$LAB" db -- nc -z -w 2 10.0.1.10 22
echo "    drops.sg_ingress: $b -> $(drop sg_ingress)"

say "4. db -> web:80: allowed; the reply enters the private subnet on db's ephemeral port (ACL in 110)."
expect allow "SG web: tcp 80 from anywhere; ACL private out 100, in 110" -- \
	"$VPCLAB" exec "$LAB" db -- nc -z -w 2 10.0.1.10 80

say "5. admin -> web: ping and HTTP inside the public subnet (no ACL within a subnet)."
expect allow "SG web: icmp from 10.0.0.0/16" -- "$VPCLAB" exec "$LAB" admin -- ping -c 1 -W 1 10.0.1.10
expect allow "SG web: tcp 80 from anywhere" -- "$VPCLAB" exec "$LAB" admin -- nc -z -w 2 10.0.1.10 80

say "6. web -> db ping: db's group allows ICMP, but the private ACL has no ICMP rule (stateless, subnet edge)."
b=$(drop nacl_in)
expect deny "ACL private: no inbound ICMP rule, implicit deny" -- \
	"$VPCLAB" exec "$LAB" web -- ping -c 1 -W 1 10.0.2.10
echo "    drops.nacl_in: $b -> $(drop nacl_in)"

say "7. web -> 10.0.1.1: the VPC router forwards, but never answers ping (like AWS)."
expect deny "the VPC router does not answer ping" -- "$VPCLAB" exec "$LAB" web -- ping -c 1 -W 1 10.0.1.1

say "8. The internet -> web's elastic IP 203.0.113.80:80: the internet gateway maps it to 10.0.1.10,"
echo "   and web's server answers (its log shows the request from 198.51.100.10)."
expect allow "IGW 1:1 NAT; SG web: tcp 80 from anywhere" -- \
	"$VPCLAB" exec "$LAB" ext -- curl -s -f -o /dev/null -m 2 http://203.0.113.80/
printf '  $ %s logs %s web | tail -n 1\n    ' "$VPCLAB" "$LAB"
"$VPCLAB" logs "$LAB" web | tail -n 1

say "9. db -> the internet: out through the NAT gateway; the far end sees the NAT's elastic IP."
printf '  $ %s exec %s db -- curl -s http://198.51.100.10/\n' "$VPCLAB" "$LAB"
printf '    -> %s' "$("$VPCLAB" exec "$LAB" db -- curl -s -m 3 http://198.51.100.10/ || echo "no answer\n")"
say "10. web -> the internet: the far end sees web's elastic IP."
printf '  $ %s exec %s web -- curl -s http://198.51.100.10/\n' "$VPCLAB" "$LAB"
printf '    -> %s' "$("$VPCLAB" exec "$LAB" web -- curl -s -m 3 http://198.51.100.10/ || echo "no answer\n")"

say "11. The internet -> db: db has no public address, and a NAT gateway lets nothing in."
expect deny "no route from the internet to a private address" -- \
	"$VPCLAB" exec "$LAB" ext -- nc -z -w 2 10.0.2.10 5432

say "Why was step 2 denied? trace runs the router's own pipeline on one packet, offline:"
run "$VPCLAB" trace rules/demo.yaml --from admin --to db --tcp 5432

say "The lab as it runs now:"
run "$VPCLAB" status "$LAB"

say "It stays up. Try for yourself, e.g.:"
echo "  $VPCLAB exec $LAB web -- nc -zv 10.0.2.10 5432"
echo "  echo hello | $VPCLAB exec $LAB web -- nc -N 10.0.2.10 5432; $VPCLAB logs $LAB db"
echo "  $VPCLAB exec $LAB admin -- curl -s http://10.0.1.10/   # web's server (its run: line)"
echo "  ip netns exec $LAB-admin ping -c 1 10.0.1.10"
echo "  $VPCLAB status $LAB --json"
echo "  $VPCLAB nat --lab $LAB                       # the NAT gateway's translations and counters"
echo "  $VPCLAB capture --drops --lab $LAB -w drops.pcapng   # every dropped packet, with its reason"
echo "  $VPCLAB test rules/demo.yaml                 # its checks: (another lab name, or down first)"
echo "Take it down with:"
echo "  $VPCLAB down $LAB"
if [ "$failed" -ne 0 ]; then echo "demo: $failed step(s) did not behave as expected"; exit 1; fi
exit 0
