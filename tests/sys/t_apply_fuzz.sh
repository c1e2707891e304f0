#!/usr/bin/env bash
# `vpclab apply` under random valid edits: apply_fuzz.py (seeded; the seed is printed) writes a
# small lab and ~15 edits of it (security group and ACL rules, routes to igw / NAT gateway /
# instance / blackhole, instances and hosts added, removed, moved, elastic IPs, NAT gateways,
# groups, ACLs, route tables, a second VPC). Files leave out the addresses check gives a new
# interface or apply keeps for a running one (lab_keep_addresses). Each file passes `check`; the
# first is brought up and each next one applied. After every apply the lab's namespaces are
# exactly the file's instances and hosts, each eth0 with the router's address and MAC, the kept
# copy is the file, and only the nodes the plan replaces get a new namespace. After the last, the
# applied lab, a fresh `up` of the final file with every address written and `trace` of that
# file offline answer the same trace for every ordered pair and four protocols, both ways; real
# pings agree with the trace; `run` commands run once per instance. A few rounds (seeds FIRST,
# FIRST+1, ...) while the time budget lasts.
# Reproduce: APPLY_FUZZ_SEED=N bash tests/sys/run.sh apply_fuzz (APPLY_FUZZ_STEPS=M to shorten);
# the files alone: python3 tests/sys/apply_fuzz.py gen N 15 DIR LAB 0.
TID=afuzz; . "$(dirname "$0")/lib.sh"

FIRST=${APPLY_FUZZ_SEED:-$(( (RANDOM << 15 | RANDOM) % 1000000 ))}
ROUNDS=${APPLY_FUZZ_ROUNDS:-4}
[ -n "${APPLY_FUZZ_SEED:-}" ] && ROUNDS=1
STEPS=${APPLY_FUZZ_STEPS:-15}
BUDGET_MS=50000            # no new round starts after this: the test stays well under 90 s
FUZZ="$SYS_DIR/apply_fuzz.py"
TOKEN=$(printf '%05d' $(( $$ % 100000 )))   # in the `run` lines (sleep 600.TOKENnn): our processes
START=$(_now_ms)

step() { printf '%s/step%02d.%s' "$T" "$1" "$2"; }

# nodes_ok N: the namespaces are the file's nodes and the resolver's, eth0 as the router has it
nodes_ok() {
	local want have out
	want=$("$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(" ".join(sorted(d["instances"]+d["hosts"]+["amazon-dns"])))' "$(step "$1" json)")
	have=$(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$LAB-" | sed "s/^$LAB-//" | sort | tr '\n' ' ')
	have=${have% }
	[ "$want" = "$have" ] || { echo "namespaces [$have], the file's nodes [$want]"; return 1; }
	out=$("$PY" "$FUZZ" netns "$VPCLAB" "$LAB") || { echo "$out" | head -n 5 | tr '\n' ' '; return 1; }
}

# runs_ok JSON: one `run` process per instance of the file that has one, none of those that went
runs_ok() {
	"$PY" - "$1" "$TOKEN" <<'EOF'
import json, os, sys
d = json.load(open(sys.argv[1]))
want = sorted(d["runs"].values())
have = []
for pid in os.listdir("/proc"):
    try:
        argv = open("/proc/%s/cmdline" % pid, "rb").read().split(b"\0")
    except OSError:
        continue
    if len(argv) >= 2 and argv[0].endswith(b"sleep") and argv[1].startswith(b"600." + sys.argv[2].encode()):
        have.append("sleep " + argv[1].decode())
have.sort()
if have != want:
    print("run processes %s, the file's %s" % (have, want))
    sys.exit(1)
EOF
}

# ns_ids: "NAME INODE" of every namespace of the lab (a namespace made again has a new inode)
ns_ids() {
	local f
	for f in /run/netns/"$LAB"-*; do
		[ -e "$f" ] && echo "${f#/run/netns/$LAB-} $(stat -L -c %i "$f" 2>/dev/null)"
	done | sort
}
# kept_ok BEFORE AFTER PLAN: a node the plan neither removes nor adds keeps its namespace; one it
# removes and adds (a move) gets a new one
kept_ok() {
	local name ino ino2 bad=""
	while read -r name ino; do
		ino2=$(awk -v n="$name" '$1 == n {print $2}' <<<"$2")
		[ -n "$ino2" ] || continue
		if grep -Eq "^[-+] (instance|host) $name " <<<"$3"; then
			[ "$ino" != "$ino2" ] || bad="$bad $name(the plan replaces it, the namespace stayed)"
		elif [ "$ino" != "$ino2" ]; then
			bad="$bad $name(made again, the plan does not say so)"
		fi
	done <<<"$1"
	[ -z "$bad" ] || { echo "namespaces:$bad"; return 1; }
}

one_round() {
	local SEED=$1 i out rc why bad ids FINAL NAMES FRESH
	failed_at=""
	rm -f "$T"/step*
	diag "seed $SEED, $STEPS edits (again: APPLY_FUZZ_SEED=$SEED bash tests/sys/run.sh apply_fuzz)"
	if ! "$PY" "$FUZZ" gen "$SEED" "$STEPS" "$T" "$LAB" "$TOKEN" >"$T/edits.txt" 2>&1; then
		not_ok "the generator writes the files (seed $SEED): $(tail -n 3 "$T/edits.txt" | tr '\n' '|')"
		return 1
	fi
	sed 's/^/# /' "$T/edits.txt"

	# --- every file checks
	bad=""
	for i in $(seq 0 "$STEPS"); do
		for f in "$(step "$i" yaml)" "$(step "$i" full.yaml)"; do
			out=$("$VPCLAB" check "$f" 2>&1) ||
				bad="$bad $(basename "$f"): $(printf '%s' "$out" | grep -m 2 error | tr '\n' ' ')"
		done
	done
	if [ -z "$bad" ]; then ok "seed $SEED: vpclab check passes on all $((2 * STEPS + 2)) files"
	else not_ok "seed $SEED: vpclab check on every file:$bad"; return 1; fi

	lab_up "$(step 0 yaml)"
	why=$(nodes_ok 0) || fail_step "$SEED" 0 "after up: $why"

	# --- apply each edit in turn
	for i in $(seq 1 "$STEPS"); do
		[ -z "$failed_at" ] || break
		ids=$(ns_ids)
		out=$(timeout 60 "$VPCLAB" apply "$(step "$i" yaml)" 2>"$T/apply.err"); rc=$?
		if [ "$rc" -ne 0 ]; then
			fail_step "$SEED" "$i" "apply step$i (exit $rc): $(grep -v warning "$T/apply.err" | head -c 400 | tr '\n' '|')"
			break
		fi
		# an edit may change nothing that runs (public_ip: false where none was mapped)
		if [ "$out" != "no changes" ] && ! grep -q '^applied in ' <<<"$out"; then
			fail_step "$SEED" "$i" "apply step$i says what it did: $(printf '%s' "$out" | head -c 300 | tr '\n' '|')"
		fi
		cmp -s "$(step "$i" yaml)" "/run/vpclab/$LAB/lab.yaml" ||
			fail_step "$SEED" "$i" "after step$i the kept copy is the applied file"
		why=$(nodes_ok "$i") || fail_step "$SEED" "$i" "after step$i: $why"
		why=$(kept_ok "$ids" "$(ns_ids)" "$out") || fail_step "$SEED" "$i" "step$i: $why"
	done
	[ -z "$failed_at" ] && ok "seed $SEED: up and $STEPS applies, each with namespaces and eth0 as the file says"

	if [ -z "$failed_at" ]; then
		# the final file with every address written: what apply kept or check gave, now given
		FINAL=$(step "$STEPS" full.yaml)
		NAMES=$(step "$STEPS" json)
		# --- a fresh lab from the final file (another name; its run lines sleep 601.x, not ours)
		FRESH="${PFX}afrsh"
		sed -e "s/^name: .*/name: $FRESH/" -e 's/sleep 600\./sleep 601./' "$FINAL" >"$T/fresh.yaml"
		lab_up "$T/fresh.yaml"
		out=$("$PY" "$FUZZ" compare "$VPCLAB" "$LAB" "$FRESH" "$FINAL" "$NAMES" 2>&1); rc=$?
		check_rc "seed $SEED: applied lab, fresh lab and the file offline: the same traces" 0 "$rc" \
			"$(printf '%s' "$out" | head -c 3000)"
		diag "$(tail -n 1 <<<"$out")"
		# --- real packets agree (after the traces: pings make connection state)
		out=$("$PY" "$FUZZ" ping "$VPCLAB" "$LAB" "$NAMES" 2>&1); rc=$?
		check_rc "seed $SEED: real pings between every pair agree with the trace" 0 "$rc" \
			"$(printf '%s' "$out" | head -c 1500)"
		diag "$(tail -n 1 <<<"$out")"
		if poll_until 5 runs_ok "$NAMES" >/dev/null; then
			ok "seed $SEED: one run process per instance with run, none left of removed ones"
		else not_ok "seed $SEED: run processes: $(runs_ok "$NAMES")"; fi
		out=$(lab_down "$FRESH" 2>&1); check_rc "seed $SEED: down the fresh lab" 0 $? "$out"
	fi
	out=$(lab_down "$LAB" 2>&1); check_rc "seed $SEED: down the applied lab" 0 $? "$out"
	check "seed $SEED: no namespace of the lab is left" 0 \
		"$(ip netns list 2>/dev/null | awk '{print $1}' | grep -c "^$LAB-")"
}

# fail_step SEED N WHAT: a failure after which the sequence does not go on
fail_step() {
	not_ok "$3 (seed $1, $(sed -n "$(($2 + 1))p" "$T/edits.txt"))"
	[ -n "$failed_at" ] || failed_at=$2
}

for r in $(seq 0 $((ROUNDS - 1))); do
	if [ "$r" -gt 0 ] && [ $(( $(_now_ms) - START )) -gt "$BUDGET_MS" ]; then
		diag "time budget spent: $r rounds of $ROUNDS"
		break
	fi
	one_round $((FIRST + r))
done
diag "$(( ($(_now_ms) - START) / 1000 )) s"
