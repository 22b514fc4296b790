# Top-level Makefile: the kernel, its boot images, the host tools and every test.
# Non-recursive; everything it builds goes to build/.  `make help` lists targets.

BUILD   ?= build
HOSTCC  ?= gcc
CLANG   ?= clang
QEMU_TIMEOUT ?= 120

# `make V=1` shows the full commands.
ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-7s %s\n' $(1) $(2)
endif

.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:

# --- sources ------------------------------------------------------------------

# Kernel pieces with no kernel header (formatting, boot information, memory
# maps, allocators): unit-tested on the host as well as built into the kernel.
KERNEL_PORTABLE_SRCS := $(wildcard kernel/cmdline.c kernel/format.c kernel/font8x16.c \
                        kernel/fbcon.c kernel/bootinfo.c kernel/crc32.c kernel/report_rec.c kernel/efi_map.c \
                        mm/memmap.c mm/buddy.c mm/heap.c \
                        arch/x86_64/acpi_parse.c iommu/vtd_caps.c)

# The portable core: no kernel header, built for the kernel and for the host.
PORTABLE_SRCS := $(sort $(wildcard pool/*.c) $(wildcard iommu/dmar*.c) \
                        $(wildcard iommu/iova*.c) $(wildcard iommu/pgtable*.c) \
                        $(KERNEL_PORTABLE_SRCS))
# Unit tests: each file one feature, built into the host runner and the kernel.
UNIT_SRCS     := $(sort $(wildcard tests/unit/*.c)) tests/harness/ktest.c
# Unit tests that need host threads (pthreads): host runner only.
UNIT_HOST_SRCS := $(sort $(wildcard tests/unit/host/*.c))
HOST_PLAT_SRCS := tests/host/plat_host.c
# The strict software VT-d unit the host tests drive: host build only.
MODEL_SRCS     := $(sort $(wildcard tests/model/*.c))

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wpointer-arith -Wvla -Wformat=2 -Wundef
# Host builds find tests/host/plat_impl.h first; the kernel finds kernel/'s.
HOST_INCLUDES := -Itests/host -Iplat -Ipool -Iiommu -Imm -Ikernel -Itests/harness -Iboot \
                 -Iarch/x86_64 -Itests/model

# --- host builds (unit tests with sanitizers, tools, benchmarks) ---------------

HOST_CFLAGS := -std=gnu11 -O1 -g $(WARN) $(HOST_INCLUDES) -MMD -MP -pthread
ASAN_FLAGS  := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
TSAN_FLAGS  := -fsanitize=thread -fno-omit-frame-pointer

# The rest of the layer (the unit driver, domains, the DMAR scan) runs in the
# host tests against the model, through tests/host/vtd_host.c.
HOST_LAYER_SRCS := $(filter-out $(PORTABLE_SRCS),$(sort $(wildcard iommu/*.c)))
HOST_TEST_SRCS := $(PORTABLE_SRCS) $(UNIT_SRCS) $(UNIT_HOST_SRCS) $(HOST_PLAT_SRCS) $(MODEL_SRCS) \
                  $(HOST_LAYER_SRCS) tests/host/vtd_host.c tests/host/main.c

$(BUILD)/host/asan/%.o: %.c
	@mkdir -p $(@D)
	$(call say,CC-ASAN,$<)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) $(ASAN_FLAGS) -c $< -o $@
$(BUILD)/host/tsan/%.o: %.c
	@mkdir -p $(@D)
	$(call say,CC-TSAN,$<)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) $(TSAN_FLAGS) -c $< -o $@
# Optimised objects, for the benchmarks only: their plat_impl.h (found first)
# leaves out the tests' interrupt model.
$(BUILD)/host/opt/%.o: %.c
	@mkdir -p $(@D)
	$(call say,CC-OPT,$<)
	$(Q)$(HOSTCC) -Itools/bench/host $(subst -O1,-O2,$(HOST_CFLAGS)) -DNDEBUG -c $< -o $@

$(BUILD)/host/unit-tests: $(HOST_TEST_SRCS:%.c=$(BUILD)/host/asan/%.o)
	$(call say,LD,$@)
	$(Q)$(HOSTCC) $(ASAN_FLAGS) -pthread $^ -o $@
$(BUILD)/host/unit-tests-tsan: $(HOST_TEST_SRCS:%.c=$(BUILD)/host/tsan/%.o)
	$(call say,LD,$@)
	$(Q)$(HOSTCC) $(TSAN_FLAGS) -pthread $^ -o $@

host-tests: $(BUILD)/host/unit-tests $(BUILD)/host/unit-tests-tsan
.PHONY: host-tests

# A record from the kernel's report encoder, for tests/suites/report-decode.sh.
$(BUILD)/host/report-sample: tests/report/sample.c kernel/report_rec.c kernel/crc32.c \
		kernel/report_rec.h kernel/crc32.h
	@mkdir -p $(@D)
	$(HOSTCC) $(filter-out -MMD -MP,$(HOST_CFLAGS)) $(filter %.c,$^) -o $@
host-tests: $(BUILD)/host/report-sample

# --- DMAR: dump tool, corpus check, fixtures, fuzzing ---------------------------

# The corpus of real tables from real machines, with the public source of each
# table in its MANIFEST.tsv.  It lives in the tree: no test reads outside it.
DMAR_CORPUS  ?= tests/data/dmar-corpus
FUZZ_SECONDS ?= 60
DMAR_SRCS    := $(sort $(wildcard iommu/dmar*.c))
FUZZ_FLAGS   := -std=gnu11 -g -O1 $(WARN) $(HOST_INCLUDES) \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
                -Wno-format-nonliteral # plat_host.c forwards printf formats

# One-command builds: -MMD would keep only the last source's dependencies, so
# the headers are listed by hand instead.
DMAR_CFLAGS  := $(filter-out -MMD -MP,$(HOST_CFLAGS))
DMAR_HDRS    := iommu/dmar.h plat/plat.h tests/host/plat_impl.h tests/host/plat_impl_common.h

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
DMAR_BAD_FIXTURES := truncated badsum zerolen scope-overrun rmrr-edu scope-edu
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

# --- the kernel -----------------------------------------------------------------

KCC := gcc
KCFLAGS := -std=gnu11 -O2 -g $(WARN) -ffreestanding -nostdinc \
           -isystem $(shell $(KCC) -print-file-name=include) -Ikernel/libc \
           -Ikernel -Iarch/x86_64 -Imm -Iplat -Ipool -Iiommu -Idrivers -Itests/harness -Iboot \
           -fno-stack-protector -fno-pic -fno-pie -mno-red-zone -mcmodel=kernel \
           -mgeneral-regs-only -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer \
           -fno-asynchronous-unwind-tables -fcf-protection=none -MMD -MP
KASFLAGS := -f elf64 -w+all -w+error
KLDFLAGS := -nostdlib -static -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments

# Tests of kernel-only code (memory, paging, traps): built into the kernel only.
KERNEL_TEST_SRCS := $(sort $(wildcard tests/kernel/*.c))
# drivers/: the DMA masters of the self-tests (edu, NVMe, AHCI), kernel only.
KERNEL_C_SRCS := $(sort $(wildcard kernel/*.c kernel/lib/*.c arch/x86_64/*.c mm/*.c iommu/*.c \
                                   drivers/*.c) \
                        $(PORTABLE_SRCS) $(UNIT_SRCS) $(KERNEL_TEST_SRCS))
KERNEL_ASM_SRCS := boot/multiboot2.asm $(wildcard arch/x86_64/*.asm)
KERNEL_OBJS := $(KERNEL_C_SRCS:%.c=$(BUILD)/kernel/%.o) $(KERNEL_ASM_SRCS:%.asm=$(BUILD)/kernel/%.o)

$(BUILD)/kernel/%.o: %.c
	@mkdir -p $(@D)
	$(call say,KCC,$<)
	$(Q)$(KCC) $(KCFLAGS) -c $< -o $@
# The layer's objects in the kernel prove what make lib proves: they are
# compiled seeing only the environment interface, the kernel's plat_impl.h
# (a copy, alone in its folder: kernel/ holds every kernel header) and the
# kernel's <string.h> (kernel/libc holds only that).
KLAYER_CFLAGS := $(filter-out -I%,$(KCFLAGS)) -Ikernel/libc -I$(BUILD)/kernel/plat-impl \
                 -Iplat -Ipool -Iiommu
KLAYER_DIRS   := pool iommu
$(BUILD)/kernel/plat-impl/plat_impl.h: kernel/plat_impl.h
	@mkdir -p $(@D) && cp $< $@
define klayer_rule
$(BUILD)/kernel/$(1)/%.o: $(1)/%.c $(BUILD)/kernel/plat-impl/plat_impl.h
	@mkdir -p $$(@D)
	$$(call say,KCC,$$<)
	$$(Q)$$(KCC) $$(KLAYER_CFLAGS) -c $$< -o $$@
endef
$(foreach d,$(KLAYER_DIRS),$(eval $(call klayer_rule,$(d))))
$(BUILD)/kernel/%.o: %.asm
	@mkdir -p $(@D)
	$(call say,NASM,$<)
	$(Q)nasm $(KASFLAGS) -MD $(@:.o=.d) -MP -o $@ $<
$(BUILD)/kernel/%.o: $(BUILD)/kernel/%.asm
	$(call say,NASM,$<)
	$(Q)nasm $(KASFLAGS) -o $@ $<

# Two links: the first with an empty symbol table, whose functions are then
# listed into .ksymtab for the second.  .ksymtab is the image's last section,
# so filling it moves no function (checked by tools/check-symtab).
$(BUILD)/kernel/symtab-empty.asm: tools/gen-symtab
	@mkdir -p $(@D)
	$(Q)tools/gen-symtab --empty $@
$(BUILD)/kernel/stage1.elf: $(KERNEL_OBJS) $(BUILD)/kernel/symtab-empty.o linker.ld
	$(call say,LD,$@)
	$(Q)ld $(KLDFLAGS) -T linker.ld -o $@ $(KERNEL_OBJS) $(BUILD)/kernel/symtab-empty.o
$(BUILD)/kernel/symtab.asm: $(BUILD)/kernel/stage1.elf tools/gen-symtab
	$(call say,SYMTAB,$@)
	$(Q)tools/gen-symtab $< $@
$(BUILD)/kernel.elf: $(KERNEL_OBJS) $(BUILD)/kernel/symtab.o linker.ld
	$(call say,LD,$@)
	$(Q)ld $(KLDFLAGS) -T linker.ld -o $@ $(KERNEL_OBJS) $(BUILD)/kernel/symtab.o
	$(Q)tools/check-symtab $(BUILD)/kernel/stage1.elf $@

# The hybrid ISO: GRUB for BIOS (i386-pc) and UEFI (x86_64-efi), bootable from
# CD and, written raw, from a USB disk.
$(BUILD)/iommu-kernel.iso: $(BUILD)/kernel.elf boot/grub.cfg
	$(call say,ISO,$@)
	$(Q)rm -rf $(BUILD)/iso && mkdir -p $(BUILD)/iso/boot/grub
	$(Q)cp $(BUILD)/kernel.elf $(BUILD)/iso/boot/kernel.elf
	$(Q)cp boot/grub.cfg $(BUILD)/iso/boot/grub/grub.cfg
	$(Q)grub-mkrescue -o $@ $(BUILD)/iso 2>$(BUILD)/grub-mkrescue.log || \
		{ cat $(BUILD)/grub-mkrescue.log; exit 1; }

kernel: $(BUILD)/kernel.elf
iso: $(BUILD)/iommu-kernel.iso
all: deps-check $(BUILD)/kernel.elf $(BUILD)/iommu-kernel.iso $(HOST_TOOLS)
.PHONY: kernel iso all

# Every tool the build needs; installs them (as root) or says what to run.
deps-check:
	@tools/install-deps
.PHONY: deps-check

# --- the library: libiommu.a, the layer for a hypervisor to embed -------------------

# iommu/ and pool/ alone, freestanding, with the kernel's code generation.
# The include path is the proof that the layer needs nothing but the
# environment interface: plat/ (plat.h), plat/extern/ (the hot half as
# extern functions, the embedder's to define), plat/extern/libc/ (the four
# string functions GCC needs of any freestanding host) and the layer's own
# folders.  No kernel/, arch/ or mm/ header can be found from here.
#
# The code model is the one choice left to the embedder.  The kernel's
# -mcmodel=kernel places code and data in the top 2 GiB of the address space
# and so links only into a higher-half kernel or hypervisor
# (make lib LIB_MCMODEL=kernel); a program in the lower half, such as a
# user-space VMM or examples/embed, needs small.  With -fno-pic the objects
# hold absolute addresses: a hosted program links them with -no-pie.
LIB_MCMODEL ?= small
LIB_DIR     ?= $(BUILD)/lib
LIB_A       ?= $(BUILD)/libiommu.a
LIB_SRCS    := $(sort $(wildcard iommu/*.c pool/*.c))
LIB_OBJS    := $(LIB_SRCS:%.c=$(LIB_DIR)/obj/%.o)
# ar names members by file name only: two sources of one name would be one member.
ifneq ($(words $(LIB_SRCS)),$(words $(sort $(notdir $(LIB_SRCS)))))
$(error iommu/ and pool/ have two sources of one name; libiommu.a would lose one)
endif
LIB_CFLAGS  := -std=gnu11 -O2 -g $(WARN) -ffreestanding -nostdinc \
               -isystem $(shell $(KCC) -print-file-name=include) \
               -Iplat/extern/libc -Iplat/extern -Iplat -Ipool -Iiommu \
               -fno-stack-protector -fno-pic -fno-pie -mno-red-zone -mcmodel=$(LIB_MCMODEL) \
               -mgeneral-regs-only -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer \
               -fno-asynchronous-unwind-tables -fcf-protection=none -MMD -MP
# The public headers, installed flat so that plat.h finds plat_impl.h.
LIB_PUBLIC_HDRS := iommu/iommu.h iommu/iommu_dump.h pool/pool.h plat/plat.h plat/extern/plat_impl.h
LIB_INSTALLED   := $(addprefix $(LIB_DIR)/include/,$(notdir $(LIB_PUBLIC_HDRS)))

# Rewritten only when the flags change (another LIB_MCMODEL), so the objects
# are rebuilt then and only then.
$(LIB_DIR)/cflags: FORCE
	@mkdir -p $(@D)
	@echo '$(LIB_CFLAGS)' | cmp -s - $@ || echo '$(LIB_CFLAGS)' >$@

$(LIB_DIR)/obj/%.o: %.c $(LIB_DIR)/cflags
	@mkdir -p $(@D)
	$(call say,LIB-CC,$<)
	$(Q)$(KCC) $(LIB_CFLAGS) -c $< -o $@

$(LIB_A): $(LIB_OBJS)
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcsD $@ $^

$(LIB_DIR)/include/%.h: iommu/%.h
	@mkdir -p $(@D) && cp $< $@
$(LIB_DIR)/include/%.h: pool/%.h
	@mkdir -p $(@D) && cp $< $@
$(LIB_DIR)/include/%.h: plat/%.h
	@mkdir -p $(@D) && cp $< $@
$(LIB_DIR)/include/%.h: plat/extern/%.h
	@mkdir -p $(@D) && cp $< $@

lib: $(LIB_A) $(LIB_INSTALLED)
.PHONY: lib FORCE

# --- examples/embed: what a hypervisor does with libiommu ---------------------------

# A hosted program: its own environment (examples/embed/env.c) and the strict
# VT-d model standing for the hardware, linked with the archive as an
# embedder would, from the installed headers.  -Iiommu is there only for the
# model's vtd_regs.h.  Built plain and with ASan+UBSan (the library itself is
# not instrumented: it is freestanding).
EMBED_SRCS    := $(sort $(wildcard examples/embed/*.c)) $(MODEL_SRCS)
EXAMPLE_CFLAGS := -std=gnu11 -O1 -g $(WARN) -I$(LIB_DIR)/include -Itests/model -Iiommu \
                  -MMD -MP -pthread
EXAMPLES      := $(BUILD)/examples/embed $(BUILD)/examples/embed-asan

$(BUILD)/examples/obj/%.o: %.c | $(LIB_INSTALLED)
	@mkdir -p $(@D)
	$(call say,CC-EX,$<)
	$(Q)$(HOSTCC) $(EXAMPLE_CFLAGS) -c $< -o $@
$(BUILD)/examples/asan/%.o: %.c | $(LIB_INSTALLED)
	@mkdir -p $(@D)
	$(call say,CC-EX,$<)
	$(Q)$(HOSTCC) $(EXAMPLE_CFLAGS) $(ASAN_FLAGS) -c $< -o $@
$(BUILD)/examples/embed: $(EMBED_SRCS:%.c=$(BUILD)/examples/obj/%.o) $(LIB_A)
	$(call say,LD,$@)
	$(Q)$(HOSTCC) -no-pie -pthread $^ -o $@
$(BUILD)/examples/embed-asan: $(EMBED_SRCS:%.c=$(BUILD)/examples/asan/%.o) $(LIB_A)
	$(call say,LD,$@)
	$(Q)$(HOSTCC) -no-pie $(ASAN_FLAGS) -pthread $^ -o $@

# Build the example; check-examples also runs it (make check does, through
# tests/suites/examples.sh).
examples: $(EXAMPLES)
check-examples: $(EXAMPLES)
	$(BUILD)/examples/embed
	$(BUILD)/examples/embed-asan
.PHONY: examples check-examples

# --- the GNU-EFI direct loader and its GPT disk image ---------------------------

# boot/efi/ is a UEFI application: GNU-EFI's headers, crt0 and linker script,
# linked as a position-independent ELF, then converted to PE32+.
EFI_LIBDIR  ?= /usr/lib
EFI_INCDIR  ?= /usr/include/efi
EFI_CFLAGS  := -std=gnu11 -O2 $(WARN) -isystem $(EFI_INCDIR) -isystem $(EFI_INCDIR)/x86_64 \
               -fpic -fshort-wchar -mno-red-zone -ffreestanding -fno-stack-protector \
               -fno-strict-aliasing -DEFI_FUNCTION_WRAPPER -Iboot -MMD -MP
EFI_LDFLAGS := -nostdlib -shared -Bsymbolic --no-undefined -znocombreloc \
               -T $(EFI_LIBDIR)/elf_x86_64_efi.lds --no-warn-rwx-segments
EFI_OBJS    := $(patsubst boot/efi/%.c,$(BUILD)/efi/%.o,$(sort $(wildcard boot/efi/*.c))) \
               $(BUILD)/efi/enter.o
EFI_SECTIONS := .text .sdata .data .dynamic .dynsym .rel .rela .reloc

$(BUILD)/efi/%.o: boot/efi/%.c
	@mkdir -p $(@D)
	$(call say,EFI-CC,$<)
	$(Q)$(KCC) $(EFI_CFLAGS) -c $< -o $@
$(BUILD)/efi/enter.o: boot/efi/enter.asm
	@mkdir -p $(@D)
	$(call say,NASM,$<)
	$(Q)nasm $(KASFLAGS) -MD $(@:.o=.d) -MP -o $@ $<
$(BUILD)/efi/loader.so: $(EFI_OBJS)
	$(call say,EFI-LD,$@)
	$(Q)ld $(EFI_LDFLAGS) $(EFI_LIBDIR)/crt0-efi-x86_64.o $^ -L$(EFI_LIBDIR) -lefi -lgnuefi -o $@
$(BUILD)/efi/BOOTX64.EFI: $(BUILD)/efi/loader.so
	$(call say,PE,$@)
	$(Q)objcopy $(addprefix -j ,$(EFI_SECTIONS)) --target efi-app-x86_64 --subsystem=10 $< $@

# GPT disk: 1 MiB for the GPT, an EFI system partition (FAT, built by mtools
# without root or loop devices) holding EFI/BOOT/BOOTX64.EFI and
# boot/kernel.elf, and room for the backup GPT.  tools/qemu-run finds the
# partition through the GPT to add files to a copy of the image.
EFI_IMAGE     := $(BUILD)/iommu-kernel-efi.img
ESP_START     := 2048
ESP_SECTORS   := 30720
$(BUILD)/efi/esp.img: $(BUILD)/efi/BOOTX64.EFI $(BUILD)/kernel.elf
	$(call say,ESP,$@)
	$(Q)rm -f $@
	$(Q)mformat -i $@ -C -T $(ESP_SECTORS) -h 64 -s 32 -v IOMMU-EFI ::
	$(Q)mmd -i $@ ::/EFI ::/EFI/BOOT ::/boot
	$(Q)mcopy -i $@ $(BUILD)/efi/BOOTX64.EFI ::/EFI/BOOT/BOOTX64.EFI
	$(Q)mcopy -i $@ $(BUILD)/kernel.elf ::/boot/kernel.elf
$(EFI_IMAGE): $(BUILD)/efi/esp.img
	$(call say,GPT,$@)
	$(Q)rm -f $@ && truncate -s $$(( ($(ESP_START) * 2 + $(ESP_SECTORS)) * 512 )) $@
	$(Q)sgdisk -n 1:$(ESP_START):+$(ESP_SECTORS) -t 1:ef00 -c 1:"EFI system partition" $@ >/dev/null
	$(Q)dd if=$< of=$@ bs=512 seek=$(ESP_START) conv=notrunc status=none

efi: $(EFI_IMAGE)
all: $(EFI_IMAGE)
.PHONY: efi

# Broken kernels for the loader's error scenarios (tests/scenarios/efi.py),
# and an image whose loader the UEFI shell starts with load options: no
# EFI/BOOT/BOOTX64.EFI, so OVMF falls back to its shell, which runs startup.nsh.
efi-fixtures: $(BUILD)/fixtures/efi/.stamp $(BUILD)/fixtures/efi/shell.img
$(BUILD)/fixtures/efi/.stamp: tests/fixtures/efi/gen_bad_kernels.py $(BUILD)/kernel.elf
	@mkdir -p $(@D)
	python3 $< $(BUILD)/kernel.elf $(@D)
	@touch $@
$(BUILD)/fixtures/efi/shell.img: $(EFI_IMAGE) tests/fixtures/efi/startup.nsh
	@mkdir -p $(@D)
	$(call say,ESP,$@)
	$(Q)cp $< $@.tmp
	$(Q)mmove -i $@.tmp@@$$(( $(ESP_START) * 512 )) ::/EFI/BOOT/BOOTX64.EFI ::/iommu.efi
	$(Q)mcopy -i $@.tmp@@$$(( $(ESP_START) * 512 )) tests/fixtures/efi/startup.nsh ::/startup.nsh
	$(Q)mv $@.tmp $@
check: efi-fixtures
.PHONY: efi-fixtures

# --- running it -----------------------------------------------------------------

# make run [CMDLINE="test"] [UEFI=1 | EFI_DIRECT=1] [QEMU_ARGS="-smp 4"]
# From a terminal without CMDLINE, the kernel starts the serial shell.
RUN_DEVICES := -device intel-iommu -device edu
RUN_FW = $(if $(EFI_DIRECT),--efi-direct,$(if $(UEFI),--uefi,--bios))
QEMU_RUN_FLAGS = $(RUN_FW) $(if $(CMDLINE),--cmdline "$(CMDLINE)")
run: all
	@if [ -t 0 ]; then \
		tools/qemu-run --interactive $(RUN_FW) --cmdline "$(if $(CMDLINE),$(CMDLINE),shell)" \
			-- $(RUN_DEVICES) $(QEMU_ARGS); \
	else \
		tools/qemu-run --timeout $(QEMU_TIMEOUT) $(QEMU_RUN_FLAGS) -- $(RUN_DEVICES) $(QEMU_ARGS); \
	fi
.PHONY: run

# QEMU halted with a gdb stub; gdb loads build/kernel.elf and stops at kernel_entry.
debug: all
	tools/debug $(QEMU_RUN_FLAGS) -- $(RUN_DEVICES) $(QEMU_ARGS)
.PHONY: debug

# --- checks -------------------------------------------------------------------

# Every test: host unit tests (ASan+UBSan, TSan), QEMU scenarios, and the
# suites in tests/suites/.  Ends with one line "N passed, N failed".
check: all host-tests dmar-fixtures
	@tools/check
.PHONY: check

# Host unit tests alone (no QEMU): quick feedback while working on the core.
check-host: host-tests
	$(BUILD)/host/unit-tests
	$(BUILD)/host/unit-tests-tsan
.PHONY: check-host

# --- benchmarks ---------------------------------------------------------------

# The pool's peers, found at build time: each one present is built in with
# its flags, each one missing is a stub that names its Debian package, and
# the benchmark skips it (tools/install-deps installs them all).  mimalloc
# and jemalloc are not linked but loaded beside glibc's malloc at run time
# (tools/bench/peer_malloc.c says why); only their paths are passed.
# Recursive (=): pkg-config runs only when a benchmark is built.
bench_lib = $(realpath $(shell $(HOSTCC) -print-file-name=$(1)))
comma := ,
bench_pkg = $(shell pkg-config --exists $(1) 2>/dev/null && echo y)
PEER_DPDK_CFLAGS = $(if $(call bench_pkg,libdpdk),-DHAVE_PEER_DPDK \
                   $(patsubst -I%,-isystem %,$(shell pkg-config --cflags libdpdk)))
PEER_DPDK_LIBS   = $(if $(call bench_pkg,libdpdk),-lrte_eal -lrte_mempool \
                   -Wl$(comma)--no-as-needed -lrte_mempool_ring -lrte_mempool_stack -Wl$(comma)--as-needed)
PEER_CK_CFLAGS   = $(if $(call bench_pkg,ck),-DHAVE_PEER_CK)
PEER_MALLOC_CFLAGS = $(foreach l,mimalloc jemalloc,$(if $(call bench_lib,lib$(l).so),\
                     -DPEER_$(shell echo $(l) | tr a-z A-Z)_SO='"$(call bench_lib,lib$(l).so)"'))
PEER_CFLAGS_dpdk   = $(PEER_DPDK_CFLAGS)
PEER_CFLAGS_ck     = $(PEER_CK_CFLAGS)
PEER_CFLAGS_malloc = $(PEER_MALLOC_CFLAGS)

BENCH_PEER_SRCS := $(sort $(wildcard tools/bench/peer_*.c))
BENCH_POOL_SRCS := tools/bench/pool_bench.c tools/bench/bench_run.c $(sort $(wildcard pool/*.c)) $(HOST_PLAT_SRCS)
BENCH_POOL_OBJS := $(BENCH_POOL_SRCS:%.c=$(BUILD)/host/opt/%.o)

# What the peers were built with: rewritten only when that changes (a peer
# installed or removed), so their objects are rebuilt then and only then.
$(BUILD)/bench/peers.flags: FORCE
	@mkdir -p $(@D)
	@echo '$(PEER_DPDK_CFLAGS) $(PEER_DPDK_LIBS) $(PEER_CK_CFLAGS) $(PEER_MALLOC_CFLAGS)' | \
	  cmp -s - $@ || echo '$(PEER_DPDK_CFLAGS) $(PEER_DPDK_LIBS) $(PEER_CK_CFLAGS) $(PEER_MALLOC_CFLAGS)' >$@
FORCE:
.PHONY: FORCE

$(BUILD)/host/opt/tools/bench/peer_%.o: tools/bench/peer_%.c $(BUILD)/bench/peers.flags
	@mkdir -p $(@D)
	$(call say,CC-OPT,$<)
	$(Q)$(HOSTCC) -Itools/bench/host $(subst -O1,-O2,$(HOST_CFLAGS)) -DNDEBUG $(PEER_CFLAGS_$*) -c $< -o $@
# The same peers as stubs, as on a machine with none of them installed.
$(BUILD)/host/opt-nopeers/tools/bench/peer_%.o: tools/bench/peer_%.c
	@mkdir -p $(@D)
	$(call say,CC-OPT,$<)
	$(Q)$(HOSTCC) -Itools/bench/host $(subst -O1,-O2,$(HOST_CFLAGS)) -DNDEBUG -c $< -o $@

$(BUILD)/bench/pool-bench: $(BENCH_POOL_OBJS) $(BENCH_PEER_SRCS:%.c=$(BUILD)/host/opt/%.o)
	@mkdir -p $(@D)
	$(HOSTCC) -pthread $^ -o $@ -lm $(PEER_DPDK_LIBS)
# Built by tests/suites/bench-smoke.sh to check the skip path.
$(BUILD)/bench/pool-bench-nopeers: $(BENCH_POOL_OBJS) $(BENCH_PEER_SRCS:%.c=$(BUILD)/host/opt-nopeers/%.o)
	@mkdir -p $(@D)
	$(HOSTCC) -pthread $^ -o $@ -lm

# The pool beside DPDK's rte_mempool (ring and stack handlers, cache 64),
# mimalloc, jemalloc, glibc malloc, ck_stack, a mempool-policy baseline and
# a locked list; prints ns and ratios, writes build/bench/pool.json
# (docs/POOL.md has a table).  POOL_BENCH_ARGS=--quick: 3 short rounds.
bench-pool: $(BUILD)/bench/pool-bench
	$(BUILD)/bench/pool-bench $(POOL_BENCH_ARGS) $(BUILD)/bench/pool.json
.PHONY: bench-pool

BENCH_IOVA_SRCS := tools/bench/iova_bench.c tools/bench/bench_run.c $(sort $(wildcard pool/*.c) $(wildcard iommu/iova*.c)) \
                   $(HOST_PLAT_SRCS)

$(BUILD)/bench/iova-bench: $(BENCH_IOVA_SRCS:%.c=$(BUILD)/host/opt/%.o)
	@mkdir -p $(@D)
	$(HOSTCC) -pthread $^ -o $@

# The cached IOVA allocator against the range allocator alone, 10% and 90%
# full; prints ratios and writes build/bench/iova.json (docs/IOVA.md has a table).
bench-iova: $(BUILD)/bench/iova-bench
	$(BUILD)/bench/iova-bench $(BUILD)/bench/iova.json
.PHONY: bench-iova

# The layer's map/unmap path on the strict software VT-d unit: one 4 KiB
# map+unmap pair, strict invalidation, on 1 and 2 threads in one domain,
# beside the same calls under a domain-wide lock; prints the per-thread
# ratio 2 threads / 1 and writes build/bench/map.json (docs/BENCHMARKS.md).
BENCH_MAP_SRCS := tools/bench/map_bench.c tools/bench/bench_run.c $(PORTABLE_SRCS) \
                  $(HOST_LAYER_SRCS) $(HOST_PLAT_SRCS) $(MODEL_SRCS) tests/host/vtd_host.c \
                  tests/unit/host/iommu_fixture.c

$(BUILD)/bench/map-bench: $(BENCH_MAP_SRCS:%.c=$(BUILD)/host/opt/%.o)
	@mkdir -p $(@D)
	$(HOSTCC) -pthread $^ -o $@

bench-map: $(BUILD)/bench/map-bench
	$(BUILD)/bench/map-bench $(BUILD)/bench/map.json
.PHONY: bench-map

# The kernel's bench mode under QEMU on -smp 1 and -smp 4: table pages and
# IOVAs from the pool, a mempool policy and direct calls; prints the ratio
# table and writes build/bench/kernel.json (docs/BENCHMARKS.md).
# BENCH_ARGS: e.g. "--quick --smp 2" (what make check's smoke run uses) or "--kvm".
bench: all
	tools/kernel-bench $(BENCH_ARGS)
.PHONY: bench

# Linux 6.1's own intel-iommu beside this kernel's bench, in one run (about
# 4 minutes): Debian's kernel booted strict, lazy and with caching mode with
# the edu_dma_bench module, this kernel's bench on -smp 1 between them, then
# both under -icount; prints the side-by-side tables and ratios, writes
# build/bench/linux.json (docs/BENCHMARKS.md).  Skips with a message when
# linux-image-amd64 or linux-headers-amd64 is missing.
# BENCH_LINUX_ARGS: e.g. "--repeat 5", "--no-cm", "--trace" or "--profile".
bench-linux: all
	tools/bench-linux/run $(BENCH_LINUX_ARGS)
.PHONY: bench-linux

# The kernel's `bench trace` mode on -smp 4 (about 12 s): the page pool's free
# count (all, depot, per CPU), watermarks, source traffic and idle passes over
# bursts and idle gaps into build/bench/trace.dat, plotted with gnuplot into
# build/bench/pool-trace.png, one line per gap printed (docs/BENCHMARKS.md).
# TRACE_ARGS: e.g. "--smp 2" or "--kvm".
bench-trace: all
	tools/plot-trace $(TRACE_ARGS)
.PHONY: bench-trace

clean:
	rm -rf $(BUILD)
.PHONY: clean

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
