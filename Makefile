# berth — see README.md.  `make run` and `make check` are the two entry points.

CC ?= gcc
VERSION := 0.1.0
BUILD ?= build
PKGS := json-c libseccomp libcap zlib libzstd
# Linked dynamically: libcurl.a drags in a dozen more static libraries (nghttp2, idn2, ssh2,
# psl, gssapi, ldap, brotli...) that Debian does not all ship as .a files, libcrypto with it so
# a process never holds two copies of OpenSSL; Debian ships no libisal.a, and libarchive.a drags
# in its own codecs and libxml2/acl/nettle.
PKGS_DYN := libcurl libcrypto libarchive libisal

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
	-Wvla -Wimplicit-fallthrough -Wno-unused-parameter
HARDEN := -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
OPT ?= -O2 -g
CFLAGS_ALL := -std=gnu11 $(OPT) $(WARN) $(HARDEN) -Ilib $(shell pkg-config --cflags $(PKGS) $(PKGS_DYN) 2>/dev/null) \
	-DBERTH_VERSION=\"$(VERSION)\" $(EXTRA_CFLAGS)
LDFLAGS_ALL := -pie -Wl,-z,relro,-z,now $(EXTRA_LDFLAGS)
# json-c, libseccomp and libcap are linked statically (Debian ships the .a files): berth-runc is
# exec'd twice per container (once from its sealed copy), and each dynamic library costs a
# symbol-resolution pass at every start.  glibc stays dynamic.
LIBS := -Wl,-Bstatic $(shell pkg-config --libs $(PKGS) 2>/dev/null) -Wl,-Bdynamic
# Only for programs that use lib/registry, lib/image or lib/storage (berth-runc does not, and
# stays free of them); --as-needed keeps unused ones out.
LIBS_DYN := -Wl,--as-needed $(shell pkg-config --libs $(PKGS_DYN) 2>/dev/null) -Wl,--no-as-needed

LIB_SRC := $(sort $(wildcard lib/*/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
RUNC_SRC := $(sort $(wildcard cmd/berth-runc/*.c))
RUNC_OBJ := $(RUNC_SRC:%.c=$(BUILD)/%.o)
BERTH_SRC := $(sort $(wildcard cmd/berth/*.c))
BERTH_OBJ := $(BERTH_SRC:%.c=$(BUILD)/%.o)
MONITOR_SRC := $(sort $(wildcard cmd/berth-monitor/*.c))
MONITOR_OBJ := $(MONITOR_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/*.c))
UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/%.o)

PYTEST ?= /usr/bin/python3 -m pytest

.PHONY: all deps run check unit unit-asan integration asan clean format-check bench bench-run fuzz

all: $(BUILD)/berth $(BUILD)/berth-runc $(BUILD)/berth-monitor $(BUILD)/unit-tests $(BUILD)/probe \
	$(BUILD)/registry-cli $(BUILD)/storage-tool $(BUILD)/log-tool $(BUILD)/rootfs-tool \
	$(BUILD)/berth-init $(BUILD)/spec-tool $(BUILD)/busybox-image.tar

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(BUILD)/libberth.a: $(LIB_OBJ)
	@rm -f $@
	@echo "  AR      $@"
	@ar rcs $@ $^

$(BUILD)/berth-runc: $(RUNC_OBJ) $(BUILD)/libberth.a
	@echo "  LD      $@"
	@$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $(RUNC_OBJ) $(BUILD)/libberth.a $(LIBS)

$(BUILD)/berth: $(BERTH_OBJ) $(BUILD)/libberth.a
	@echo "  LD      $@"
	@$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $(BERTH_OBJ) $(BUILD)/libberth.a $(LIBS) $(LIBS_DYN)

# The per-container monitor stays small: no libcurl, libarchive or ISA-L (see
# docs/containers.md, "The monitor"); glibc stays dynamic so its pages are shared.
$(BUILD)/berth-monitor: $(MONITOR_OBJ) $(BUILD)/libberth.a
	@echo "  LD      $@"
	@$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $(MONITOR_OBJ) $(BUILD)/libberth.a $(LIBS)

$(BUILD)/unit-tests: $(UNIT_OBJ) $(BUILD)/libberth.a
	@echo "  LD      $@"
	@$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $(UNIT_OBJ) -Wl,--whole-archive $(BUILD)/libberth.a \
		-Wl,--no-whole-archive $(LIBS) $(LIBS_DYN)

# A command-line driver of the registry client for tests/integration/test_registry_client.py.
$(BUILD)/registry-cli: $(BUILD)/tests/registry-cli.o $(BUILD)/libberth.a
	@echo "  LD      $@"
	@$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $< $(BUILD)/libberth.a $(LIBS) $(LIBS_DYN)

# A thin driver over lib/storage for tests/integration/test_layers.py and bench/unpack.sh.
$(BUILD)/storage-tool: $(BUILD)/tests/tools/storage-tool.o $(BUILD)/libberth.a
	@echo "  LD      $@"
	@$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $^ $(LIBS) $(LIBS_DYN)

# A thin driver over lib/engine's rootfs and userns for tests/integration/test_userns_rootfs.py.
$(BUILD)/rootfs-tool: $(BUILD)/tests/tools/rootfs-tool.o $(BUILD)/libberth.a
	@echo "  LD      $@"
	@$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $^ $(LIBS) $(LIBS_DYN)

# A thin driver over the spec builder's parts for tests/integration/test_spec_security.py.
$(BUILD)/spec-tool: $(BUILD)/tests/tools/spec-tool.o $(BUILD)/libberth.a
	@echo "  LD      $@"
	@$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $^ $(LIBS) $(LIBS_DYN)

# `berth run --init` binds it into containers as PID 1: static, libc only.
$(BUILD)/berth-init: cmd/berth-init/main.c
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) -std=gnu11 -O2 $(WARN) -static -o $@ $<

# A thin driver over lib/engine/log for tests/integration/test_log_drivers.py.
$(BUILD)/log-tool: $(BUILD)/tests/tools/log-tool.o $(BUILD)/libberth.a
	@echo "  LD      $@"
	@$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $^ $(LIBS) $(LIBS_DYN)

# The probe runs inside test containers, so it is static: no libc needed there.
$(BUILD)/probe: tests/probe/probe.c
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -static -o $@ $<

# The built-in default image (busybox:latest) from Debian's busybox-static: an OCI archive that
# `berth load` reads, made without network and byte-for-byte reproducible.
$(BUILD)/busybox-image.tar: scripts/make-busybox-image.sh $(wildcard /bin/busybox)
	@scripts/make-busybox-image.sh $@

deps:
	@scripts/install-deps.sh

run: deps
	$(MAKE) all
	scripts/run-demo.sh

unit: $(BUILD)/unit-tests
	$(BUILD)/unit-tests

# The same suites under AddressSanitizer and UndefinedBehaviorSanitizer.
asan:
	$(MAKE) BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
		EXTRA_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all" \
		EXTRA_LDFLAGS="-fsanitize=address,undefined" all

unit-asan: asan
	ASAN_OPTIONS=detect_leaks=1 build-asan/unit-tests

integration: all
	$(PYTEST) -q -p no:cacheprovider tests/integration

check: deps
	$(MAKE) all
	scripts/check.sh

format-check:
	@scripts/format-check.sh

bench: all
	bench/runtime.sh

# berth run against podman run and docker run, and the idle monitor's memory (docs/performance.md).
bench-run: all
	bench/run.sh

clean:
	rm -rf build build-asan build-clang build-fuzz

# libFuzzer targets, one per parser of untrusted input (tests/fuzz/); scripts/fuzz.sh runs them.
# Only util, oci, the registry's and image's parsers and the engine's pure parsers are compiled:
# they mount nothing, fork nothing and need nothing else (no libcurl).
FUZZ_SRC := $(sort $(wildcard tests/fuzz/*.c))
FUZZ_OBJ := $(FUZZ_SRC:%.c=$(BUILD)/%.o)
FUZZ_LIB_SRC := $(sort $(wildcard lib/util/*.c lib/oci/*.c lib/engine/parse-*.c) \
	lib/registry/challenge.c lib/registry/config.c lib/image/reference.c \
	lib/image/manifest.c lib/image/platform.c lib/image/config.c lib/image/chain.c \
	lib/engine/seccomp-docker.c lib/engine/conf.c lib/engine/subid.c \
	lib/engine/log-read.c lib/engine/log-time.c lib/engine/log-escape.c)

fuzz:
	$(MAKE) BUILD=build-fuzz CC=clang OPT="-O1 -g -fno-omit-frame-pointer" \
		LIB_SRC="$(FUZZ_LIB_SRC)" \
		EXTRA_CFLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all" \
		EXTRA_LDFLAGS="-fsanitize=fuzzer,address,undefined" \
		$(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/%)

$(BUILD)/fuzz-%: $(BUILD)/tests/fuzz/fuzz-%.o $(BUILD)/libberth.a
	@echo "  LD      $@"
	@$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $^ $(LIBS) $(LIBS_DYN)

.PRECIOUS: $(FUZZ_OBJ)
-include $(FUZZ_OBJ:.o=.d)

-include $(LIB_OBJ:.o=.d) $(RUNC_OBJ:.o=.d) $(BERTH_OBJ:.o=.d) $(MONITOR_OBJ:.o=.d) $(UNIT_OBJ:.o=.d) $(BUILD)/tests/registry-cli.d
