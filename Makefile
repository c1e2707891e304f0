# vpclab — one plain Makefile. `make` builds bin/vpclab; `make check-offline` runs every test that
# needs no root; `make check` installs what it needs, builds and runs them all (the offline
# suites first, then namespace tests as root).
CC      ?= cc
PKGS    := yaml-0.1 libmnl libpcap jansson libevent_core libevent_extra ldns libcrypto
CFLAGS  ?= -O2 -g
override CFLAGS += -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -D_GNU_SOURCE -MMD -MP -Iinclude -I. $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null)
BUILD   ?= build
BIN     := bin/vpclab
# The version, defined once: `git describe` of a tagged checkout, else the release below.
VERSION ?= $(shell git describe --tags --dirty 2>/dev/null || echo 0.8.0)

SRCS     := $(wildcard control/*/*.c dataplane/*.c)
LIB_SRCS := $(filter-out control/cli/main.c,$(SRCS))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_OBJS := $(UNIT_SRCS:%.c=$(BUILD)/%.o)
SUITES    := $(patsubst tests/unit/test_%.c,%,$(UNIT_SRCS))

DEB_PKGS := build-essential pkg-config libyaml-dev libmnl-dev \
            libpcap-dev libjansson-dev libevent-dev libldns-dev check libsubunit-dev iproute2 iputils-ping netcat-openbsd \
            curl iperf3 nftables tcpdump python3 clang bind9-dnsutils knot-dnsutils \
            libssl-dev awscli python3-boto3
# `make bench` only (the application load balancer's reference proxy and load generator): `make
# check`, and so CI, does not install them
BENCH_PKGS := haproxy wrk

.PHONY: all deps check check-offline check-unit check-sys asan bench stress demo clean fuzz fuzz-build
all: $(BIN)

$(BIN): $(BUILD)/control/cli/main.o $(BUILD)/libvpclab.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libvpclab.a: $(LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/control/cli/cli.o: override CFLAGS += -DVPCLAB_VERSION='"$(VERSION)"'
$(BUILD)/control/cli/cli.o: Makefile
$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# Unit tests: one Check runner; each tests/unit/test_NAME.c provides Suite *suite_NAME(void).
$(BUILD)/tests/unit/suites.inc: $(UNIT_SRCS)
	@mkdir -p $(dir $@)
	@printf '%s\n' $(foreach s,$(SUITES),'SUITE($(s))') > $@
$(BUILD)/tests/unit/runner.o: tests/unit/runner.c $(BUILD)/tests/unit/suites.inc
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -I$(BUILD)/tests/unit -c -o $@ $<
$(BUILD)/unit-tests: $(BUILD)/tests/unit/runner.o $(UNIT_OBJS) $(BUILD)/libvpclab.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) $(shell pkg-config --libs check)

check-unit: $(BUILD)/unit-tests
	$(BUILD)/unit-tests

# Namespace tests: root, real traffic. Each test cleans up its own namespaces, also on failure.
check-sys: $(BIN)
	bash tests/sys/run.sh

# Everything that needs no root: unit, golden traces, replays, the layout rule, tests/offline/*.sh
# and a short fuzz run. One closing line: "N passed, M failed".
check-offline:
	$(MAKE) all $(BUILD)/unit-tests
	FUZZ_SECONDS=$(FUZZ_CHECK_SECONDS) bash tests/run-all.sh --offline

# What CI and the README run: packages, build, the offline suites first, then the namespace
# tests (root, real traffic); one closing line that adds every part up.
check: deps
	$(MAKE) all $(BUILD)/unit-tests
	FUZZ_SECONDS=$(FUZZ_CHECK_SECONDS) bash tests/run-all.sh

asan:
	$(MAKE) BUILD=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		build-asan/unit-tests
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 build-asan/unit-tests

deps:
	@if [ "$$(id -u)" = 0 ] && ! dpkg -s $(DEB_PKGS) >/dev/null 2>&1; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $(DEB_PKGS); fi

demo: deps
	$(MAKE) all
	bash rules/demo.sh

bench: deps
	@if [ "$$(id -u)" = 0 ] && ! dpkg -s $(BENCH_PKGS) >/dev/null 2>&1; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $(BENCH_PKGS); fi
	$(MAKE) all
	bash tests/bench/run.sh
	bash tests/bench/nat.sh
	bash tests/bench/labsize.sh
	bash tests/bench/apply.sh
	bash tests/bench/nlb.sh
	bash tests/bench/alb.sh

# Issue 9's load and fault scenarios (root, ~5 minutes, not part of check): NAT exhaustion, a SYN
# flood, concurrent ups, down of a stopped router, a soak, churn; one result line each, a table.
stress: deps
	$(MAKE) all
	bash tests/stress/run.sh

# Coverage-guided fuzzing with clang's libFuzzer: every tests/fuzz/fuzz_NAME.c, built with ASan and
# UBSan into build-fuzz/fuzz_NAME, run FUZZ_SECONDS each from the seeds in tests/fuzz/corpus_NAME.
# check-offline runs it for FUZZ_CHECK_SECONDS per target.
FUZZ_SECONDS ?= 30
FUZZ_CHECK_SECONDS ?= 10
FUZZ_TARGETS ?= $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
fuzz-build:
	$(MAKE) BUILD=build-fuzz CC=clang CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined" build-fuzz/libvpclab.a
	for t in $(FUZZ_TARGETS); do \
		clang -O1 -g -fsanitize=fuzzer,address,undefined -std=gnu11 -D_GNU_SOURCE -Iinclude -I. \
			tests/fuzz/fuzz_$$t.c build-fuzz/libvpclab.a $(LDLIBS) -o build-fuzz/fuzz_$$t || exit 1; done
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash tests/fuzz/run.sh $(FUZZ_TARGETS)

clean:
	rm -rf build build-asan build-fuzz bin

-include $(LIB_OBJS:.o=.d) $(UNIT_OBJS:.o=.d) $(BUILD)/control/cli/main.d
