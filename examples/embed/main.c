/*
 * main.c - what a hypervisor does with libiommu, as one program: bring the
 * layer up on a machine of its own (env.c: its memory, logger, interrupts;
 * a software VT-d unit standing for the hardware), give a VM a DMA domain
 * that maps guest-physical to host-physical memory in 2 MiB pages, assign it
 * a device, watch DMA land and fault, reassign the device to a second VM,
 * and tear everything down with nothing leaked.  docs/EMBEDDING.md walks
 * through it.  Exits 0 when every check held.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dmar_table.h"
#include "env.h"
#include "iommu.h"
#include "plat.h"
#include "vtd_model.h"

/* The machine: one remapping unit, and a NIC at 0000:01:00.0. */
#define UNIT_REG_BASE 0xFED90000ull
#define HOST_ADDRESS_WIDTH 46
#define NIC_BUS 1
#define NIC_DEV 0
#define NIC_FN 0
#define NIC_SID ((NIC_BUS << 8) | (NIC_DEV << 3) | NIC_FN) /* PCI requester id */

/* Each VM has 64 MiB of guest-physical memory in 2 MiB host chunks. */
#define GUEST_SIZE (64ull << 20)
#define GUEST_CHUNKS (GUEST_SIZE / ENV_CHUNK_SIZE)
#define TABLE_PAGES 2048u

struct vm {
	const char *name;
	struct iommu_domain *domain;
	uint64_t chunk[GUEST_CHUNKS]; /* host-physical address of each 2 MiB */
};

static struct vtd_model *unit;
static unsigned int checks, failures;

/* One check: a line saying what held, or what did not. */
static bool expect(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool expect(bool ok, const char *fmt, ...)
{
	va_list ap;

	checks++;
	failures += !ok;
	printf("    %s ", ok ? "ok:  " : "FAIL:");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return ok;
}

/* --- faults, as the layer reports them ----------------------------------------------- */

static struct {
	unsigned int count;
	struct iommu_fault last;
} seen;

/* Called by the layer from its MSI handler (interrupts off): note it only. */
static void on_fault(void *arg, const struct iommu_fault *f)
{
	(void)arg;
	seen.count++;
	seen.last = *f;
}

/* --- bring-up -------------------------------------------------------------------------- */

/* The hardware: a strict unit that does not snoop the CPU's caches, so
 * every table update must be flushed (plat_cache_flush) before it is seen. */
static int machine_up(void)
{
	struct vtd_model_config cfg;

	if (env_init(TABLE_PAGES, 2 * GUEST_CHUNKS) != 0)
		return -1;
	vtd_model_config_default(&cfg);
	cfg.ecap &= ~VTD_MODEL_ECAP_C;
	cfg.haw = HOST_ADDRESS_WIDTH;
	cfg.mem_ok = env_mem_ok;
	cfg.event = env_model_event;
	if (vtd_model_create(&cfg, &unit) != 0)
		return -1;
	env_add_unit(UNIT_REG_BASE, unit);
	printf("embed: machine: %u MiB of guest memory at host-physical %#llx, "
	       "a VT-d unit at %#llx (not coherent), a NIC at 01:00.0\n",
	       (unsigned)(2 * GUEST_SIZE >> 20), ENV_PHYS_BASE, UNIT_REG_BASE);
	return 0;
}

/* The host's order: devices enumerated (nothing to do here: no bridges),
 * the DMAR bytes handed over, iommu_init, then the idle loop's work. */
static bool layer_up(void)
{
	static uint8_t dmar[64];
	struct iommu_dmar_table table = {dmar, dmar_table_build(dmar, sizeof(dmar),
							       UNIT_REG_BASE, HOST_ADDRESS_WIDTH)};
	struct iommu_options opt = {0};
	struct iommu_dmar_info info;
	struct iommu_unit_info u;
	int units;

	printf("embed: bring-up: a %zu-byte DMAR, iommu_init\n", table.len);
	units = iommu_init(&table, 1, &opt);
	/* The layer keeps what it resolved, not the bytes: they may go now. */
	memset(dmar, 0xff, sizeof(dmar));
	iommu_dmar_info(&info);
	expect(units == 1, "iommu_init: %d unit(s) translating", units);
	expect(info.sound && info.warnings == 0, "the DMAR parsed with no warning (%u)",
	       info.warnings);
	if (units != 1 || iommu_unit_info(0, &u) != 0)
		return false;
	printf("embed: unit 0 at %#llx: VER %#x CAP %#llx ECAP %#llx, %s invalidation\n",
	       (unsigned long long)u.reg_base, u.version, (unsigned long long)u.cap,
	       (unsigned long long)u.ecap, u.queued ? "queued" : "register-based");
	expect(iommu_unit_of(0, NIC_BUS, NIC_DEV, NIC_FN) == 0, "the NIC is behind unit 0");
	printf("embed: idle loop: iommu_background moved %u pages\n", env_idle());
	iommu_set_fault_handler(on_fault, NULL);
	return true;
}

/* --- a VM's DMA domain ------------------------------------------------------------------ */

/* Guest-physical [0, GUEST_SIZE) onto the VM's chunks, one 2 MiB map each. */
static bool vm_create(struct vm *vm, const char *name)
{
	uint64_t pa, size;
	int err;

	vm->name = name;
	if (!expect(iommu_domain_create(0, &vm->domain) == 0, "VM %s: a domain", name))
		return false;
	for (uint64_t i = 0; i < GUEST_CHUNKS; i++) {
		vm->chunk[i] = env_chunk_alloc();
		err = iommu_map(vm->domain, i * ENV_CHUNK_SIZE, vm->chunk[i], ENV_CHUNK_SIZE,
				IOMMU_READ | IOMMU_WRITE);
		if (err != 0)
			return expect(false, "VM %s: iommu_map of chunk %llu: %d", name,
				      (unsigned long long)i, err);
	}
	for (uint64_t i = 0; i < GUEST_CHUNKS; i++) {
		uint64_t gpa = i * ENV_CHUNK_SIZE + 0x1234;

		if (iommu_lookup(vm->domain, gpa, &pa, &size) != 0 ||
		    pa != vm->chunk[i] + 0x1234 || size != ENV_CHUNK_SIZE)
			return expect(false, "VM %s: guest %#llx looks up to %#llx in a %#llx page",
				      name, (unsigned long long)gpa, (unsigned long long)pa,
				      (unsigned long long)size);
	}
	expect(true, "VM %s: guest [0, %llu MiB) mapped to host %#llx.. in %llu 2 MiB leaves, "
	       "%llu table pages", name, (unsigned long long)(GUEST_SIZE >> 20),
	       (unsigned long long)vm->chunk[0], (unsigned long long)GUEST_CHUNKS,
	       (unsigned long long)iommu_domain_table_pages(vm->domain));
	return true;
}

static void vm_destroy(struct vm *vm)
{
	if (vm->domain)
		expect(iommu_domain_destroy(vm->domain) == 0, "VM %s: domain destroyed", vm->name);
	for (uint64_t i = 0; i < GUEST_CHUNKS; i++)
		if (vm->chunk[i])
			env_chunk_free(vm->chunk[i]);
}

/* What the CPU sees at a guest-physical address of the VM. */
static char *guest_mem(const struct vm *vm, uint64_t gpa)
{
	return env_phys(vm->chunk[gpa / ENV_CHUNK_SIZE] + gpa % ENV_CHUNK_SIZE);
}

/* The NIC writes 'msg' at guest-physical 'gpa': the unit's result. */
static int nic_dma_write(uint64_t gpa, const char *msg)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%s", msg);
	return vtd_model_dma(unit, NIC_SID, gpa, buf, sizeof(buf), true);
}

/* --- the scenario ----------------------------------------------------------------------- */

/* A write inside the guest lands in its memory; one past its end faults. */
static void dma_lands_and_faults(struct vm *a)
{
	const uint64_t gpa = 0x2345000, outside = GUEST_SIZE + 0x5000;
	int r;

	printf("embed: the NIC is VM A's: DMA\n");
	r = nic_dma_write(gpa, "packet for A");
	expect(r == 0 && strcmp(guest_mem(a, gpa), "packet for A") == 0,
	       "a write at guest %#llx landed in host memory at %#llx",
	       (unsigned long long)gpa, (unsigned long long)(a->chunk[gpa / ENV_CHUNK_SIZE] +
							     gpa % ENV_CHUNK_SIZE));
	r = nic_dma_write(outside, "stray");
	expect(r == VTD_MODEL_FR_WRITE, "a write at guest %#llx, outside the VM, was stopped "
	       "by the unit (%d)", (unsigned long long)outside, r);
	expect(seen.count == 1 && seen.last.reason == VTD_MODEL_FR_WRITE &&
	       seen.last.address == outside && !seen.last.is_read &&
	       seen.last.source_id == NIC_SID,
	       "the fault handler was told: source %02x:%02x.%x, %s at %#llx, reason %#x (%s)",
	       seen.last.source_id >> 8, (seen.last.source_id >> 3) & 31, seen.last.source_id & 7,
	       seen.last.is_read ? "read" : "write", (unsigned long long)seen.last.address,
	       seen.last.reason, iommu_fault_reason(seen.last.reason));
	expect(iommu_domain_faults(a->domain) == 1, "VM A's domain counts the fault");
}

/* After the move, the same guest address is B's memory, and A's is left alone. */
static void dma_follows_the_device(struct vm *a, struct vm *b)
{
	const uint64_t gpa = 0x2345000;
	int r;

	printf("embed: the NIC is reassigned to VM B\n");
	expect(iommu_attach(b->domain, 0, NIC_BUS, NIC_DEV, NIC_FN) == 0,
	       "iommu_attach moved it from A's domain to B's");
	r = nic_dma_write(gpa, "packet for B");
	expect(r == 0 && strcmp(guest_mem(b, gpa), "packet for B") == 0,
	       "a write at guest %#llx landed in VM B's memory", (unsigned long long)gpa);
	expect(strcmp(guest_mem(a, gpa), "packet for A") == 0,
	       "VM A's memory there still holds A's packet");
}

static void teardown(struct vm *a, struct vm *b)
{
	uint64_t faults = seen.count;
	int r;

	printf("embed: teardown\n");
	expect(iommu_detach(0, NIC_BUS, NIC_DEV, NIC_FN) == 0, "the NIC detached");
	r = nic_dma_write(0x1000, "after detach");
	expect(r != 0 && seen.count == faults + 1, "its DMA is blocked now (%d: %s)", r,
	       iommu_fault_reason((uint8_t)r));
	vm_destroy(a);
	vm_destroy(b);
	expect(iommu_shutdown() == 0, "iommu_shutdown");
}

/* Everything handed to the layer came back, and the unit saw no error. */
static void nothing_leaked(void)
{
	struct vtd_model_counters mc;
	struct env_counts c;

	vtd_model_counters(unit, &mc);
	env_counts(&c);
	expect(mc.violations == 0, "the unit saw no programming error (%llu; last: %s)",
	       (unsigned long long)mc.violations, vtd_model_last_violation(unit));
	expect(c.pages == 0 && c.heap == 0 && c.chunks == 0 && c.mmio_maps == 0 && c.msis == 0,
	       "nothing outstanding: %lld pages, %lld heap objects, %lld chunks, "
	       "%lld register mappings, %lld MSIs", (long long)c.pages, (long long)c.heap,
	       (long long)c.chunks, (long long)c.mmio_maps, (long long)c.msis);
	expect(c.log_errors == 0 && c.log_warnings == seen.count,
	       "the layer logged no error (%llu), and a warning for each of the %u faults (%llu)",
	       (unsigned long long)c.log_errors, seen.count, (unsigned long long)c.log_warnings);
	printf("embed: the layer used at most %llu pages, flushed %llu times, got %llu MSIs, "
	       "asked for idle time %llu times; the unit did %llu invalidation descriptors, "
	       "%llu write-backs\n",
	       (unsigned long long)c.pages_peak, (unsigned long long)c.flushes,
	       (unsigned long long)c.msi_sent, (unsigned long long)c.wakes,
	       (unsigned long long)mc.qi_desc, (unsigned long long)mc.writeback);
}

int main(void)
{
	static struct vm a, b;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (machine_up() != 0 || !layer_up()) {
		printf("embed: could not bring the layer up\n");
		return 1;
	}
	if (vm_create(&a, "A") && vm_create(&b, "B") &&
	    expect(iommu_attach(a.domain, 0, NIC_BUS, NIC_DEV, NIC_FN) == 0,
		   "the NIC assigned to VM A (iommu_attach)")) {
		printf("embed: idle loop: iommu_background moved %u pages\n", env_idle());
		dma_lands_and_faults(&a);
		dma_follows_the_device(&a, &b);
	}
	teardown(&a, &b);
	nothing_leaked();
	vtd_model_destroy(unit);
	env_remove_units();
	env_fini();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("embed: %u checks, %u failed, %.1f ms\n", checks, failures,
	       (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	return failures ? 1 : 0;
}
