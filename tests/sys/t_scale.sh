#!/usr/bin/env bash
# A lab of 200 instances over ten subnets (tests/bench/genlab.sh): `up` makes every namespace and
# prints nothing extra when piped, instances in different subnets reach each other, and `down`
# removes every namespace and the state directory. At down, processes inside the instances get
# SIGTERM first (one that traps it writes a file), and one that ignores SIGTERM is killed anyway.
# No timing assertions: speed is for `make bench` (tests/bench/labsize.sh).
TID=scale; . "$(dirname "$0")/lib.sh"
N=200

bash "$REPO/tests/bench/genlab.sh" "$LAB" "$N" >"$T/lab.yaml"
lab_ns_count() { ip netns list 2>/dev/null | awk '{print $1}' | grep -c "^$LAB-"; }

LABS+=("$LAB")
out=$(timeout 60 "$VPCLAB" up "$T/lab.yaml" 2>&1); rc=$?
check_rc "vpclab up of $N instances" 0 "$rc" "$(printf '%s' "$out" | head -c 300)"
[ "$rc" -eq 0 ] || exit 1
check "up, piped, prints its one line and no progress" "lab $LAB is up: $((N + 1)) namespaces; 'vpclab status $LAB' shows them" "$out"
pid=$(status_get "$LAB" pid 2>/dev/null); [[ "$pid" =~ ^[0-9]+$ ]] && ROUTER_PIDS+=("$pid")

want=$( (echo "$LAB-amazon-dns"; for i in $(seq 0 $((N - 1))); do echo "$LAB-i$i"; done) | sort)
have=$(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$LAB-" | sort)
check "every instance has its namespace ($N), and the resolver" "$want" "$have"
check "i0 eth0 address (subnet s0)" "10.0.1.10/24" "$(on i0 ip -4 -o addr show dev eth0 | awk '{print $4}')"
check "i199 eth0 address (subnet s9)" "10.0.10.29/24" "$(on i199 ip -4 -o addr show dev eth0 | awk '{print $4}')"
check "i123 default route via its subnet's router" "default via 10.0.4.1 dev eth0" \
	"$(on i123 ip -4 route show default | awk '{print $1,$2,$3,$4,$5}')"
check "i57 has no IPv6 address on eth0" "" "$(on i57 ip -6 -o addr show dev eth0)"
ping_ok i0 i15          # s0 -> s5
ping_ok i199 i3         # s9 -> s3
ping_ok i100 i190       # same subnet

# Two processes in instance namespaces: one traps SIGTERM and writes a file, one ignores it.
"$VPCLAB" exec "$LAB" i7 -- sh -c "trap 'echo term > $T/term; exit 0' TERM; echo ready > $T/ready; while :; do sleep 0.1; done" \
	>/dev/null 2>&1 &
TERM_PID=$!; BG_PIDS+=("$TERM_PID"); disown "$TERM_PID"
"$VPCLAB" exec "$LAB" i150 -- sh -c "trap '' TERM; echo ready > $T/ready2; while :; do sleep 0.1; done" \
	>/dev/null 2>&1 &
IGN_PID=$!; BG_PIDS+=("$IGN_PID"); disown "$IGN_PID"
for i in $(seq 1 100); do [ -s "$T/ready" ] && [ -s "$T/ready2" ] && break; sleep 0.05; done
check "both processes run inside their instances" "ready ready" "$(cat "$T/ready" "$T/ready2" 2>/dev/null | tr '\n' ' ' | sed 's/ $//')"

out=$(lab_down "$LAB" 2>&1); rc=$?
check_rc "vpclab down of $N instances" 0 "$rc" "$out"
check "down, piped, prints its one line and no progress" "lab $LAB is down" "$out"
check "no namespace of the lab left right after down" "0" "$(lab_ns_count)"
if [ -e "/run/vpclab/$LAB" ]; then not_ok "no /run/vpclab/$LAB after down (got $(ls -A "/run/vpclab/$LAB" | tr '\n' ' '))"
else ok "no /run/vpclab/$LAB after down"; fi
check "the process that traps SIGTERM got it at down" "term" "$(cat "$T/term" 2>/dev/null)"
gone() { local i; for i in $(seq 1 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.05; done; return 1; }
if gone "$TERM_PID"; then ok "the SIGTERM-trapping process exited"; else not_ok "the SIGTERM-trapping process exited (still running)"; fi
if gone "$IGN_PID"; then ok "the process that ignores SIGTERM was killed at down"
else not_ok "the process that ignores SIGTERM was killed at down (still running)"; fi
