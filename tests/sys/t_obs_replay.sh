#!/usr/bin/env bash
# Replay regression tests (tests/replay/run.sh): the committed pcaps of real traffic on
# tests/golden/labs/obs.yaml replayed offline twice; verdicts diffed against the committed ones,
# both runs identical (verdicts and output pcaps byte for byte), every output pcap opened with
# tcpdump -r (libpcap). Run from the namespace suite so that tests/sys/run.sh includes it.
TID=orepl; . "$(dirname "$0")/lib.sh"

out=$(VPCLAB="$VPCLAB" bash "$REPO/tests/replay/run.sh" 2>&1); rc=$?
while IFS= read -r line; do
	case "$line" in
	"ok - "*) ok "replay ${line#ok - }" ;;
	"not ok - "*) not_ok "replay ${line#not ok - }" ;;
	"#"*) echo "$line" ;;
	esac
done <<<"$out"
summary=$(printf '%s\n' "$out" | grep '^replay:' | tail -n 1)
check_match "tests/replay/run.sh finished with a summary" '^replay: [0-9]+ passed, [0-9]+ failed$' "$summary"
if [ "$rc" -ne 0 ] && [ "$FAIL" -eq 0 ]; then not_ok "tests/replay/run.sh exit 0 (got $rc)"; fi
