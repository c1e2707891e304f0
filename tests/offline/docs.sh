#!/usr/bin/env bash
# Keeps the docs honest, without root: (a) nothing a user gets points outside the repository,
# (b) every whole-lab YAML example of rules/REFERENCE.md passes `vpclab check` (or fails, when it
# says `# error example`), (c) every key the loader accepts is documented in rules/REFERENCE.md.
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

echo "docs: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
