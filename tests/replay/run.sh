#!/usr/bin/env bash
# Replay regression tests (offline, no root): every tests/replay/FROM.pcap holds the frames that
# instance or host FROM sent in a real run of tests/golden/labs/obs.yaml (tcpdump -Q out inside
# its namespace; see make_pcaps.sh). Each one is replayed twice with
#   vpclab replay tests/golden/labs/obs.yaml --from FROM FROM.pcap -o DIR
# and must give:
#   - the verdict lines of FROM.verdicts, the same in both runs, and byte-identical output pcaps
#     (deterministic);
#   - output pcaps that tcpdump -r (libpcap) opens, one frame per verdict line for that egress
#     interface (drops.pcap: one per drop line), and whose `tcpdump -e -tt -n -q -r` text equals
#     FROM.outputs (addresses after NAT, MACs, timestamps kept from the input);
#   - a line matching each ERE of FROM.expect (written by hand: they survive an --update).
# Usage: bash tests/replay/run.sh [--update] [FROM...]   (--update rewrites .verdicts/.outputs)
# Output is TAP-like, then "replay: N passed, M failed"; exit 1 on any failure.
set -u
dir=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$dir/../.." && pwd)
VPCLAB=${VPCLAB:-$repo/bin/vpclab}
LABF=$repo/tests/golden/labs/obs.yaml
update=0
names=()
for a in "$@"; do
	case "$a" in
	--update) update=1 ;;
	-h|--help) sed -n '2,16p' "$0"; exit 0 ;;
	*) names+=("$a") ;;
	esac
done
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }
check_n() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (expected $2, got $3)"; fi; }
finish() { echo "replay: $pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit; }
if [ ! -x "$VPCLAB" ]; then not_ok "vpclab binary $VPCLAB exists (run make)"; finish; fi
if ! command -v tcpdump >/dev/null; then not_ok "tcpdump is installed (apt-get install tcpdump)"; finish; fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vpclab-replay.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

if [ "${#names[@]}" -eq 0 ]; then
	for f in "$dir"/*.pcap; do [ -e "$f" ] && names+=("$(basename "$f" .pcap)"); done
fi
[ "${#names[@]}" -gt 0 ] || { not_ok "pcap files exist under $dir"; finish; }

# summary DIR: every output pcap of DIR as tcpdump prints it (sorted file names)
summary() {
	local f
	for f in $(cd "$1" && ls ./*.pcap 2>/dev/null | sort); do
		echo "== ${f#./}"
		tcpdump -e -tt -n -q -r "$1/$f" 2>/dev/null
	done
}

for from in "${names[@]}"; do
	in="$dir/$from.pcap"
	if [ ! -f "$in" ]; then not_ok "$from: $in exists"; continue; fi
	for run in 1 2; do
		(cd "$repo" && "$VPCLAB" replay "$LABF" --from "$from" "$in" -o "$tmp/$from.$run") \
			>"$tmp/$from.$run.out" 2>"$tmp/$from.$run.err"
		echo $? >"$tmp/$from.$run.rc"
	done
	rc=$(cat "$tmp/$from.1.rc")
	if [ "$rc" = 0 ]; then ok "$from: vpclab replay exits 0"
	else not_ok "$from: vpclab replay exits 0 (got $rc: $(head -c 300 "$tmp/$from.1.err" | tr '\n' '|'))"; fi
	nin=$(tcpdump -r "$in" 2>/dev/null | wc -l)
	nout=$(wc -l <"$tmp/$from.1.out")
	if [ "$nin" -gt 0 ] && [ "$nin" = "$nout" ]; then ok "$from: one verdict line per input frame ($nin)"
	else not_ok "$from: one verdict line per input frame (expected $nin, got $nout)"; fi
	# numbered 1..N
	if awk '{ if ($1 != NR) exit 1 }' "$tmp/$from.1.out"; then ok "$from: verdict lines numbered 1..$nout"
	else not_ok "$from: verdict lines numbered 1..$nout"; fi

	# determinism: verdicts and output files of the two runs
	if cmp -s "$tmp/$from.1.out" "$tmp/$from.2.out"; then ok "$from: same verdicts in both runs"
	else not_ok "$from: same verdicts in both runs"; diff "$tmp/$from.1.out" "$tmp/$from.2.out" | sed 's/^/# /'; fi
	l1=$(cd "$tmp/$from.1" 2>/dev/null && ls | sort | tr '\n' ' ')
	l2=$(cd "$tmp/$from.2" 2>/dev/null && ls | sort | tr '\n' ' ')
	same=1
	[ "$l1" = "$l2" ] || same=0
	for f in $l1; do cmp -s "$tmp/$from.1/$f" "$tmp/$from.2/$f" || same=0; done
	if [ "$same" = 1 ] && [ -n "$l1" ]; then ok "$from: byte-identical output pcaps in both runs ($l1)"
	else not_ok "$from: byte-identical output pcaps in both runs (run 1: $l1; run 2: $l2)"; fi

	# every output pcap opens with tcpdump (libpcap) and holds one frame per verdict for it
	for f in $l1; do
		name=${f%.pcap}
		if tcpdump -r "$tmp/$from.1/$f" >"$tmp/td" 2>"$tmp/tderr"; then
			ok "$from: tcpdump -r $f opens it"
		else
			not_ok "$from: tcpdump -r $f opens it ($(head -c 200 "$tmp/tderr" | tr '\n' ' '))"; continue
		fi
		got=$(wc -l <"$tmp/td")
		if [ "$name" = drops ]; then want=$(grep -c '^[0-9]* drop ' "$tmp/$from.1.out")
		else want=$(grep -Ec "^[0-9]+ (forward|reply) -> $name( |\$)" "$tmp/$from.1.out"); fi
		check_n "$from: $f holds one frame per verdict for it ($want)" "$want" "$got"
	done
	ndrop=$(grep -c '^[0-9]* drop ' "$tmp/$from.1.out")
	if [ "$ndrop" -gt 0 ] && [ ! -f "$tmp/$from.1/drops.pcap" ]; then
		not_ok "$from: drops.pcap written for $ndrop dropped frames"
	fi

	summary "$tmp/$from.1" >"$tmp/$from.summary"
	# hand-written expectations
	if [ -f "$dir/$from.expect" ]; then
		while IFS= read -r re; do
			case "$re" in ''|'#'*) continue ;; esac
			if grep -Eq -- "$re" "$tmp/$from.1.out" "$tmp/$from.summary"; then ok "$from: has /$re/"
			else not_ok "$from: has /$re/"; fi
		done <"$dir/$from.expect"
	fi
	# golden files
	for kind in verdicts outputs; do
		got="$tmp/$from.1.out"; [ "$kind" = outputs ] && got="$tmp/$from.summary"
		gold="$dir/$from.$kind"
		if [ "$update" = 1 ]; then
			if [ -f "$gold" ] && cmp -s "$got" "$gold"; then ok "$from: $from.$kind unchanged"
			else cp "$got" "$gold"; ok "$from: $from.$kind written"; fi
		elif [ ! -f "$gold" ]; then
			not_ok "$from: $gold exists (run tests/replay/run.sh --update and review it)"
		elif diff -u "$gold" "$got" >"$tmp/diff"; then
			ok "$from: output equals $from.$kind"
		else
			not_ok "$from: output equals $from.$kind"; sed 's/^/# /' "$tmp/diff" | head -40
		fi
	done
done

# errors: a missing file, an unknown sender
(cd "$repo" && "$VPCLAB" replay "$LABF" --from web "$tmp/nosuch.pcap") >/dev/null 2>"$tmp/e1"; rc=$?
if [ "$rc" = 1 ] && [ -s "$tmp/e1" ]; then ok "replay of a missing file: exit 1 with a message"
else not_ok "replay of a missing file: exit 1 with a message (got exit $rc: $(head -c 200 "$tmp/e1"))"; fi
first=${names[0]}
(cd "$repo" && "$VPCLAB" replay "$LABF" --from nosuch "$dir/$first.pcap") >/dev/null 2>"$tmp/e2"; rc=$?
if [ "$rc" = 1 ] && grep -q nosuch "$tmp/e2"; then ok "replay --from an unknown name: exit 1 naming it"
else not_ok "replay --from an unknown name: exit 1 naming it (got exit $rc: $(head -c 200 "$tmp/e2"))"; fi
finish
