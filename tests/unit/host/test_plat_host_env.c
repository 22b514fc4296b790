/*
 * test_plat_host_env.c - the host environment's stand-ins for devices
 * (plat_host.h): register windows, write-back hooks and the skip switch,
 * MSIs delivered at once or when the thread turns interrupts back on,
 * bridges and RAM ranges, calls on every CPU, the cycle rate.
 */
#include <stdatomic.h>

#include "ktest.h"
#include "plat.h"
#include "plat_host.h"

#define WIN 0xFEB00000ull

struct regs {
	uint32_t r32[16];
	uint32_t writes;
};

static uint32_t rd32(void *arg, uint64_t off) { return ((struct regs *)arg)->r32[off / 4]; }
static uint64_t rd64(void *arg, uint64_t off)
{
	struct regs *r = arg;

	return r->r32[off / 4] | (uint64_t)r->r32[off / 4 + 1] << 32;
}
static void wr32(void *arg, uint64_t off, uint32_t v)
{
	struct regs *r = arg;

	r->r32[off / 4] = v;
	r->writes++;
}
static void wr64(void *arg, uint64_t off, uint64_t v)
{
	wr32(arg, off, (uint32_t)v);
	wr32(arg, off + 4, (uint32_t)(v >> 32));
}

static const struct plat_host_mmio_ops ops = {rd32, rd64, wr32, wr64};

KTEST(plat_host_mmio_window)
{
	struct regs r = {{0}, 0};
	volatile uint8_t *p;

	KT_ASSERT_EQ(plat_host_mmio_add(WIN, 64, &ops, &r), 0);
	KT_EXPECT_EQ(plat_host_mmio_add(WIN + 32, 64, &ops, &r), -1); /* overlaps */
	KT_EXPECT(plat_mmio_map(WIN + 0x1000, 4) == NULL);           /* no device */
	KT_EXPECT(plat_mmio_map(WIN + 32, 64) == NULL);              /* runs past */
	p = plat_mmio_map(WIN, 64);
	KT_ASSERT(p != NULL);
	KT_EXPECT_EQ(plat_host_mmio_mapped(), 1);
	plat_mmio_write32(p + 8, 0x1234);
	plat_mmio_write64(p + 16, 0xAABBCCDD11223344ull);
	KT_EXPECT_EQ(r.r32[2], 0x1234);
	KT_EXPECT_EQ(plat_mmio_read32(p + 16), 0x11223344);
	KT_EXPECT_EQ(plat_mmio_read64(p + 16), 0xAABBCCDD11223344ull);
	KT_EXPECT_EQ(r.writes, 3);
	plat_mmio_unmap(p, 64);
	KT_EXPECT_EQ(plat_host_mmio_mapped(), 0);
	plat_host_mmio_remove(WIN);
}

struct flushed {
	uint32_t calls;
	size_t last_len;
};

static void on_flush(void *arg, const void *p, size_t len)
{
	struct flushed *f = arg;

	(void)p;
	f->calls++;
	f->last_len = len;
}

KTEST(plat_host_flush_hooks_and_skip)
{
	struct flushed f = {0, 0};
	uint8_t buf[128];
	uint64_t skipped = plat_host_flushes_skipped();

	KT_ASSERT_EQ(plat_host_flush_hook_add(on_flush, &f), 0);
	plat_cache_flush(buf, 64);
	KT_EXPECT_EQ(f.calls, 1);
	plat_host_skip_flush(2); /* the second from now */
	plat_cache_flush(buf, 8);
	plat_cache_flush(buf, 16);
	plat_cache_flush(buf, 32);
	KT_EXPECT_EQ(f.calls, 3);
	KT_EXPECT_EQ(f.last_len, 32);
	KT_EXPECT_EQ(plat_host_flushes_skipped(), skipped + 1);
	plat_host_flush_hook_remove(on_flush, &f);
	plat_cache_flush(buf, 64);
	KT_EXPECT_EQ(f.calls, 3);
}

struct msi_seen {
	uint32_t calls, irq_off;
};

static void on_msi(void *arg)
{
	struct msi_seen *s = arg;

	s->calls++;
	s->irq_off += !plat_irq_enabled();
}

KTEST(plat_host_msi_now_or_at_irq_restore)
{
	struct msi_seen s = {0, 0};
	struct plat_msi m;
	uint64_t irq;

	KT_ASSERT_EQ(plat_msi_connect(on_msi, &s, &m), 0);
	KT_EXPECT_EQ(m.address & 0xFFF00000u, 0xFEE00000u);
	KT_EXPECT(plat_host_msi_send(m.address, m.data));
	KT_EXPECT_EQ(s.calls, 1);
	KT_EXPECT_EQ(s.irq_off, 1);
	/* Interrupts off: held until they are turned back on. */
	irq = plat_irq_save();
	KT_EXPECT(plat_host_msi_send(m.address, m.data));
	KT_EXPECT_EQ(s.calls, 1);
	plat_irq_restore(irq);
	KT_EXPECT_EQ(s.calls, 2);
	KT_EXPECT_EQ(s.irq_off, 2);
	plat_msi_disconnect(&m);
	KT_EXPECT(!plat_host_msi_send(m.address, m.data));
	KT_EXPECT_EQ(s.calls, 2);
	plat_host_msi_refuse(true);
	KT_EXPECT(plat_msi_connect(on_msi, &s, &m) != 0);
	plat_host_msi_refuse(false);
}

KTEST(plat_host_bridges_and_ram)
{
	uint8_t sec, sub;
	uint64_t b, e;

	KT_ASSERT_EQ(plat_host_pci_bridge_add(0, 0, 0x1C, 2, 5, 7), 0);
	KT_ASSERT_EQ(plat_pci_bridge_buses(0, 0, 0x1C, 2, &sec, &sub), 0);
	KT_EXPECT_EQ(sec, 5);
	KT_EXPECT_EQ(sub, 7);
	KT_EXPECT(plat_pci_bridge_buses(0, 0, 0x1C, 3, &sec, &sub) < 0);
	plat_host_pci_bridges_clear();
	KT_EXPECT(plat_pci_bridge_buses(0, 0, 0x1C, 2, &sec, &sub) < 0);
	KT_EXPECT(!plat_ram_range(0, &b, &e));
	KT_EXPECT_EQ(plat_host_ram_add(0x200000, 0x100000), -1);
	KT_EXPECT_EQ(plat_host_ram_add(0x100001, 0x200000), -1);
	KT_ASSERT_EQ(plat_host_ram_add(0x800000, 0x900000), 0);
	KT_ASSERT_EQ(plat_host_ram_add(0x100000, 0x200000), 0);
	KT_ASSERT(plat_ram_range(0, &b, &e));
	KT_EXPECT_EQ(b, 0x100000);
	KT_ASSERT(plat_ram_range(1, &b, &e));
	KT_EXPECT_EQ(e, 0x900000);
	KT_EXPECT(!plat_ram_range(2, &b, &e));
	plat_host_ram_clear();
}

static _Atomic uint64_t cpus_seen;
static _Atomic uint32_t cpus_irq_off;

static void note_cpu(void *arg)
{
	(void)arg;
	atomic_fetch_or(&cpus_seen, 1ull << plat_cpu_id());
	if (!plat_irq_enabled())
		atomic_fetch_add(&cpus_irq_off, 1);
}

KTEST(plat_host_each_cpu_declined_unless_allowed)
{
	uint32_t n = plat_cpu_count();

	atomic_store(&cpus_seen, 0);
	atomic_store(&cpus_irq_off, 0);
	KT_EXPECT(plat_run_on_each_cpu(note_cpu, NULL) < 0);
	KT_EXPECT_EQ(atomic_load(&cpus_seen), 0);
	plat_host_allow_each_cpu(true);
	KT_EXPECT_EQ(plat_run_on_each_cpu(note_cpu, NULL), 0);
	plat_host_allow_each_cpu(false);
	KT_EXPECT_EQ(atomic_load(&cpus_seen), n >= 64 ? ~0ull : (1ull << n) - 1);
	KT_EXPECT_EQ(atomic_load(&cpus_irq_off), n - 1);
	KT_EXPECT_EQ(plat_cpu_id(), 0);
	KT_EXPECT(plat_irq_enabled());
}

KTEST(plat_host_cycle_hz_plausible)
{
	uint64_t hz = plat_cycle_hz();

	ktest_diag("plat_cycle_hz: %llu", (unsigned long long)hz);
	KT_EXPECT(hz > 10000000ull && hz < 100000000000ull);
	KT_EXPECT_EQ(plat_cycle_hz(), hz); /* calibrated once */
}
