#!/usr/bin/env bash
# Golden tests of `vpclab trace` (offline, no root): every cases/NAME.case names a command and
# what must hold; cases/NAME.out is the expected stdout (plus a last line "exit N").
#
#   bash tests/golden/run.sh              diff every case against its .out, check its assertions
#   bash tests/golden/run.sh --update     rewrite the .out files from what vpclab prints now
#   bash tests/golden/run.sh [--update] NAME...   only these cases (NAME without .case)
#
# A case file (paths in `args` are relative to tests/golden/):
#   # free text: what the case shows
#   args: trace labs/obs.yaml --from locked --to web --tcp 22     (the words after `vpclab`)
#   exit: 1                         the exit code vpclab must return
#   drop: ^ +2 sg locked egress .*  exactly one output line says DROP, and it matches this ERE
#   nodrop:                         no output line says DROP
#   expect: ERE                     some output line matches (may repeat)
#   json: PYTHON-EXPR               with --json: the output parses (python3 -m json.tool) and
#                                   the expression over d (the parsed object) is true (may repeat)
# The assertions are checked in --update mode too: an update never blesses a wrong stage or rule.
# Output is TAP-like ("ok - ..." / "not ok - ..."), then "golden: N passed, M failed"; exit 1 on
# any failure.
set -u
dir=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$dir/../.." && pwd)
VPCLAB=${VPCLAB:-$repo/bin/vpclab}
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
update=0
names=()
for a in "$@"; do
	case "$a" in
	--update) update=1 ;;
	-h|--help) sed -n '2,22p' "$0"; exit 0 ;;
	*) names+=("$a") ;;
	esac
done
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }
if [ ! -x "$VPCLAB" ]; then
	not_ok "vpclab binary $VPCLAB exists (run make)"
	echo "golden: $pass passed, $fail failed"; exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vpclab-golden.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

cases=()
if [ "${#names[@]}" -gt 0 ]; then
	for n in "${names[@]}"; do cases+=("$dir/cases/${n%.case}.case"); done
else
	for f in "$dir"/cases/*.case; do [ -e "$f" ] && cases+=("$f"); done
fi
[ "${#cases[@]}" -gt 0 ] || { not_ok "golden cases exist under $dir/cases"; echo "golden: 0 passed, 1 failed"; exit 1; }

field() { sed -n "s/^$1:[[:space:]]*//p" "$2"; }
for c in "${cases[@]}"; do
	name=$(basename "$c" .case)
	if [ ! -f "$c" ]; then not_ok "$name: no such case $c"; continue; fi
	args=$(field args "$c" | head -n 1)
	want_rc=$(field exit "$c" | head -n 1)
	if [ -z "$args" ]; then not_ok "$name: the case has an args: line"; continue; fi
	# shellcheck disable=SC2086  # args is a word list written by us, no quoting needed
	(cd "$dir" && "$VPCLAB" $args) >"$tmp/out" 2>"$tmp/err"
	rc=$?
	{ cat "$tmp/out"; echo "exit $rc"; } >"$tmp/got"

	# exit code
	if [ -n "$want_rc" ]; then
		if [ "$rc" = "$want_rc" ]; then ok "$name: exit $rc"
		else not_ok "$name: exit (expected $want_rc, got $rc; stderr: $(head -c 300 "$tmp/err" | tr '\n' '|'))"; fi
	fi
	# no crash, no sanitizer noise
	if grep -Eq 'AddressSanitizer|runtime error|Segmentation' "$tmp/err"; then
		not_ok "$name: stderr is clean (got: $(head -c 300 "$tmp/err" | tr '\n' '|'))"
	fi
	# DROP lines
	ndrop=$(grep -c 'DROP' "$tmp/out")
	if grep -q '^nodrop:' "$c"; then
		if [ "$ndrop" -eq 0 ]; then ok "$name: no hop says DROP"
		else not_ok "$name: no hop says DROP (got: $(grep DROP "$tmp/out" | tr '\n' '|'))"; fi
	fi
	drop_re=$(field drop "$c" | head -n 1)
	if [ -n "$drop_re" ]; then
		if [ "$ndrop" -eq 1 ] && grep 'DROP' "$tmp/out" | grep -Eq -- "$drop_re"; then
			ok "$name: the one DROP names the stage and rule /$drop_re/"
		else
			not_ok "$name: exactly one DROP matching /$drop_re/ (got $ndrop: $(grep DROP "$tmp/out" | tr '\n' '|'))"
		fi
	fi
	# expect lines
	while IFS= read -r re; do
		[ -n "$re" ] || continue
		if grep -Eq -- "$re" "$tmp/out"; then ok "$name: output has /$re/"
		else not_ok "$name: output has /$re/ (got: $(head -c 600 "$tmp/out" | tr '\n' '|'))"; fi
	done < <(field expect "$c")
	# json
	if [[ " $args " == *" --json "* ]]; then
		if "$PY" -m json.tool <"$tmp/out" >/dev/null 2>"$tmp/jerr"; then ok "$name: --json output parses (python3 -m json.tool)"
		else not_ok "$name: --json output parses (python3 -m json.tool: $(head -c 200 "$tmp/jerr" | tr '\n' ' '))"; fi
		while IFS= read -r expr; do
			[ -n "$expr" ] || continue
			res=$("$PY" -c '
import json, sys
try:
    d = json.load(open(sys.argv[1]))
    print("true" if eval(sys.argv[2]) else "false")
except Exception as e:
    print("error: %s" % e)
' "$tmp/out" "$expr")
			if [ "$res" = true ]; then ok "$name: json $expr"
			else not_ok "$name: json $expr (got $res)"; fi
		done < <(field json "$c")
	fi
	# golden
	gold="$dir/cases/$name.out"
	if [ "$update" -eq 1 ]; then
		if [ -f "$gold" ] && cmp -s "$tmp/got" "$gold"; then ok "$name: golden unchanged"
		else cp "$tmp/got" "$gold"; ok "$name: golden written ($gold)"; fi
	elif [ ! -f "$gold" ]; then
		not_ok "$name: golden $gold exists (run tests/golden/run.sh --update and review it)"
	elif diff -u "$gold" "$tmp/got" >"$tmp/diff"; then
		ok "$name: output equals cases/$name.out"
	else
		not_ok "$name: output equals cases/$name.out"
		sed 's/^/# /' "$tmp/diff"
	fi
done
echo "golden: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
