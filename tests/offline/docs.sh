#!/usr/bin/env bash
# Keeps the docs honest, without root: (a) nothing a user gets points outside the repository,
# (b) every whole-lab YAML example of rules/REFERENCE.md passes `vpclab check` (or fails, when it
# says `# error example`), (c) every key the loader accepts is documented in rules/REFERENCE.md,
# (d) the apply section of rules/COMMANDS.md has `vpclab apply --help`'s usage line, every key of
# the apply answer (include/vpclab/ctl.h) and every kind of change control/lab/diff.c prints.
# Needs bin/vpclab (make all). Ends with `docs: N passed, M failed`; exit 1 when any failed.
set -u
cd "$(dirname "$0")/../.." || exit 1

ref=rules/REFERENCE.md
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "docs: FAIL $*"; }

if [ ! -x bin/vpclab ]; then
	echo "docs: bin/vpclab is missing: run make all first"
	echo "docs: 0 passed, 1 failed"
	exit 1
fi

# (a) Paths to the developers' shared folder, which a user who cloned the repository never has.
outside=$(grep -rnE '\.\./shared|shared/(spec|reference)/' README.md rules control dataplane include \
	2>/dev/null)
if [ -n "$outside" ]; then
	bad "these refer outside the repository:"
	printf '%s\n' "$outside" | sed 's/^/  /'
else
	ok
fi
for doc in rules/REFERENCE.md rules/COMMANDS.md rules/AWS.md; do
	if [ ! -s "$doc" ]; then
		bad "$doc is missing"
	elif ! grep -q "(${doc#rules/})\|(${doc})" README.md; then
		bad "README.md does not link $doc"
	else
		ok
	fi
done

# (b) The examples. Each fenced yaml block whose first line that is not a comment starts with
# `name:` or `vpcs:` is a whole lab; `# error example` in it means check must exit 1.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
awk -v dir="$tmp" '
	/^```yaml[ \t]*$/ { inblock = 1; n++; file = sprintf("%s/example%d.yaml", dir, n); line = NR; next }
	/^```/ && inblock { inblock = 0; close(file); print file " " line; next }
	inblock { print > file }
' "$ref" >"$tmp/list"
examples=0
while read -r file line; do
	first=$(grep -vE '^[[:space:]]*(#|$)' "$file" | head -n 1)
	case "$first" in
	name:* | vpcs:*) ;;
	*) continue ;;
	esac
	examples=$((examples + 1))
	want=0
	grep -q '# error example' "$file" && want=1
	out=$(bin/vpclab check "$file" 2>&1)
	rc=$?
	if [ "$rc" -eq "$want" ]; then
		ok
	else
		bad "$ref:$line: the example exits $rc under vpclab check, expected $want"
		printf '%s\n' "$out" | sed 's/^/  /'
	fi
done <"$tmp/list"
if [ "$examples" -lt 2 ]; then
	bad "$ref has $examples whole-lab examples (expected a complete one and an error example)"
fi

# (c) Every key of the loader's schemas ({ "key", LD_TYPE, ... } in control/lab/load*.c),
# written as `key` in the reference.
keys=$(grep -hoE '\{ "[a-z_]+", LD_[A-Z]+' control/lab/load*.c | sed -E 's/\{ "([a-z_]+)".*/\1/' |
	sort -u)
if [ -z "$keys" ]; then
	bad "no keys found in control/lab/load*.c (has the schema table changed shape?)"
fi
for k in $keys; do
	if grep -qF "\`$k\`" "$ref"; then
		ok
	else
		bad "key '$k' (control/lab/load*.c) is not documented in $ref"
	fi
done

# (d) `vpclab apply`: its section of COMMANDS.md (from `## apply` to the next `## `).
cmds=rules/COMMANDS.md
section=$(awk '/^## apply$/ { on = 1; next } /^## / { on = 0 } on' "$cmds")
if [ -z "$section" ]; then
	bad "$cmds has no '## apply' section"
fi
usage=$(bin/vpclab apply --help 2>&1 | sed -n 's/^usage: //p')
if [ -n "$usage" ] && printf '%s\n' "$section" | grep -qxF "$usage"; then
	ok
else
	bad "the apply section of $cmds does not show the usage '$usage' (vpclab apply --help)"
fi
# The answer's keys: the VL_CTL_APPLY comment of ctl.h, after "->" and before the error object.
answer=$(awk '/#define VL_CTL_APPLY/ { on = 1 } on && /#define/ && !/VL_CTL_APPLY/ { on = 0 } on' \
	include/vpclab/ctl.h | tr '\n' ' ' | sed -e 's/.*->//' -e 's/ or {.*//')
akeys=$(printf '%s\n' "$answer" | grep -oE '[a-z_]+"?[],:}?]' | tr -d '",:}?]' | sort -u)
if [ -z "$akeys" ]; then
	bad "no apply answer keys found in include/vpclab/ctl.h (has the VL_CTL_APPLY comment changed shape?)"
fi
for k in $akeys; do
	if printf '%s\n' "$section" | grep -qF "\`$k\`"; then
		ok
	else
		bad "key '$k' of the apply answer (include/vpclab/ctl.h) is not documented in the apply section of $cmds"
	fi
done
# The kinds of change: the first string of each emit(), of rules_diff() and of the named kinds.
kinds=$( (grep -hoE 'emit\([^"]*"[a-z_ ]+"' control/lab/diff.c | sed -E 's/.*"([a-z_ ]+)"$/\1/'
	grep -hoE 'rules_diff\(d, "[a-z_ ]+"' control/lab/diff.c | sed -E 's/.*"([a-z_ ]+)"$/\1/'
	grep -hoE 'named_kind k_[a-z]+ = \{"[a-z_]+"' control/lab/diff.c | sed -E 's/.*"([a-z_]+)"$/\1/') |
	sort -u)
if [ -z "$kinds" ]; then
	bad "no kinds of change found in control/lab/diff.c (has it changed shape?)"
fi
while IFS= read -r k; do
	[ -n "$k" ] || continue
	if printf '%s\n' "$section" | grep -qF "\`$k\`"; then
		ok
	else
		bad "kind '$k' (control/lab/diff.c) is not documented in the apply section of $cmds"
	fi
done <<<"$kinds"

echo "docs: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
