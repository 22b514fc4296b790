/*
 * lapic.c - local APIC access [SDM 3A ch. 11].  Registers are named by
 * their xAPIC MMIO offset; in x2APIC mode register R is MSR 0x800 + R/16,
 * and the ICR is one 64-bit MSR with the destination in bits 63:32.
 */
#include "lapic.h"

#include "cpu.h"
#include "io.h"
#include "mm.h"
#include "printk.h"
#include "tsc.h"

#define MSR_APIC_BASE   0x1Bu
#define APIC_BASE_EXTD  (1u << 10) /* x2APIC mode */
#define APIC_BASE_EN    (1u << 11)

#define REG_ID        0x020
#define REG_TPR       0x080
#define REG_EOI       0x0B0
#define REG_SVR       0x0F0
#define REG_ICR_LO    0x300
#define REG_ICR_HI    0x310
#define REG_LVT_TIMER 0x320
#define REG_LVT_LINT0 0x350
#define REG_LVT_LINT1 0x360
#define REG_TIMER_INIT 0x380
#define REG_TIMER_CUR 0x390
#define REG_TIMER_DIV 0x3E0

#define SVR_ENABLE       (1u << 8)
#define ICR_PENDING      (1u << 12) /* xAPIC delivery status */
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_ALL_BUT_SELF (3u << 18)
#define LVT_MASKED       (1u << 16)
#define LVT_PERIODIC     (1u << 17)
#define TIMER_DIV_16     0x3u

static bool x2;
static volatile uint8_t *mmio;
static uint64_t timer_hz; /* timer ticks per second at divide-by-16 */

static uint32_t rd(uint32_t reg)
{
	return x2 ? (uint32_t)rdmsr(0x800 + (reg >> 4)) : mmio_read32(mmio + reg);
}

static void wr(uint32_t reg, uint32_t v)
{
	if (x2)
		wrmsr(0x800 + (reg >> 4), v);
	else
		mmio_write32(mmio + reg, v);
}

bool lapic_x2apic(void)
{
	return x2;
}

uint32_t lapic_id(void)
{
	return x2 ? rd(REG_ID) : rd(REG_ID) >> 24;
}

void lapic_eoi(void)
{
	wr(REG_EOI, 0);
}

void lapic_init_cpu(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE) | APIC_BASE_EN;

	if (x2)
		base |= APIC_BASE_EXTD;
	wrmsr(MSR_APIC_BASE, base);
	wr(REG_TPR, 0);
	wr(REG_LVT_TIMER, LVT_MASKED);
	wr(REG_SVR, SVR_ENABLE | VEC_SPURIOUS);
}

/* Count timer ticks over 10 ms of TSC time. */
static void calibrate_timer(void)
{
	uint64_t start, wait = tsc_hz() / 100;
	uint32_t left;

	wr(REG_TIMER_DIV, TIMER_DIV_16);
	wr(REG_LVT_TIMER, LVT_MASKED);
	wr(REG_TIMER_INIT, 0xFFFFFFFFu);
	start = rdtsc();
	while (rdtsc() - start < wait)
		cpu_pause();
	left = rd(REG_TIMER_CUR);
	wr(REG_TIMER_INIT, 0);
	timer_hz = (uint64_t)(0xFFFFFFFFu - left) * 100;
}

bool lapic_init_boot(uint64_t madt_lapic_address)
{
	if (!(cpuid(1, 0).edx & (1u << 9))) {
		pr_err("lapic: this CPU has no local APIC\n");
		return false;
	}
	x2 = cpuid(1, 0).ecx & (1u << 21);
	if (!x2) {
		uint64_t pa = madt_lapic_address ? madt_lapic_address
						 : rdmsr(MSR_APIC_BASE) & ~0xFFFull;

		mmio = mmio_map(pa, 0x1000);
		if (!mmio) {
			pr_err("lapic: cannot map the xAPIC page at %#llx\n", (unsigned long long)pa);
			return false;
		}
	}
	lapic_init_cpu();
	calibrate_timer();
	pr_info("lapic: %s mode, boot CPU APIC id %u, timer %llu kHz\n", x2 ? "x2APIC" : "xAPIC",
		lapic_id(), (unsigned long long)(timer_hz / 1000));
	return true;
}

static bool wait_icr_idle(void)
{
	uint64_t start = rdtsc(), limit = tsc_hz() / 100; /* 10 ms */

	if (x2)
		return true; /* x2APIC ICR writes are not pending-tracked */
	while (rd(REG_ICR_LO) & ICR_PENDING)
		if (rdtsc() - start > limit)
			return false;
	return true;
}

/* Interrupts off throughout: an xAPIC ICR takes two writes, and a handler
 * sending an IPI between them would change the destination of ours. */
static bool send(uint32_t dest, uint32_t lo)
{
	uint64_t f = read_rflags();
	bool ok;

	cpu_cli();
	ok = wait_icr_idle();
	if (ok && x2) {
		wrmsr(0x830, ((uint64_t)dest << 32) | lo);
	} else if (ok) {
		wr(REG_ICR_HI, dest << 24);
		wr(REG_ICR_LO, lo);
	}
	ok = ok && wait_icr_idle();
	if (f & RFLAGS_IF)
		cpu_sti();
	return ok;
}

bool lapic_send_ipi(uint32_t apic_id, uint32_t mode_and_vector)
{
	uint32_t lo = mode_and_vector;

	if ((mode_and_vector & 0x700u) == ICR_INIT)
		lo |= ICR_LEVEL_ASSERT;
	return send(apic_id, lo);
}

bool lapic_send_ipi_all_others(uint32_t mode_and_vector)
{
	return send(0, mode_and_vector | ICR_ALL_BUT_SELF);
}

uint64_t lapic_timer_hz(void)
{
	return timer_hz;
}

void lapic_timer_periodic(uint32_t hz)
{
	wr(REG_TIMER_DIV, TIMER_DIV_16);
	wr(REG_LVT_TIMER, VEC_TIMER | LVT_PERIODIC);
	wr(REG_TIMER_INIT, (uint32_t)(timer_hz / hz ? timer_hz / hz : 1));
}

void lapic_timer_oneshot(uint64_t ns)
{
	uint64_t ticks = timer_hz * ns / 1000000000u;

	wr(REG_TIMER_DIV, TIMER_DIV_16);
	wr(REG_LVT_TIMER, VEC_TIMER);
	wr(REG_TIMER_INIT, ticks == 0 ? 1 : ticks > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)ticks);
}

void lapic_timer_stop(void)
{
	wr(REG_LVT_TIMER, LVT_MASKED);
	wr(REG_TIMER_INIT, 0);
}
