#!/usr/bin/env bash
# The house rule (ARCHITECTURE.md): only control/router/ and control/tools/ may include data-plane
# internals, directly or through another header; dataplane/ never includes control/. Reads the
# compiler's own view of every file's includes (cc -MM), so a header that drags dataplane/ in
# through the back door is caught too. No root, no build needed. Prints one line per offence.
set -u
cd "$(dirname "$0")/../.."
cflags="-std=gnu11 -D_GNU_SOURCE -Iinclude -I. $(pkg-config --cflags yaml-0.1 libmnl libpcap jansson 2>/dev/null)"
bad=0
for f in $(find control -name '*.c' | sort); do
	case "$f" in control/router/* | control/tools/*) continue ;; esac
	deps=$(${CC:-cc} $cflags -MM "$f" 2>/dev/null | tr ' \\' '\n\n' | grep '^dataplane/' | sort -u | tr '\n' ' ')
	if [ -n "$deps" ]; then
		echo "layout: $f includes data-plane internals: $deps"
		bad=$((bad + 1))
	fi
done
for f in $(find dataplane -name '*.[ch]' | sort); do
	if grep -q '#include "control/' "$f"; then
		echo "layout: $f includes control/"
		bad=$((bad + 1))
	fi
done
if [ "$bad" -eq 0 ]; then echo "layout: 1 passed, 0 failed"; else echo "layout: 0 passed, 1 failed"; fi
[ "$bad" -eq 0 ]
