/*
 * gdt.c - builds the GDT and TSS for each CPU [SDM 3A 3.4.5, 7.7].
 */
#include "gdt.h"

#include <stddef.h>
#include <string.h>

#include "plat.h"

#define IST_STACK_SIZE 8192
#define GDT_ENTRIES    5 /* null, code, data, TSS (two slots) */

/* The 64-bit TSS [SDM 3A 8.7, figure 8-11]. */
struct tss64 {
	uint32_t reserved0;   /* 0x00 */
	uint64_t rsp[3];      /* 0x04 */
	uint64_t reserved1;   /* 0x1C */
	uint64_t ist[7];      /* 0x24: ist[0] is IST1 */
	uint64_t reserved2;   /* 0x5C */
	uint16_t reserved3;   /* 0x64 */
	uint16_t iomap_base;  /* 0x66 */
} __attribute__((packed));
_Static_assert(sizeof(struct tss64) == 0x68, "TSS is 104 bytes");
_Static_assert(offsetof(struct tss64, ist) == 0x24, "IST1 at 0x24");

struct gdt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

struct cpu_tables {
	uint64_t gdt[GDT_ENTRIES];
	struct tss64 tss;
	uint8_t ist_stack[3][IST_STACK_SIZE] __attribute__((aligned(16)));
};

static struct cpu_tables tables[PLAT_MAX_CPUS] __attribute__((aligned(64)));

/* Access bytes: present, DPL 0, code (exec/read) or data (read/write); L=1. */
#define SEG_CODE64 0x00AF9A000000FFFFull
#define SEG_DATA   0x00CF92000000FFFFull

static void set_tss_descriptor(uint64_t *slot, const struct tss64 *tss)
{
	uint64_t base = (uint64_t)(uintptr_t)tss;
	uint64_t limit = sizeof(*tss) - 1;

	/* System descriptor, type 9 (available 64-bit TSS), present. */
	slot[0] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (0x89ull << 40) |
		  (((limit >> 16) & 0xF) << 48) | (((base >> 24) & 0xFF) << 56);
	slot[1] = base >> 32;
}

static void load(const struct cpu_tables *t)
{
	struct gdt_ptr p = {sizeof(t->gdt) - 1, (uint64_t)(uintptr_t)t->gdt};

	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw %w2, %%ds\n\t"
			 "movw %w2, %%es\n\t"
			 "movw %w2, %%ss\n\t"
			 "ltr %w3"
			 :
			 : "m"(p), "i"((uint64_t)GDT_KERNEL_CS), "r"(GDT_KERNEL_DS), "r"(GDT_TSS)
			 : "rax", "memory");
}

void gdt_init_cpu(uint32_t cpu)
{
	struct cpu_tables *t = &tables[cpu];

	memset(t, 0, sizeof(*t) - sizeof(t->ist_stack));
	t->gdt[1] = SEG_CODE64;
	t->gdt[2] = SEG_DATA;
	for (int i = 0; i < 3; i++)
		t->tss.ist[i] = (uint64_t)(uintptr_t)(t->ist_stack[i] + IST_STACK_SIZE);
	t->tss.iomap_base = sizeof(t->tss); /* no I/O permission bitmap */
	set_tss_descriptor(&t->gdt[3], &t->tss);
	load(t);
}
