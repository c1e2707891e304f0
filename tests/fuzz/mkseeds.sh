#!/usr/bin/env bash
# Regenerates the fuzzers' seeds: tests/fuzz/corpus_pipeline with tests/fuzz/mkseeds.c (the replay
# pcaps' frames and crafted conversations through tests/fuzz/lab.yaml), and in corpus_load the
# example labs (rules/*.yaml) and every yaml block of rules/REFERENCE.md (ref-N.yaml), in corpus_dns
# queries to the resolver (tests/fuzz/mkseeds_dns.c). Run it when fuzz_pipeline.c's or fuzz_dns.c's
# record format, the lab or the examples change; commit the result. No root.
# Usage: bash tests/fuzz/mkseeds.sh
set -eu
cd "$(dirname "$0")/../.."
make -s build/libvpclab.a
pkgs="libnl-route-3.0 yaml-0.1 libmnl libpcap jansson"
mkdir -p build/tests/fuzz
# shellcheck disable=SC2046
cc -O1 -g -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -Iinclude -I. $(pkg-config --cflags $pkgs) \
	tests/fuzz/mkseeds.c build/libvpclab.a $(pkg-config --libs $pkgs) -o build/tests/fuzz/mkseeds
out=tests/fuzz/corpus_pipeline
rm -rf "$out"
mkdir -p "$out"
build/tests/fuzz/mkseeds tests/fuzz/lab.yaml "$out" tests/replay/*.pcap
echo "mkseeds: $(find "$out" -type f | wc -l) seeds in $out"
load=tests/fuzz/corpus_load
rm -f "$load"/ref-*.yaml
cp rules/*.yaml "$load"/
awk -v dir="$load" '/^```yaml$/ { n++; f = sprintf("%s/ref-%02d.yaml", dir, n); next }
	/^```$/ { f = ""; next } f { print > f }' rules/REFERENCE.md
echo "mkseeds: $(find "$load" -type f | wc -l) seeds in $load"
dns=tests/fuzz/corpus_dns
rm -rf "$dns"
mkdir -p "$dns"
cc -O1 -g -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE tests/fuzz/mkseeds_dns.c $(pkg-config --libs ldns) \
	-o build/tests/fuzz/mkseeds_dns
build/tests/fuzz/mkseeds_dns "$dns"
