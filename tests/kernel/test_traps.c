/*
 * test_traps.c - exceptions reach their handlers through the IDT, a handler
 * can resume after the faulting instruction, and backtraces can name
 * functions from the generated symbol table.
 */
#include "ksym.h"
#include "ktest.h"
#include "traps.h"

#include <string.h>

static int ud_seen;

static bool skip_ud2(struct trap_frame *f)
{
	ud_seen++;
	f->rip += 2; /* ud2 is 0F 0B */
	return true;
}

KTEST(traps_handler_resumes_after_ud2)
{
	trap_handler_fn old = trap_set_handler(6, skip_ud2);

	ud_seen = 0;
	__asm__ volatile("ud2");
	__asm__ volatile("ud2");
	trap_set_handler(6, old);
	KT_EXPECT_EQ(ud_seen, 2);
	KT_EXPECT(strcmp(trap_name(14), "#PF page fault") == 0);
}

static int fixup_seen;

/* A fixup in the manner of the EFI fault path: resume elsewhere, with RAX. */
static bool fixup_skip_ud2(struct trap_frame *f)
{
	if (f->vector != 6)
		return false;
	fixup_seen++;
	f->rip += 2;
	f->rax = 0x5eed;
	return true;
}

KTEST(traps_fault_fixup_takes_unhandled_exceptions)
{
	trap_handler_fn old_h = trap_set_handler(6, NULL);
	trap_handler_fn old_f = trap_set_fault_fixup(fixup_skip_ud2);
	uint64_t rax = 0;

	fixup_seen = 0;
	__asm__ volatile("xor %%eax, %%eax; ud2" : "=a"(rax));
	trap_set_fault_fixup(old_f);
	trap_set_handler(6, old_h);
	KT_EXPECT_EQ(fixup_seen, 1);
	KT_EXPECT_EQ(rax, 0x5eed);
}

void kernel_entry(uint32_t magic, uint32_t mbi_pa);

KTEST(traps_symbols_name_functions)
{
	uint64_t off = ~0ull;
	const char *name = ksym_lookup((uint64_t)(uintptr_t)&kernel_entry + 3, &off);

	KT_ASSERT(name != NULL);
	KT_EXPECT(strcmp(name, "kernel_entry") == 0);
	KT_EXPECT_EQ(off, 3);
	KT_EXPECT_EQ(ksym_address("kernel_entry"), (uint64_t)(uintptr_t)&kernel_entry);
	KT_EXPECT(ksym_count() > 100);
}
