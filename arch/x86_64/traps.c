/*
 * traps.c - the IDT and the exception path: a fault nobody handles prints the
 * vector, error code, control registers, all registers and a symbolised
 * backtrace, then goes to panic (which halts, or in test mode leaves QEMU).
 */
#include "traps.h"

#include <stddef.h>

#include "cpu.h"
#include "gdt.h"
#include "ksym.h"
#include "panic.h"
#include "printk.h"

/* An IDT gate descriptor [SDM 3A 6.14.1, figure 6-8]. */
struct idt_gate {
	uint16_t offset_low;  /* 0 */
	uint16_t selector;    /* 2 */
	uint8_t ist;          /* 4: bits 0-2 */
	uint8_t type_attr;    /* 5: P, DPL, type */
	uint16_t offset_mid;  /* 6 */
	uint32_t offset_high; /* 8 */
	uint32_t reserved;    /* 12 */
} __attribute__((packed));
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gates are 16 bytes");

#define GATE_INTERRUPT 0x8E /* present, DPL 0, 64-bit interrupt gate */

extern const uint64_t isr_stub_table[256];

static struct idt_gate idt[256] __attribute__((aligned(16)));
static trap_handler_fn handlers[256];
static trap_handler_fn fault_fixup;
static bool idt_built;

static const char *const names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint",
	"#OF overflow", "#BR bound range", "#UD invalid opcode", "#NM device not available",
	"#DF double fault", "coprocessor segment overrun", "#TS invalid TSS", "#NP segment not present",
	"#SS stack fault", "#GP general protection", "#PF page fault", "reserved 15",
	"#MF x87 floating point", "#AC alignment check", "#MC machine check", "#XM SIMD floating point",
	"#VE virtualization", "#CP control protection", "reserved 22", "reserved 23",
	"reserved 24", "reserved 25", "reserved 26", "reserved 27",
	"#HV hypervisor injection", "#VC VMM communication", "#SX security", "reserved 31",
};

const char *trap_name(uint64_t vector)
{
	return vector < 32 ? names[vector] : "interrupt";
}

static void set_gate(uint8_t v, uint64_t addr, uint8_t ist)
{
	idt[v].offset_low = addr & 0xFFFF;
	idt[v].selector = GDT_KERNEL_CS;
	idt[v].ist = ist;
	idt[v].type_attr = GATE_INTERRUPT;
	idt[v].offset_mid = (addr >> 16) & 0xFFFF;
	idt[v].offset_high = addr >> 32;
	idt[v].reserved = 0;
}

static void build_idt(void)
{
	for (int v = 0; v < 256; v++)
		set_gate((uint8_t)v, isr_stub_table[v], 0);
	idt[2].ist = IST_NMI;
	idt[8].ist = IST_DOUBLE_FAULT;
	idt[18].ist = IST_MACHINE_CHECK;
	idt_built = true;
}

void idt_init_cpu(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) p = {sizeof(idt) - 1, (uint64_t)(uintptr_t)idt};

	if (!idt_built)
		build_idt();
	__asm__ volatile("lidt %0" : : "m"(p));
}

trap_handler_fn trap_set_handler(uint8_t vector, trap_handler_fn fn)
{
	trap_handler_fn old = handlers[vector];

	handlers[vector] = fn;
	return old;
}

trap_handler_fn trap_set_fault_fixup(trap_handler_fn fn)
{
	trap_handler_fn old = fault_fixup;

	fault_fixup = fn;
	return old;
}

static bool fixup_applies(uint64_t vector)
{
	return vector < 32 && vector != 2 && vector != 8 && vector != 18;
}

/* Page-fault error code bits [SDM 3A 4.7]. */
static void describe_page_fault(const struct trap_frame *f)
{
	uint64_t err = f->error_code, off = 0;
	const char *caller;

	kprintf("  page fault: %s access, %s page%s%s\n",
		err & 0x10 ? "instruction fetch" : err & 2 ? "write" : "read",
		err & 1 ? "protection violation on a present" : "not-present",
		err & 4 ? ", user mode" : "", err & 8 ? ", reserved bit set" : "");
	/* A fetch fault right after a call: the return address is on top of
	 * the stack and names the caller. */
	if ((err & 0x10) && f->rsp >= 0xFFFFFFFF80000000ull && !(f->rsp & 7)) {
		caller = ksym_lookup(*(const uint64_t *)f->rsp - 1, &off);
		if (caller)
			kprintf("  the fetch followed a call from %s+0x%llx\n", caller,
				(unsigned long long)(off + 1));
	}
}

static void dump_registers(const struct trap_frame *f)
{
	kprintf("  RIP %016llx  RSP %016llx  RFLAGS %016llx  CS %04llx SS %04llx\n",
		(unsigned long long)f->rip, (unsigned long long)f->rsp,
		(unsigned long long)f->rflags, (unsigned long long)f->cs, (unsigned long long)f->ss);
	kprintf("  CR0 %016llx  CR2 %016llx  CR3 %016llx  CR4 %016llx\n",
		(unsigned long long)read_cr0(), (unsigned long long)read_cr2(),
		(unsigned long long)read_cr3(), (unsigned long long)read_cr4());
	kprintf("  RAX %016llx  RBX %016llx  RCX %016llx  RDX %016llx\n",
		(unsigned long long)f->rax, (unsigned long long)f->rbx,
		(unsigned long long)f->rcx, (unsigned long long)f->rdx);
	kprintf("  RSI %016llx  RDI %016llx  RBP %016llx  R8  %016llx\n",
		(unsigned long long)f->rsi, (unsigned long long)f->rdi,
		(unsigned long long)f->rbp, (unsigned long long)f->r8);
	kprintf("  R9  %016llx  R10 %016llx  R11 %016llx  R12 %016llx\n",
		(unsigned long long)f->r9, (unsigned long long)f->r10,
		(unsigned long long)f->r11, (unsigned long long)f->r12);
	kprintf("  R13 %016llx  R14 %016llx  R15 %016llx\n",
		(unsigned long long)f->r13, (unsigned long long)f->r14, (unsigned long long)f->r15);
}

static _Noreturn void fatal_exception(const struct trap_frame *f)
{
	panic_begin();
	kprintf("\nFATAL EXCEPTION: vector %llu (%s), error code 0x%llx\n",
		(unsigned long long)f->vector, trap_name(f->vector),
		(unsigned long long)f->error_code);
	if (f->vector == 14)
		describe_page_fault(f);
	dump_registers(f);
	panic_backtrace(f->rip, f->rbp, false);
	panic_end("fatal exception");
}

void trap_dispatch(struct trap_frame *f);
void trap_dispatch(struct trap_frame *f)
{
	trap_handler_fn h = handlers[f->vector & 0xFF];

	if (h && h(f))
		return;
	if (fault_fixup && fixup_applies(f->vector) && fault_fixup(f))
		return;
	if (f->vector < 32)
		fatal_exception(f);
	printk(LOG_WARN, "unexpected interrupt vector %llu\n", (unsigned long long)f->vector);
}
