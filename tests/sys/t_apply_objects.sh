#!/usr/bin/env bash
# `vpclab apply` adding, removing and replacing instances under held sessions (real packets):
#   1. an instance added with a `run` listener answers ping and TCP, has its run log and its
#      status line, and a session held elsewhere is undisturbed;
#   2. an instance removed while its `run` server serves a held session: its namespace, process
#      and interface go, the session's client sees the failure, the other sessions live and the
#      other interfaces are unchanged; `down` then leaves nothing;
#   3. an instance added before others in the file: the running ones keep their addresses;
#   4. an instance whose IP or subnet changes: a new namespace with the new address, the old
#      `run` process gone, the new one started.
TID=aobj; . "$(dirname "$0")/lib.sh"; . "$SYS_DIR/apply_lib.sh"

# lab WORD...: the lab file with the optional parts named: new (case 1), gone (present until
# case 2), early (case 3), moved (case 4: mv1 and mv2 at their new addresses).
lab() {
	local w=" $* " 
	cat <<YEOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.20.0.0/16
    subnets:
      - { name: a, cidr: 10.20.1.0/24 }
      - { name: b, cidr: 10.20.2.0/24 }
    security_groups:
      - name: inner
        inbound: [ { protocol: all, cidr: 10.20.0.0/16 } ]
    instances:
YEOF
	[[ $w == *" early "* ]] && echo "      - { name: early, subnet: a, security_groups: [inner] }"
	cat <<YEOF
      - { name: cli, subnet: a, security_groups: [inner] }
      - { name: srv, subnet: a, security_groups: [inner],
          run: "exec $PY -u $T/sess.py server 7000 srv-$PFX" }
YEOF
	[[ $w == *" gone "* ]] && cat <<YEOF
      - { name: gone, subnet: b, ip: 10.20.2.30, security_groups: [inner],
          run: "echo gone pid \$\$; exec $PY -u $T/sess.py server 7000 gone-$PFX" }
YEOF
	if [[ $w == *" moved "* ]]; then cat <<YEOF
      - { name: mv1, subnet: a, ip: 10.20.1.41, security_groups: [inner],
          run: "exec $PY -u $T/sess.py server 7000 mv1new-$PFX" }
      - { name: mv2, subnet: b, ip: 10.20.2.42, security_groups: [inner],
          run: "exec $PY -u $T/sess.py server 7000 mv2new-$PFX" }
YEOF
	else cat <<YEOF
      - { name: mv1, subnet: a, ip: 10.20.1.40, security_groups: [inner],
          run: "exec $PY -u $T/sess.py server 7000 mv1old-$PFX" }
      - { name: mv2, subnet: a, ip: 10.20.1.42, security_groups: [inner],
          run: "exec $PY -u $T/sess.py server 7000 mv2old-$PFX" }
YEOF
	fi
	[[ $w == *" new "* ]] && cat <<YEOF
      - { name: new, subnet: b, ip: 10.20.2.50, security_groups: [inner],
          run: "echo new starting; exec $PY -u $T/sess.py server 7000 new-$PFX" }
YEOF
	return 0
}
marker_pids() { pgrep -f -- "sess.py server 7000 $1-$PFX"; }
marker_running() { [ -n "$(marker_pids "$1")" ]; }
marker_gone() { [ -z "$(marker_pids "$1")" ]; }

lab gone >"$T/lab.yaml"
lab_up "$T/lab.yaml"
for n in srv gone mv1 mv2; do wait_for "$n's run server" 10 listening "$LAB-$n" tcp 7000; done
CLI_IP=$(ip_of cli); SRV_IP=$(ip_of srv)
sess_start s1 cli "$SRV_IP" 7000          # held across every step
sess_start s2 cli 10.20.2.30 7000         # to gone (case 2)
sess_start s3 mv1 "$SRV_IP" 7000          # from mv1 (case 2: unrelated, lives)

# ------------------------------------------------ 1. an instance added with a run listener
lab gone new >"$T/lab.yaml"
view0=$(ports_view)
apply_ok "an instance added" "$T/lab.yaml"
check_match "the apply says + instance new" '^\+ instance new \(subnet b, 10\.20\.2\.50\)$' "$AOUT"
check_match "and that it ended no flow" 'applied in [0-9.]+ ms of router time; 0 flows ended' "$AOUT"
if has_netns "$LAB-new"; then ok "namespace $LAB-new exists"; else not_ok "namespace $LAB-new exists"; fi
check "its eth0 has the address of the file" "10.20.2.50" "$(ip_of new)"
wait_for "new's run server" 10 listening "$LAB-new" tcp 7000
ping_ok cli 10.20.2.50
sess_start s4 cli 10.20.2.50 7000
sess_alive s4 "a TCP session to the added instance's run server echoes"
wait_for "new's run log" 5 lines_ge "/run/vpclab/$LAB/run/new.log" 1 '^new starting$'
check_match "its run log is there" '^new starting$' "$(cat "/run/vpclab/$LAB/run/new.log" 2>/dev/null)"
check_match "vpclab logs new shows it" '^new starting$' "$("$VPCLAB" logs "$LAB" new 2>&1)"
check_match "vpclab status lists new" '^new instance main b 10\.20\.2\.50 ' "$(port_line new)"
check_match "status text lists new too" '^ *new +instance ' "$("$VPCLAB" status "$LAB" 2>&1)"
check "the other interfaces are as they were" "$view0" "$(ports_view | grep -v '^new ')"
sess_alive s1 "a session held elsewhere across the add"
sess_alive s2 "a session to gone across the add"

# ------------------------------------------------ 2. an instance removed under its session
# the log's pid is the instance's own (its PID namespace, run_init.h): the machine's is its
# process in the namespace that runs the server
GONE_PID=$(ip netns pids "$LAB-gone" 2>/dev/null | xargs -r ps -o pid=,args= -p 2>/dev/null |
	awk '/sess.py server 7000/ {print $1; exit}')
check_match "gone's run process pid (its server in the namespace)" '^[0-9]+$' "$GONE_PID"
if pid_alive "$GONE_PID"; then ok "gone's run process $GONE_PID runs"; else not_ok "gone's run process $GONE_PID runs"; fi
# the router holds one /dev/net/tun fd per interface: the removed one's tap goes with its fd
ROUTER=$(status_get "$LAB" pid)
taps() { find "/proc/$ROUTER/fd" -lname /dev/net/tun 2>/dev/null | wc -l; }
TAPS0=$(taps)
lab new >"$T/lab.yaml"
view0=$(ports_view | grep -v '^gone ')
apply_ok "an instance removed" "$T/lab.yaml"
check_match "the apply says - instance gone and the flow it ends" '^- instance gone .*\[ends 1 flow\]$' "$AOUT"
check_match "and that one flow ended" '; 1 flow ended' "$AOUT"
if has_netns "$LAB-gone"; then not_ok "gone's namespace is gone (/run/netns/$LAB-gone still there)"
else ok "gone's namespace is gone"; fi
check "no namespace named *gone in ip netns" "" "$(netns_view | grep -- '-gone$')"
check "the router holds one tap fewer" "$((TAPS0 - 1))" "$(taps)"
if wait_for "gone's process to end" 5 pid_gone "$GONE_PID"; then ok "gone's run process $GONE_PID ended"
else not_ok "gone's run process $GONE_PID ended"; fi
check "no process with gone's marker" "" "$(marker_pids gone)"
check "status no longer lists gone" "" "$(port_line gone)"
check "the other interfaces are unchanged" "$view0" "$(ports_view)"
sess_dead s2 "the removed instance's session client sees the failure"
sess_alive s1 "another instance's session lives"
sess_alive s3 "a session from a third instance lives"
sess_alive s4 "the session to the added instance lives"

# ------------------------------------------------ 3. an instance added earlier in the file
addrs() { ports_view | awk '$1 != "pid" {print $1, $5}'; }
a0=$(addrs)
lab early new >"$T/lab.yaml"
apply_ok "an instance added before the others" "$T/lab.yaml"
check_match "the apply says + instance early" '^\+ instance early \(subnet a, 10\.20\.1\.[0-9]+\)$' "$AOUT"
check "the running instances keep their addresses" "$a0" "$(addrs | grep -v '^early ')"
check "cli still has its address on eth0" "$CLI_IP" "$(ip_of cli)"
check "srv still has its address on eth0" "$SRV_IP" "$(ip_of srv)"
EARLY_IP=$(ip_of early)
check_nomatch "early got a free address" "^($CLI_IP|$SRV_IP|10\.20\.1\.40|10\.20\.1\.42)\$" "${EARLY_IP:-none}"
ping_ok early srv
sess_alive s1 "the session cli -> srv lives across the add"
sess_alive s3 "the session mv1 -> srv lives across the add"

# ------------------------------------------------ 4. an instance's IP, and another's subnet, change
MV1_OLD=$(marker_pids mv1old); MV2_OLD=$(marker_pids mv2old)
ns_ino() { stat -L -c %i "/run/netns/$LAB-$1" 2>/dev/null; }
kept_ns() { local n; for n in cli srv early new; do echo "$n $(ns_ino "$n") $(ip_of "$n")"; done; }
K0=$(kept_ns); a0=$(addrs | grep -v '^mv[12] ')
sess_start s5 cli 10.20.1.40 7000
lab early new moved >"$T/lab.yaml"
apply_ok "an instance's IP and another's subnet changed" "$T/lab.yaml"
check_match "the plan removes mv1 at its old address" '^- instance mv1 \(subnet a, 10\.20\.1\.40\)' "$AOUT"
check_match "and adds it at its new address" '^\+ instance mv1 \(subnet a, 10\.20\.1\.41\)$' "$AOUT"
check_match "the plan moves mv2 to subnet b" '^\+ instance mv2 \(subnet b, 10\.20\.2\.42\)$' "$AOUT"
check "the instances not in the plan keep their namespaces and addresses" "$K0" "$(kept_ns)"
check "and status shows them at the same addresses" "$a0" "$(addrs | grep -v '^mv[12] ')"
check "mv1's namespace has the new address" "10.20.1.41" "$(ip_of mv1)"
check "mv2's namespace has the new address" "10.20.2.42" "$(ip_of mv2)"
check "mv1's address is only the new one" "1" "$(on mv1 ip -4 -o addr show dev eth0 | wc -l)"
if wait_for "mv1's old process to end" 5 marker_gone mv1old; then ok "mv1's old run process (${MV1_OLD:-?}) is gone"
else not_ok "mv1's old run process is gone (still: $(marker_pids mv1old))"; fi
if wait_for "mv2's old process to end" 5 marker_gone mv2old; then ok "mv2's old run process (${MV2_OLD:-?}) is gone"
else not_ok "mv2's old run process is gone (still: $(marker_pids mv2old))"; fi
if wait_for "mv1's new run" 10 marker_running mv1new; then ok "mv1's new run command started"
else not_ok "mv1's new run command started"; fi
if wait_for "mv2's new run" 10 marker_running mv2new; then ok "mv2's new run command started"
else not_ok "mv2's new run command started"; fi
wait_for "mv1's new listener" 5 listening "$LAB-mv1" tcp 7000
wait_for "mv2's new listener" 5 listening "$LAB-mv2" tcp 7000
tcp_ok cli 10.20.1.41 7001
sess_start s6 cli 10.20.2.42 7000
sess_alive s6 "a session to mv2 at its new address"
check_match "status shows mv2 in subnet b" '^mv2 instance main b 10\.20\.2\.42 ' "$(port_line mv2)"
sess_dead s5 "the session to mv1's old address ends"
if wait_for "s3's client to end" 5 pid_gone "${SESS_PID[s3]}"; then
	ok "the session client inside mv1's old namespace went with it (pid ${SESS_PID[s3]})"
else not_ok "the session client inside mv1's old namespace went with it (pid ${SESS_PID[s3]} runs)"; fi
sess_alive s1 "the session cli -> srv lives across the replacement"
check "no namespace left over (one per instance, and the resolver's)" \
	"$(printf '%s\n' amazon-dns cli early mv1 mv2 new srv | sed "s/^/$LAB-/")" "$(netns_view)"

# ------------------------------------------------ a later down leaves nothing
out=$(lab_down 2>&1); rc=$?
check_rc "vpclab down after the applies" 0 "$rc" "$out"
check "no namespace of the lab is left" "" "$(netns_view)"
check "no run process is left" "" "$(pgrep -f -- "sess.py server 7000 .*-$PFX")"
check "the state directory is gone" "no" "$([ -e "/run/vpclab/$LAB" ] && echo yes || echo no)"
