#!/usr/bin/env bash
# Lifecycle of a running lab: `up` provisions namespaces exactly as the spec says (eth0 with the
# instance IP and subnet prefix, MTU 9001, default route via the subnet's +1), `status` lists
# instances and IPs, `exec` passes stdin/stdout/exit code, a second `up` refuses with exit 3,
# `down` leaves nothing (twice is fine), and `down` cleans up after `kill -9` of the router.
TID=life; . "$(dirname "$0")/lib.sh"

cat >"$T/lab.yaml" <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    subnets:
      - { name: a, cidr: 10.0.1.0/24 }
      - { name: b, cidr: 10.0.2.0/28 }
    instances:
      - { name: web, subnet: a, ip: 10.0.1.10 }
      - { name: db, subnet: b }                 # ip absent: the lowest free one, 10.0.2.4
EOF

lab_ns() { ip netns list 2>/dev/null | awk '{print $1}' | grep "^$LAB-" | sort | tr '\n' ' ' | sed 's/ $//'; }
# wait_dead PID: 0 once the process has exited (lib.sh's pid_alive: a zombie is dead), 1 after 2 s
wait_dead() { wait_for "process $1 to exit" 2 pid_gone "$1"; }

lab_up "$T/lab.yaml"

# --- provisioning
check "namespaces of the lab" "$LAB-amazon-dns $LAB-db $LAB-web" "$(lab_ns)"
check "web eth0 address" "10.0.1.10/24" "$(on web ip -4 -o addr show dev eth0 | awk '{print $4}')"
check "db eth0 address (first free, reserved .0-.3 skipped)" "10.0.2.4/28" "$(on db ip -4 -o addr show dev eth0 | awk '{print $4}')"
check "web eth0 mtu" "9001" "$(on web cat /sys/class/net/eth0/mtu)"
check "web default route via the subnet router" "default via 10.0.1.1 dev eth0" \
	"$(on web ip -4 route show default | awk '{print $1,$2,$3,$4,$5}')"
check "db default route via the subnet router" "default via 10.0.2.1 dev eth0" \
	"$(on db ip -4 route show default | awk '{print $1,$2,$3,$4,$5}')"
check_match "web eth0 is up" "state UP|LOWER_UP" "$(on web ip -o link show dev eth0)"
check_match "web lo is up" "UP" "$(on web ip -o link show dev lo)"
ping_ok web db
tcp_ok web db 8080

# --- status, text and JSON
st=$(timeout 10 "$VPCLAB" status "$LAB" 2>&1); rc=$?
check_rc "vpclab status $LAB" 0 "$rc" "$st"
check_match "status lists web with its IP" "web.*10\.0\.1\.10" "$st"
check_match "status lists db with its IP" "db.*10\.0\.2\.4" "$st"
js=$(timeout 10 "$VPCLAB" status "$LAB" --json 2>&1)
check "status --json lab name" "$LAB" "$(status_get "$LAB" lab)"
check "status --json web ip" "10.0.1.10" "$(status_get "$LAB" port.web.ip)"
check "status --json web subnet/vpc/kind" "a main instance" \
	"$(status_get "$LAB" port.web.subnet port.web.vpc port.web.kind | tr '\n' ' ' | sed 's/ $//')"
check "status --json web security groups (none named: default)" "['default']" "$(status_get "$LAB" port.web.security_groups)"
check "status --json web source_dest_check" "True" "$(status_get "$LAB" port.web.source_dest_check)"
check "status --json web mac = eth0 mac in its namespace" "$(on web cat /sys/class/net/eth0/address)" \
	"$(status_get "$LAB" port.web.mac | tr 'A-F' 'a-f')"
check "status --json db ip" "10.0.2.4" "$(status_get "$LAB" port.db.ip)"
check_match "status --json has the drop counters" "^[0-9]+ [0-9]+ [0-9]+$" \
	"$(status_get "$LAB" drops.sg_ingress drops.nacl_in drops.srcdst_check | tr '\n' ' ' | sed 's/ $//')"
pid=$(status_get "$LAB" pid)
if pid_alive "$pid"; then ok "status --json pid $pid is a live process"; else not_ok "status --json pid is a live process (got '$pid'; json: ${js:0:200})"; fi

# --- exec
out=$(timeout 10 "$VPCLAB" exec "$LAB" web -- ip -4 -o addr show dev eth0 2>&1)
check_match "vpclab exec runs inside the instance namespace" "10\.0\.1\.10/24" "$out"
timeout 10 "$VPCLAB" exec "$LAB" db -- sh -c 'exit 7' >/dev/null 2>&1
check_rc "vpclab exec passes the exit code" 7 "$?"
check "vpclab exec passes stdin and stdout" "hello-stdin" "$(echo hello-stdin | timeout 10 "$VPCLAB" exec "$LAB" web -- cat 2>&1)"
out=$(timeout 10 "$VPCLAB" exec "$LAB" web -- ping -n -c 1 -W 1 10.0.2.4 2>&1)
check_rc "vpclab exec web -- ping db" 0 "$?" "$out"

# --- a second up refuses, the running lab is untouched
out=$(timeout 30 "$VPCLAB" up "$T/lab.yaml" 2>&1); rc=$?
check_rc "second vpclab up of a running lab refuses" 3 "$rc" "$out"
check "router pid unchanged after the refused up" "$pid" "$(status_get "$LAB" pid)"
ping_ok web db

# --- down, and down again
out=$(lab_down "$LAB" 2>&1); rc=$?
check_rc "vpclab down $LAB" 0 "$rc" "$out"
check "no namespace left after down" "" "$(lab_ns)"
if [ -e "/run/vpclab/$LAB" ]; then not_ok "no /run/vpclab/$LAB after down (expected absent, got $(ls -A "/run/vpclab/$LAB" | tr '\n' ' '))"; else ok "no /run/vpclab/$LAB after down"; fi
if wait_dead "$pid"; then ok "router process $pid gone after down"; else not_ok "router process gone after down (expected pid $pid to exit, got alive)"; fi
out=$(lab_down "$LAB" 2>&1); rc=$?
check_rc "vpclab down twice is fine" 0 "$rc" "$out"
out=$(timeout 10 "$VPCLAB" status "$LAB" 2>&1); rc=$?
if [ "$rc" -ne 0 ]; then ok "status of a lab that is down fails (exit $rc)"; else not_ok "status of a lab that is down fails (expected nonzero exit, got 0: ${out:0:200})"; fi

# --- crash: kill -9 of the router, then down cleans up
lab_up "$T/lab.yaml"
ping_ok web db
pid=$(status_get "$LAB" pid)
if pid_alive "$pid"; then
	kill -9 "$pid"
	if wait_dead "$pid"; then ok "router pid $pid killed with SIGKILL"
	else not_ok "router pid $pid killed with SIGKILL (expected it gone within 2 s, got alive)"; fi
else
	not_ok "router pid from status after the second up (expected a live pid, got '$pid')"
fi
out=$(lab_down "$LAB" 2>&1); rc=$?
check_rc "vpclab down after kill -9 of the router" 0 "$rc" "$out"
check "no namespace left after crash + down" "" "$(lab_ns)"
if [ -e "/run/vpclab/$LAB" ]; then not_ok "no /run/vpclab/$LAB after crash + down (expected absent, got $(ls -A "/run/vpclab/$LAB" | tr '\n' ' '))"; else ok "no /run/vpclab/$LAB after crash + down"; fi
out=$(lab_down "$LAB" 2>&1); rc=$?
check_rc "vpclab down again after crash cleanup" 0 "$rc" "$out"

# --- and the same lab comes up again afterwards
lab_up "$T/lab.yaml"
ping_ok web db
out=$(lab_down "$LAB" 2>&1); rc=$?
check_rc "vpclab down after re-up" 0 "$rc" "$out"
check "no namespace left at the end" "" "$(lab_ns)"
