/*
 * tsc.c - TSC frequency from CPUID leaf 0x15, the hypervisor timing leaf
 * 0x40000010, or, failing both, by timing 10 ms of PIT channel 2.
 */
#include "tsc.h"

#include "cpu.h"
#include "io.h"

#define PIT_HZ       1193182u
#define PIT_CH2      0x42
#define PIT_CMD      0x43
#define PORT_B       0x61      /* bit 0: channel 2 gate, bit 5: channel 2 out */
#define CAL_MS       10u

static uint64_t hz = 1000000000u;
/* ns = (cycles * mult) >> 32; mult = 10^9 * 2^32 / hz. */
static uint64_t mult = (uint64_t)1 << 32;

static void set_hz(uint64_t f)
{
	hz = f;
	mult = (1000000000ull << 32) / f;
}

/* Leaf 0x15: TSC = crystal * EBX / EAX; ECX is the crystal (0 if unknown). */
static uint64_t from_cpuid(void)
{
	struct cpuid_regs r = cpuid(0, 0);

	if (r.eax < 0x15)
		return 0;
	r = cpuid(0x15, 0);
	if (!r.eax || !r.ebx || !r.ecx)
		return 0;
	return (uint64_t)r.ecx * r.ebx / r.eax;
}

/* Leaf 0x40000010 (VMware/KVM timing leaf): EAX = TSC kHz. */
static uint64_t from_hypervisor(void)
{
	struct cpuid_regs r = cpuid(1, 0);

	if (!(r.ecx & (1u << 31)))
		return 0;
	r = cpuid(0x40000000, 0);
	if (r.eax < 0x40000010)
		return 0;
	r = cpuid(0x40000010, 0);
	return (uint64_t)r.eax * 1000u;
}

static uint64_t from_pit(void)
{
	uint16_t count = PIT_HZ / (1000 / CAL_MS);
	uint64_t start, end;
	uint32_t spins = 0;

	outb(PORT_B, (inb(PORT_B) & ~0x02u) | 0x01u); /* gate on, speaker off */
	outb(PIT_CMD, 0xB0);                           /* ch2, lo/hi, mode 0 */
	outb(PIT_CH2, count & 0xFF);
	outb(PIT_CH2, count >> 8);
	start = rdtsc();
	while (!(inb(PORT_B) & 0x20) && ++spins < 100000000u)
		;
	end = rdtsc();
	if (spins >= 100000000u)
		return 0;
	return (end - start) * (1000 / CAL_MS);
}

const char *tsc_calibrate(void)
{
	uint64_t f;

	if ((f = from_cpuid())) {
		set_hz(f);
		return "cpuid";
	}
	if ((f = from_hypervisor())) {
		set_hz(f);
		return "hypervisor";
	}
	if ((f = from_pit())) {
		set_hz(f);
		return "pit";
	}
	return "assumed 1 GHz";
}

uint64_t tsc_hz(void)
{
	return hz;
}

uint64_t tsc_to_ns(uint64_t cycles)
{
	return (uint64_t)(((unsigned __int128)cycles * mult) >> 32);
}
