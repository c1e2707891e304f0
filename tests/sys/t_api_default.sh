#!/usr/bin/env bash
# The VPC's default security group and default network ACL changed through the lab's AWS API
# (the lab file leaves both out): authorize-security-group-ingress on `default` (by
# --group-name and by the id describe-security-groups gives) admits the next connection to an
# instance that names no group, the implicit rule between its members stays; a deny entry in
# the default ACL cuts a held connection and refuses new ones at once, deleting it lets them
# through; `vpclab export` writes the default group and ACL and the export is the running lab.
TID=apidf; . "$(dirname "$0")/lib.sh"
if [ ! -x /usr/bin/aws ]; then
	not_ok "needs Debian's awscli (make deps)"; exit 1
fi

cat >"$T/lab.yaml" <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.9.0.0/16
    subnets:
      - { name: s1, cidr: 10.9.0.0/24 }
      - { name: s2, cidr: 10.9.1.0/24 }
    security_groups:
      - name: admin
        inbound: []
    instances:
      - { name: srv, subnet: s1, ip: 10.9.0.10 }
      - { name: peer, subnet: s2, ip: 10.9.1.11 }
      - { name: adm, subnet: s2, ip: 10.9.1.12, security_groups: [admin] }
EOF
LABS+=("$LAB")
out=$(timeout 30 "$VPCLAB" up "$T/lab.yaml" --api 2>&1); rc=$?
check_rc "up --api" 0 "$rc" "$out"
[ "$rc" -eq 0 ] || exit 1
pid=$(status_get "$LAB" pid 2>/dev/null); [[ "$pid" =~ ^[0-9]+$ ]] && ROUTER_PIDS+=("$pid")
va() { "$VPCLAB" aws "$LAB" -- "$@"; }

cat >"$T/echo.py" <<'PYEOF'
# echo.py server PORT...          echo lines on each port (for at most 120 s)
# echo.py session IP PORT GO      connect, one echo; when file GO exists another: "second ok|failed"
import os, socket, sys, threading, time
if sys.argv[1] == "server":
    def serve(c):
        c.settimeout(120)
        try:
            while True:
                d = c.recv(100)
                if not d:
                    break
                c.sendall(d)
        except OSError:
            pass
        c.close()
    def listen(port):
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", port)); s.listen(16)
        while True:
            c, _ = s.accept()
            threading.Thread(target=serve, args=(c,), daemon=True).start()
    for p in sys.argv[2:]:
        threading.Thread(target=listen, args=(int(p),), daemon=True).start()
    time.sleep(120)
else:
    c = socket.socket(); c.settimeout(3)
    c.connect((sys.argv[2], int(sys.argv[3])))
    c.sendall(b"one\n"); print("first", c.recv(100).decode().strip(), flush=True)
    end = time.time() + 60
    while not os.path.exists(sys.argv[4]) and time.time() < end:
        time.sleep(0.05)
    try:
        c.sendall(b"two\n"); d = c.recv(100)
        print("second ok" if d == b"two\n" else "second failed: %r" % d, flush=True)
    except OSError as e:
        print("second failed: %s" % e, flush=True)
PYEOF
on_bg srv "$PY" "$T/echo.py" server 22 80 5000
for p in 22 80 5000; do _wait_listen "$LAB-srv" tcp "$p"; done
nc_z() { on "$1" timeout 3 nc -z -w 2 "$2" "$3" >/dev/null 2>&1; }
opens() { if nc_z "$@"; then ok "$1 -> $2:$3 connects${4:+ ($4)}"; else not_ok "$1 -> $2:$3 connects${4:+ ($4)}"; fi; }
shut() { if nc_z "$@"; then not_ok "$1 -> $2:$3 refused${4:+ ($4)}"; else ok "$1 -> $2:$3 refused${4:+ ($4)}"; fi; }

# --- the implicit default group: its members talk, others do not get in
opens peer 10.9.0.10 5000 "both in the default group (its implicit rule)"
shut adm 10.9.0.10 22 "adm is not in the default group"

# --- authorize by name
out=$(va ec2 authorize-security-group-ingress --group-name default --protocol tcp --port 22 --cidr 10.9.1.12/32 --output json 2>&1); rc=$?
check_rc "authorize-security-group-ingress --group-name default" 0 "$rc" "$out"
check_match "  answers Return true" '"Return": true' "$out"
opens adm 10.9.0.10 22 "at once after the authorize on the default group"
opens peer 10.9.0.10 5000 "the default group's own rule is kept"
shut adm 10.9.0.10 80 "only the port authorized"

# --- authorize by the id describe-security-groups gives
DSG=$(va ec2 describe-security-groups --filters Name=group-name,Values=default --query 'SecurityGroups[].GroupId' --output text 2>&1)
check_match "describe-security-groups: the default group's id" '^sg-[0-9a-f]{17}$' "$DSG"
out=$(va ec2 authorize-security-group-ingress --group-id "$DSG" --protocol tcp --port 80 --cidr 10.9.1.0/24 2>&1); rc=$?
check_rc "authorize-security-group-ingress --group-id (the default group)" 0 "$rc" "$out"
opens adm 10.9.0.10 80 "the rule added by id"
out=$(va ec2 authorize-security-group-ingress --group-id "$DSG" --protocol tcp --port 80 --cidr 10.9.1.0/24 2>&1)
check_match "the same rule again: InvalidPermission.Duplicate" "InvalidPermission\.Duplicate" "$out"
rules=$(va ec2 describe-security-groups --group-ids "$DSG" --query 'SecurityGroups[0].IpPermissions[].[IpProtocol,FromPort]' --output text 2>&1)
check "describe: the default group's self rule and both new ones" "$(printf -- '-1\tNone\ntcp\t22\ntcp\t80')" "$(printf '%s\n' "$rules" | LC_ALL=C sort)"

# --- the default network ACL: a deny entry acts at the next packet, held connection included
ACL=$(va ec2 describe-network-acls --filters Name=default,Values=true --query 'NetworkAcls[].NetworkAclId' --output text 2>&1)
check_match "describe-network-acls: the default ACL's id" '^acl-[0-9a-f]{17}$' "$ACL"
rm -f "$T/go1"
on_bg peer "$PY" "$T/echo.py" session 10.9.0.10 5000 "$T/go1" >"$T/s1.out"
wait_for "the session's first echo" 5 grep -q "first one" "$T/s1.out"
check "a session peer -> srv:5000 is up" "first one" "$(head -n1 "$T/s1.out")"
out=$(va ec2 create-network-acl-entry --network-acl-id "$ACL" --ingress --rule-number 50 --protocol tcp \
	--port-range From=5000,To=5000 --rule-action deny --cidr-block 10.9.1.0/24 --output text 2>&1); rc=$?
check_rc "create-network-acl-entry deny tcp 5000 in (the default ACL)" 0 "$rc" "$out"
touch "$T/go1"
wait_for "the session's second echo" 8 grep -q "second" "$T/s1.out"
check_match "the held session is cut at once (stateless ACL)" "^second failed" "$(sed -n 2p "$T/s1.out")"
shut peer 10.9.0.10 5000 "denied by the default ACL"
opens adm 10.9.0.10 22 "another port: the default ACL's rule 100 still allows"
out=$(va ec2 create-network-acl-entry --network-acl-id "$ACL" --ingress --rule-number 100 --protocol -1 \
	--rule-action deny --cidr-block 0.0.0.0/0 2>&1)
check_match "rule 100 is there (AWS's): NetworkAclEntryAlreadyExists" "NetworkAclEntryAlreadyExists" "$out"

# --- export writes both; it is the running lab
exp=$("$VPCLAB" export "$LAB" 2>&1)
printf '%s\n' "$exp" >"$T/exported.yaml"
check_match "export: the default group with its rules" "protocol: tcp, ports: 22, cidr: 10.9.1.12/32" "$exp"
check_match "export: the default group keeps the self rule" "protocol: all, group: default" "$exp"
check_match "export: the default ACL's deny" "rule: 50, action: deny, protocol: tcp, ports: 5000, cidr: 10.9.1.0/24" "$exp"
out=$("$VPCLAB" apply "$T/exported.yaml" --dry-run 2>&1); rc=$?
check_rc "apply --dry-run of the exported file" 0 "$rc" "$out"
check "  it is the running lab: no changes" "no changes" "$(printf '%s\n' "$out" | grep -v "warning:")"

# --- delete the entry: allowed again
out=$(va ec2 delete-network-acl-entry --network-acl-id "$ACL" --ingress --rule-number 50 2>&1); rc=$?
check_rc "delete-network-acl-entry (the default ACL)" 0 "$rc" "$out"
opens peer 10.9.0.10 5000 "after the deny entry is deleted"

# --- revoke on the default group
out=$(va ec2 revoke-security-group-ingress --group-name default --protocol tcp --port 22 --cidr 10.9.1.12/32 2>&1); rc=$?
check_rc "revoke-security-group-ingress --group-name default" 0 "$rc" "$out"
shut adm 10.9.0.10 22 "after the revoke"

# --- vpclab apply of a file that declares the default group: its rule changes, like any group's
sed -e 's/^    security_groups:$/    security_groups:\n      - name: default\n        inbound:\n          - { protocol: all, group: default }\n          - { protocol: tcp, ports: 22, cidr: 10.9.1.12\/32 }/' \
	"$T/lab.yaml" >"$T/declared.yaml"
out=$("$VPCLAB" apply "$T/declared.yaml" 2>&1); rc=$?
check_rc "apply of a file declaring the default group" 0 "$rc" "$out"
check_match "  the plan: the default group's rule added" "^\+ sg rule default inbound tcp 22 10\.9\.1\.12/32" "$out"
check_match "  and the API's rule removed" "^- sg rule default inbound tcp 80 10\.9\.1\.0/24" "$out"
check_nomatch "  the group itself is neither added nor removed" "^[+-] sg default" "$out"
opens adm 10.9.0.10 22 "the declared default group's rule"
shut adm 10.9.0.10 80 "the API's rule is gone"
