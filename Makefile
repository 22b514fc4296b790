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

# --- checks -------------------------------------------------------------------

# Host unit tests alone (no QEMU): quick feedback while working on the core.
check-host: host-tests
	$(BUILD)/host/unit-tests
	$(BUILD)/host/unit-tests-tsan
.PHONY: check-host

# --- benchmarks ---------------------------------------------------------------

BENCH_POOL_SRCS := tools/bench/pool_bench.c $(sort $(wildcard pool/*.c)) $(HOST_PLAT_SRCS)

$(BUILD)/bench/pool-bench: $(BENCH_POOL_SRCS:%.c=$(BUILD)/host/opt/%.o)
	@mkdir -p $(@D)
	$(HOSTCC) -pthread $^ -o $@

# The pool against malloc, a mempool-policy baseline and a locked list;
# prints ratios and writes build/bench/pool.json (docs/POOL.md has a table).
bench-pool: $(BUILD)/bench/pool-bench
	$(BUILD)/bench/pool-bench $(BUILD)/bench/pool.json
.PHONY: bench-pool

clean:
	rm -rf $(BUILD)
.PHONY: clean

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
