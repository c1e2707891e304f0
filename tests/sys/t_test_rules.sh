#!/usr/bin/env bash
# Every example in rules/ passes its own checks under `vpclab test`: each file is copied and run
# under a unique lab name (so a lab of the same name that someone left running is not touched).
# A lab without `checks:` (demo.yaml) is run with a checks file kept here, which also exercises
# checks kept apart from the lab.
TID=testr
. "$(dirname "$0")/lib.sh"

cat >"$T/demo-checks.yaml" <<EOF
checks:
  - { from: admin, to: web, protocol: tcp, port: 80, expect: allow }
  - { from: web, to: db, protocol: tcp, port: 5432, expect: allow }
  - { from: admin, to: db, protocol: tcp, port: 5432, expect: deny }     # group web only
  - { from: admin, to: web, protocol: icmp, expect: allow }
  - { from: admin, to: db, protocol: icmp, expect: deny }                # the ACL, not the group
  - { from: web, to: admin, protocol: tcp, port: 22, expect: deny }      # admin admits nothing
  - { from: db, to: web, protocol: tcp, port: 80, expect: allow }
EOF

i=0
for f in "$REPO"/rules/*.yaml; do
	i=$((i + 1))
	base=$(basename "$f" .yaml)
	name="${PFX}r$i"
	LABS+=("$name")
	if grep -q '^name:' "$f"; then sed "s/^name:.*/name: $name/" "$f" >"$T/$base.yaml"
	else { echo "name: $name"; cat "$f"; } >"$T/$base.yaml"; fi
	extra=()
	n=$(sed -n '/^checks:/,$p' "$f" | grep -c '^ *- *{.*from:')
	if [ "$n" -eq 0 ] && [ "$base" = demo ]; then
		extra=("$T/demo-checks.yaml"); n=$(grep -c 'from:' "$T/demo-checks.yaml")
	fi
	if [ "$n" -eq 0 ]; then not_ok "rules/$base.yaml has no checks"; continue; fi
	start=$(date +%s%N)
	out=$(timeout 120 "$VPCLAB" test "$T/$base.yaml" "${extra[@]}" --junit "$T/$base.xml" 2>"$T/$base.err"); rc=$?
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	check_rc "rules/$base.yaml: vpclab test exits 0" 0 "$rc" "$(grep -v '^PASS' <<<"$out" | head -c 800 | tr '\n' '|') $(head -c 300 "$T/$base.err")"
	check "rules/$base.yaml: $n checks, all passed" "$n passed, 0 failed" "$(tail -n 1 <<<"$out")"
	check "rules/$base.yaml: one PASS line per check" "$n" "$(grep -c '^PASS  ' <<<"$out")"
	check_nomatch "rules/$base.yaml: trace and traffic agree" "INTERNAL ERROR" "$out"
	check "rules/$base.yaml: JUnit parses" "$n" "$("$PY" -c 'import sys, xml.etree.ElementTree as E; print(len(E.parse(sys.argv[1]).findall(".//testcase")))' "$T/$base.xml" 2>&1)"
	check "rules/$base.yaml: nothing of the lab left" 0 "$(ip netns list | awk '{print $1}' | grep -c "^$name-")"
	diag "rules/$base.yaml: $n checks, ${ms} ms with the lab's up and down"
done
