# Top-level Makefile: the kernel, its boot images, the host tools and every test.
# Non-recursive; everything it builds goes to build/.  `make help` lists targets.

BUILD   ?= build
HOSTCC  ?= gcc
CLANG   ?= clang
QEMU_TIMEOUT ?= 120

.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:

# --- sources ------------------------------------------------------------------

# The portable core: no kernel header, built for the kernel and for the host.
PORTABLE_SRCS := $(sort $(wildcard pool/*.c) $(wildcard iommu/dmar*.c) \
                        $(wildcard iommu/iova*.c) $(wildcard iommu/pgtable*.c))
# Unit tests: each file one feature, built into the host runner and the kernel.
UNIT_SRCS     := $(sort $(wildcard tests/unit/*.c)) tests/harness/ktest.c
# Unit tests that need host threads (pthreads): host runner only.
UNIT_HOST_SRCS := $(sort $(wildcard tests/unit/host/*.c))
HOST_PLAT_SRCS := tests/host/plat_host.c

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wpointer-arith -Wvla -Wformat=2 -Wundef
INCLUDES := -Iplat -Ipool -Iiommu -Itests/harness -Itests/host

# --- host builds (unit tests with sanitizers, tools, benchmarks) ---------------

HOST_CFLAGS := -std=gnu11 -O1 -g $(WARN) $(INCLUDES) -MMD -MP -pthread
ASAN_FLAGS  := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
TSAN_FLAGS  := -fsanitize=thread -fno-omit-frame-pointer

HOST_TEST_SRCS := $(PORTABLE_SRCS) $(UNIT_SRCS) $(UNIT_HOST_SRCS) $(HOST_PLAT_SRCS) tests/host/main.c

$(BUILD)/host/asan/%.o: %.c
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) $(ASAN_FLAGS) -c $< -o $@
$(BUILD)/host/tsan/%.o: %.c
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) $(TSAN_FLAGS) -c $< -o $@
$(BUILD)/host/opt/%.o: %.c
	@mkdir -p $(@D)
	$(HOSTCC) $(subst -O1,-O2,$(HOST_CFLAGS)) -DNDEBUG -c $< -o $@

$(BUILD)/host/unit-tests: $(HOST_TEST_SRCS:%.c=$(BUILD)/host/asan/%.o)
	$(HOSTCC) $(ASAN_FLAGS) -pthread $^ -o $@
$(BUILD)/host/unit-tests-tsan: $(HOST_TEST_SRCS:%.c=$(BUILD)/host/tsan/%.o)
	$(HOSTCC) $(TSAN_FLAGS) -pthread $^ -o $@

host-tests: $(BUILD)/host/unit-tests $(BUILD)/host/unit-tests-tsan
.PHONY: host-tests

# --- DMAR: dump tool, corpus check, fixtures, fuzzing ---------------------------

# The corpus of real tables stays next to the repository, never copied into it.
DMAR_CORPUS  ?= $(abspath $(CURDIR)/../shared/dmar-corpus)
FUZZ_SECONDS ?= 60
DMAR_SRCS    := $(sort $(wildcard iommu/dmar*.c))
FUZZ_FLAGS   := -std=gnu11 -g -O1 $(WARN) $(INCLUDES) \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
                -Wno-format-nonliteral # plat_host.c forwards printf formats

# One-command builds: -MMD would keep only the last source's dependencies, so
# the headers are listed by hand instead.
DMAR_CFLAGS  := $(filter-out -MMD -MP,$(HOST_CFLAGS))
DMAR_HDRS    := iommu/dmar.h plat/plat.h tests/host/plat_impl.h

HOST_TOOLS += $(BUILD)/dmar-dump
$(BUILD)/dmar-dump: tools/dmar-dump.c $(DMAR_SRCS) $(HOST_PLAT_SRCS) $(DMAR_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(subst -O1,-O2,$(DMAR_CFLAGS)) $(filter %.c,$^) -o $@

$(BUILD)/fuzz/fuzz-dmar: tests/fuzz/fuzz_dmar.c $(DMAR_SRCS) $(HOST_PLAT_SRCS) $(DMAR_HDRS)
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_FLAGS) $(filter %.c,$^) -o $@
# The same target without libFuzzer, to replay kept crashers under gcc ASan.
$(BUILD)/host/dmar-replay: tests/fuzz/fuzz_dmar.c tests/fuzz/replay_main.c $(DMAR_SRCS) \
		$(HOST_PLAT_SRCS) $(DMAR_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(DMAR_CFLAGS) $(ASAN_FLAGS) $(filter %.c,$^) -o $@

# Bounded fuzzing run seeded from the corpus; new inputs go to build/fuzz/corpus.
fuzz-dmar: $(BUILD)/fuzz/fuzz-dmar
	@mkdir -p $(BUILD)/fuzz/corpus
	$< -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=$(BUILD)/fuzz/ \
	   $(BUILD)/fuzz/corpus $(DMAR_CORPUS)/tables tests/fuzz/regressions
.PHONY: fuzz-dmar

# Tables the kernel must reject, as complete ACPI tables for -acpitable.
DMAR_BAD_FIXTURES := truncated badsum zerolen scope-overrun
dmar-fixtures: $(DMAR_BAD_FIXTURES:%=$(BUILD)/fixtures/dmar-%.bin) $(BUILD)/fixtures/dmar/.stamp
.PHONY: dmar-fixtures
# One run writes them all; the stamp stands for the whole set.
$(DMAR_BAD_FIXTURES:%=$(BUILD)/fixtures/dmar-%.bin): $(BUILD)/fixtures/dmar/.stamp
$(BUILD)/fixtures/dmar/.stamp: tests/fixtures/dmar/gen_fixtures.py
	@mkdir -p $(@D)
	python3 $< $(BUILD)/fixtures
	@touch $@

# Every corpus table and fixture through dmar-dump --json, field by field.
# Kept fuzz crashers replay first, so the corpus verdict is the last line.
check-dmar-corpus: $(BUILD)/dmar-dump $(BUILD)/host/dmar-replay dmar-fixtures
	$(BUILD)/host/dmar-replay $(sort $(filter-out %.md,$(wildcard tests/fuzz/regressions/*)))
	python3 tests/dmar/check_corpus.py --dump $(BUILD)/dmar-dump \
	   --corpus $(DMAR_CORPUS) --fixtures $(BUILD)/fixtures/dmar
.PHONY: check-dmar-corpus

all: $(HOST_TOOLS)
.PHONY: all

# --- checks -------------------------------------------------------------------

# Host unit tests alone (no QEMU): quick feedback while working on the core.
check-host: host-tests
	$(BUILD)/host/unit-tests
	$(BUILD)/host/unit-tests-tsan
.PHONY: check-host

clean:
	rm -rf $(BUILD)
.PHONY: clean

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
