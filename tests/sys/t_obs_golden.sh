#!/usr/bin/env bash
# Golden trace tests (tests/golden/run.sh: lab file + trace command -> expected text, the stage
# and rule of every drop asserted), run from the namespace suite so that `make check` and
# tests/sys/run.sh include them. Offline: no lab is brought up. Each golden assertion counts here.
TID=ogold; . "$(dirname "$0")/lib.sh"

out=$(VPCLAB="$VPCLAB" bash "$REPO/tests/golden/run.sh" 2>&1); rc=$?
while IFS= read -r line; do
	case "$line" in
	"ok - "*) ok "golden ${line#ok - }" ;;
	"not ok - "*) not_ok "golden ${line#not ok - }" ;;
	"#"*) echo "$line" ;;
	esac
done <<<"$out"
summary=$(printf '%s\n' "$out" | grep '^golden:' | tail -n 1)
check_match "tests/golden/run.sh finished with a summary" '^golden: [0-9]+ passed, [0-9]+ failed$' "$summary"
if [ "$rc" -ne 0 ] && [ "$FAIL" -eq 0 ]; then not_ok "tests/golden/run.sh exit 0 (got $rc)"; fi
