/*
 * efi_rt.c - UEFI runtime services in physical mode: the runtime regions
 * mapped at VA == PA, the tables checked, calls serialised and guarded.
 *
 * A call, with rt_lock held (interrupts off on this CPU):
 *
 *   idle --rt_call--> in_call (this CPU, firmware stack) --return--> idle
 *                        |
 *                        +-- exception with RIP in a runtime region or RSP
 *                            on the firmware stack --on_fault--> resume at
 *                            efi_call_resume with EFI_ABORTED; faulted: no
 *                            call is ever made again
 *
 * Everything handed to the firmware is at VA == PA: its code and data (the
 * EFI memory map's runtime descriptors), the stack it runs on and the
 * arguments, copied into one identity-mapped page, since firmware in
 * physical mode may take a pointer for a physical address.
 */
#include "efi_rt.h"

#include <string.h>

#include "cpu.h"
#include "layout.h"
#include "mm.h"
#include "paging.h"
#include "plat.h"
#include "printk.h"
#include "spinlock.h"
#include "traps.h"

/* What efi_call.asm reads; the offsets are written there too. */
struct efi_call {
	uint64_t fn;         /* +0 */
	uint64_t arg[5];     /* +8 */
	uint64_t stack_top;  /* +48 */
	uint64_t resume_rsp; /* +56 set by efi_call_guarded */
};
_Static_assert(offsetof(struct efi_call, stack_top) == 48, "efi_call.asm");
_Static_assert(offsetof(struct efi_call, resume_rsp) == 56, "efi_call.asm");

uint64_t efi_call_guarded(struct efi_call *c);
extern const uint8_t efi_call_resume[];

/* The firmware's stack: the spec asks 128 KiB of the caller at boot time
 * [UEFI 2.10 2.3.4]; runtime calls get the same. */
#define RT_STACK_ORDER 5
#define RT_STACK_SIZE  (PLAT_PAGE_SIZE << RT_STACK_ORDER)

/* The argument page: name, GUID, attributes and size words, then data. */
#define ARG_NAME  0     /* CHAR16[EFI_RT_NAME_MAX + 1] */
#define ARG_GUID  128
#define ARG_ATTR  144   /* UINT32 */
#define ARG_SIZE  152   /* UINTN */
#define ARG_DATA  512
_Static_assert(ARG_DATA + EFI_RT_DATA_MAX <= PLAT_PAGE_SIZE, "one argument page");

/* MXCSR and x87 control word the firmware may assume [UEFI 2.10 2.3.4.1]:
 * all exceptions masked, round to nearest. */
#define RT_MXCSR 0x1F80u

struct fx_area {
	uint8_t b[512];
} __attribute__((aligned(16)));

static struct {
	const struct bootinfo *bi;
	bool available;          /* tables sound, regions mapped, no fault yet */
	bool faulted;
	uint64_t get_variable;   /* copied from the runtime table at init */
	uint64_t set_variable;
	uint8_t *args;           /* the argument page (direct map), args_pa */
	uint64_t args_pa, stack_pa;
	struct efi_call call;
	_Atomic bool in_call;    /* a call runs on call_cpu */
	uint32_t call_cpu;
	struct fx_area fx;       /* the caller's FPU/SSE state during a call */
	uint64_t fault_vector, fault_rip, fault_cr2, fault_error;
} rt;
static struct spinlock rt_lock = SPINLOCK_INIT;

bool efi_rt_available(void)
{
	return rt.available;
}

/* --- setting up ---------------------------------------------------------- */

static uint32_t map_attrs(enum efi_map_kind k)
{
	switch (k) {
	case EFI_MAP_CODE: return MAP_WRITE | MAP_EXEC;
	case EFI_MAP_MMIO: return MAP_WRITE | MAP_UNCACHED;
	default: return MAP_WRITE;
	}
}

/* Map every runtime descriptor; false when one that is needed cannot be. */
static bool map_regions(const struct bootinfo *bi)
{
	struct bootinfo_efi_desc d;
	uint64_t kib[4] = {0};
	uint32_t n = 0;
	const char *why;

	for (uint32_t i = 0; bootinfo_efi_desc(bi, i, &d); i++) {
		enum efi_map_kind k = efi_map_kind_of(&d, &why);
		int err;

		if (why)
			pr_warn("efi: runtime descriptor %u at %#llx skipped: %s\n", i,
				(unsigned long long)d.phys, why);
		if (k == EFI_MAP_NONE)
			continue;
		err = mm_map_identity(d.phys, d.npages * PLAT_PAGE_SIZE, map_attrs(k));
		if (err) {
			pr_err("efi: cannot map runtime region %#llx (%llu pages): error %d\n",
			       (unsigned long long)d.phys, (unsigned long long)d.npages, err);
			return false;
		}
		kib[k] += d.npages * 4;
		n++;
	}
	pr_info("efi: %u runtime regions mapped at VA == PA: %llu KiB code, %llu KiB data, "
		"%llu KiB MMIO\n", n, (unsigned long long)kib[EFI_MAP_CODE],
		(unsigned long long)kib[EFI_MAP_DATA], (unsigned long long)kib[EFI_MAP_MMIO]);
	return n > 0;
}

static bool in_runtime_memory(uint64_t pa, uint64_t len)
{
	return efi_map_covers(rt.bi, pa, len, EFI_MAP_DATA) ||
	       efi_map_covers(rt.bi, pa, len, EFI_MAP_CODE);
}

/* A table header at pa, inside runtime memory, with this signature and at
 * least min_size bytes; its CRC is only reported (firmware updates the
 * system table at ExitBootServices, not always the CRC). */
static const void *check_table(uint64_t pa, uint64_t sig, uint32_t min_size, const char *what)
{
	const struct efi_table_header *h = (const void *)(uintptr_t)pa;

	if (!pa || !in_runtime_memory(pa, sizeof(*h))) {
		pr_err("efi: the %s at %#llx is not in runtime memory\n", what,
		       (unsigned long long)pa);
		return NULL;
	}
	if (h->signature != sig || h->header_size < min_size ||
	    !in_runtime_memory(pa, h->header_size)) {
		pr_err("efi: the %s at %#llx has signature %#llx and %u bytes; not usable\n", what,
		       (unsigned long long)pa, (unsigned long long)h->signature, h->header_size);
		return NULL;
	}
	pr_info("efi: %s at %#llx, revision %u.%u, %u bytes\n", what, (unsigned long long)pa,
		h->revision >> 16, h->revision & 0xFFFF, h->header_size);
	return h;
}

/* The firmware vendor string, CHAR16 cut to ASCII, when it is readable. */
static void print_vendor(const struct efi_system_table *st)
{
	char s[40];
	size_t n = 0;
	const uint16_t *w = (const uint16_t *)(uintptr_t)st->firmware_vendor;

	if (!st->firmware_vendor || !in_runtime_memory(st->firmware_vendor, sizeof(s) * 2))
		return;
	while (n + 1 < sizeof(s) && w[n] && w[n] < 0x80)
		s[n] = (char)w[n], n++;
	s[n] = '\0';
	pr_info("efi: firmware \"%s\" revision %#x\n", s, st->firmware_revision);
}

static bool check_tables(uint64_t systab)
{
	const struct efi_system_table *st;
	const struct efi_runtime_services *rs;

	st = check_table(systab, EFI_SYSTEM_TABLE_SIGNATURE, sizeof(*st), "system table");
	if (!st)
		return false;
	print_vendor(st);
	rs = check_table(st->runtime_services, EFI_RUNTIME_TABLE_SIGNATURE, EFI_RT_MIN_SIZE,
			 "runtime services table");
	if (!rs)
		return false;
	if (!efi_map_covers(rt.bi, rs->get_variable, 1, EFI_MAP_CODE) ||
	    !efi_map_covers(rt.bi, rs->set_variable, 1, EFI_MAP_CODE)) {
		pr_err("efi: GetVariable %#llx or SetVariable %#llx is not in runtime code\n",
		       (unsigned long long)rs->get_variable, (unsigned long long)rs->set_variable);
		return false;
	}
	rt.get_variable = rs->get_variable;
	rt.set_variable = rs->set_variable;
	return true;
}

/* The stack and the argument page, from RAM, also mapped at VA == PA. */
static bool alloc_call_memory(void)
{
	void *stack = pages_alloc(RT_STACK_ORDER), *args = page_alloc();

	if (!stack || !args) {
		pages_free(stack, RT_STACK_ORDER);
		page_free(args);
		return false;
	}
	rt.stack_pa = virt_to_phys(stack);
	rt.args_pa = virt_to_phys(args);
	rt.args = args;
	return mm_map_identity(rt.stack_pa, RT_STACK_SIZE, MAP_WRITE) == 0 &&
	       mm_map_identity(rt.args_pa, PLAT_PAGE_SIZE, MAP_WRITE) == 0;
}

static bool on_fault(struct trap_frame *f);

void efi_rt_init(const struct bootinfo *bi)
{
	rt.bi = bi;
	if (!bi->efi64_systab) {
		if (bi->efi32_systab)
			pr_warn("efi: a 32-bit EFI system table only: runtime services not used\n");
		else
			pr_info("efi: no EFI system table (a BIOS boot): no runtime services\n");
		return;
	}
	if (bi->efi_boot_services_active || !bi->efi_mmap_count) {
		pr_warn("efi: %s; runtime services are not used\n", bi->efi_mmap_count ?
			"boot services were not exited" : "the loader passed no EFI memory map");
		return;
	}
	if (!map_regions(bi) || !check_tables(bi->efi64_systab) || !alloc_call_memory()) {
		pr_err("efi: runtime services off\n");
		return;
	}
	trap_set_fault_fixup(on_fault);
	rt.available = true;
	pr_info("efi: runtime services on (physical mode), GetVariable %#llx SetVariable %#llx\n",
		(unsigned long long)rt.get_variable, (unsigned long long)rt.set_variable);
}

/* --- calling ------------------------------------------------------------- */

/* The firmware may use SSE and x87 [UEFI 2.10 2.3.4.1]: enable both on this
 * CPU (the kernel itself never uses them: -mgeneral-regs-only), keep the
 * caller's x87/SSE state, and give the firmware the state the spec promises.
 * AVX state (XSAVE) is not kept: nothing in the kernel uses it either. */
static void fpu_enter(void)
{
	write_cr0((read_cr0() & ~(uint64_t)(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE);
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	__asm__ volatile("fxsave64 %0" : "=m"(rt.fx));
	__asm__ volatile("fninit; ldmxcsr %0" : : "m"((uint32_t){RT_MXCSR}));
}

static void fpu_leave(void)
{
	__asm__ volatile("fxrstor64 %0" : : "m"(rt.fx));
}

/* One guarded call; rt_lock is held.  *faulted says the fault path ended it. */
static uint64_t rt_call(uint64_t fn, const uint64_t arg[5], bool *faulted)
{
	uint64_t st;

	rt.call.fn = fn;
	memcpy(rt.call.arg, arg, sizeof(rt.call.arg));
	rt.call.stack_top = rt.stack_pa + RT_STACK_SIZE;
	rt.call_cpu = plat_cpu_id();
	fpu_enter();
	/* Seen by on_fault on this same CPU: program order is enough, the
	 * atomic only keeps the compiler from moving it past the call. */
	atomic_store_explicit(&rt.in_call, true, memory_order_relaxed);
	st = efi_call_guarded(&rt.call);
	cpu_cli(); /* firmware that enabled interrupts does not get to leave them on */
	atomic_store_explicit(&rt.in_call, false, memory_order_relaxed);
	fpu_leave();
	*faulted = rt.faulted;
	return st;
}

static bool on_rt_stack(uint64_t rsp)
{
	return rsp > rt.stack_pa && rsp <= rt.stack_pa + RT_STACK_SIZE;
}

/* The fault fixup (traps.h): a fault of the firmware during our call. */
static bool on_fault(struct trap_frame *f)
{
	if (!atomic_load_explicit(&rt.in_call, memory_order_relaxed) ||
	    rt.call_cpu != plat_cpu_id())
		return false;
	if (!on_rt_stack(f->rsp) && !in_runtime_memory(f->rip, 1) &&
	    !efi_map_covers(rt.bi, f->rip, 1, EFI_MAP_MMIO))
		return false;
	rt.faulted = true;
	rt.available = false;
	rt.fault_vector = f->vector;
	rt.fault_rip = f->rip;
	rt.fault_error = f->error_code;
	rt.fault_cr2 = f->vector == 14 ? read_cr2() : 0;
	f->rip = (uint64_t)(uintptr_t)efi_call_resume;
	f->rsp = rt.call.resume_rsp;
	f->rax = EFI_ABORTED;
	f->rflags &= ~(uint64_t)(RFLAGS_DF | RFLAGS_AC);
	return true;
}

static void report_fault(const char *service)
{
	pr_err("efi: runtime services faulted (%s at %#llx, in %s); disabled\n",
	       trap_name(rt.fault_vector), (unsigned long long)rt.fault_rip, service);
	if (rt.fault_vector == 14)
		pr_err("efi:   page fault address %#llx, error code %#llx\n",
		       (unsigned long long)rt.fault_cr2, (unsigned long long)rt.fault_error);
}

static int status_to_err(uint64_t st)
{
	switch (st) {
	case EFI_SUCCESS: return 0;
	case EFI_NOT_FOUND: return EFI_RT_ENOENT;
	case EFI_BUFFER_TOO_SMALL: case EFI_OUT_OF_RESOURCES: return EFI_RT_ENOSPC;
	case EFI_INVALID_PARAMETER: return EFI_RT_EINVAL;
	case EFI_WRITE_PROTECTED: return EFI_RT_EROFS;
	case EFI_SECURITY_VIOLATION: return EFI_RT_EACCES;
	case EFI_UNSUPPORTED: return EFI_RT_EOPNOTSUPP;
	default: return EFI_RT_EIO;
	}
}

/* Name and GUID into the argument page; false when the name is too long. */
static bool put_name(const char *name, const struct efi_guid *guid)
{
	size_t n = strlen(name);
	uint16_t *w = (uint16_t *)(rt.args + ARG_NAME);

	if (n > EFI_RT_NAME_MAX)
		return false;
	for (size_t i = 0; i <= n; i++)
		w[i] = (uint8_t)name[i];
	memcpy(rt.args + ARG_GUID, guid, sizeof(*guid));
	return true;
}

static uint64_t arg_pa(uint32_t off)
{
	return rt.args_pa + off;
}

/* GetVariable with fn (the real one, or the fault test's bogus one). */
static int get_variable_via(uint64_t fn, const char *service, const char *name,
			    const struct efi_guid *guid, uint32_t *attrs, void *data, size_t *size)
{
	uint64_t f = spin_lock_irqsave(&rt_lock), st, room, got;
	const uint64_t a[5] = {arg_pa(ARG_NAME), arg_pa(ARG_GUID), arg_pa(ARG_ATTR),
			       arg_pa(ARG_SIZE), arg_pa(ARG_DATA)};
	bool faulted;
	int err = EFI_RT_ENODEV;

	if (!rt.available)
		goto out;
	err = EFI_RT_EINVAL;
	if (!put_name(name, guid))
		goto out;
	room = *size < EFI_RT_DATA_MAX ? *size : EFI_RT_DATA_MAX;
	memcpy(rt.args + ARG_SIZE, &room, sizeof(room));
	memset(rt.args + ARG_ATTR, 0, sizeof(uint32_t));
	st = rt_call(fn, a, &faulted);
	err = faulted ? EFI_RT_EFAULT : status_to_err(st);
	if (faulted)
		goto out;
	memcpy(&got, rt.args + ARG_SIZE, sizeof(got));
	if (err == 0 && got > room)
		err = EFI_RT_EIO; /* more than the room it was given: not to be trusted */
	if (err == 0)
		memcpy(data, rt.args + ARG_DATA, got);
	if (attrs)
		memcpy(attrs, rt.args + ARG_ATTR, sizeof(*attrs));
	if (err == 0 || err == EFI_RT_ENOSPC)
		*size = got;
out:
	spin_unlock_irqrestore(&rt_lock, f);
	if (err == EFI_RT_EFAULT)
		report_fault(service);
	return err;
}

int efi_get_variable(const char *name, const struct efi_guid *guid, uint32_t *attrs,
		     void *data, size_t *size)
{
	return get_variable_via(rt.get_variable, "GetVariable", name, guid, attrs, data, size);
}

int efi_set_variable(const char *name, const struct efi_guid *guid, uint32_t attrs,
		     const void *data, size_t size)
{
	uint64_t f = spin_lock_irqsave(&rt_lock), st;
	const uint64_t a[5] = {arg_pa(ARG_NAME), arg_pa(ARG_GUID), attrs, size, arg_pa(ARG_DATA)};
	bool faulted;
	int err = EFI_RT_ENODEV;

	if (!rt.available)
		goto out;
	err = EFI_RT_EINVAL;
	if (size > EFI_RT_DATA_MAX || !put_name(name, guid))
		goto out;
	if (size)
		memcpy(rt.args + ARG_DATA, data, size);
	st = rt_call(rt.set_variable, a, &faulted);
	err = faulted ? EFI_RT_EFAULT : status_to_err(st);
out:
	spin_unlock_irqrestore(&rt_lock, f);
	if (err == EFI_RT_EFAULT)
		report_fault("SetVariable");
	return err;
}

/* --- the fault test ------------------------------------------------------ */

/* The first runtime data region: executing it must fault (no-execute). */
static uint64_t first_data_region(void)
{
	struct bootinfo_efi_desc d;

	for (uint32_t i = 0; bootinfo_efi_desc(rt.bi, i, &d); i++)
		if (efi_map_kind_of(&d, NULL) == EFI_MAP_DATA)
			return d.phys;
	return 0;
}

/* Unmap every runtime MMIO region; returns the KiB unmapped. */
static uint64_t unmap_mmio(void)
{
	struct bootinfo_efi_desc d;
	uint64_t kib = 0;

	for (uint32_t i = 0; bootinfo_efi_desc(rt.bi, i, &d); i++)
		if (efi_map_kind_of(&d, NULL) == EFI_MAP_MMIO) {
			paging_unmap(d.phys, d.npages * PLAT_PAGE_SIZE);
			kib += d.npages * 4;
		}
	return kib;
}

static int fault_in_data(void)
{
	static const struct efi_guid zero;
	uint64_t bogus = first_data_region();
	uint8_t buf[8];
	size_t size = sizeof(buf);

	if (!bogus || !(rdmsr(MSR_EFER) & EFER_NXE)) {
		pr_warn("efi: fault test not run (%s)\n",
			!bogus ? "no runtime data region" : "no no-execute bit");
		return 0;
	}
	pr_info("efi: fault test: GetVariable through a copy of the runtime table aimed at "
		"runtime data %#llx\n", (unsigned long long)bogus);
	return get_variable_via(bogus, "GetVariable (fault test)", "IommuFaultTest", &zero, NULL,
				buf, &size);
}

static int fault_in_flash(void)
{
	static const struct efi_guid zero;
	static const uint8_t data[16] = "fault test";
	uint64_t kib = unmap_mmio();

	if (!kib) {
		pr_warn("efi: fault test not run (no runtime MMIO region)\n");
		return 0;
	}
	pr_info("efi: fault test: SetVariable with the %llu KiB of runtime MMIO unmapped\n",
		(unsigned long long)kib);
	return efi_set_variable("IommuFaultTest", &zero, EFI_VARIABLE_NON_VOLATILE |
				EFI_VARIABLE_BOOTSERVICE_ACCESS | EFI_VARIABLE_RUNTIME_ACCESS,
				data, sizeof(data));
}

void efi_rt_fault_test(const char *kind)
{
	int err;

	if (!rt.available) {
		pr_warn("efi: fault test not run (no runtime services)\n");
		return;
	}
	if (!kind[0] || strcmp(kind, "data") == 0) {
		err = fault_in_data();
	} else if (strcmp(kind, "flash") == 0) {
		err = fault_in_flash();
	} else {
		pr_warn("efi: fault test \"%s\" unknown (data, flash)\n", kind);
		return;
	}
	pr_info("efi: fault test: the call returned %d; runtime services %s\n", err,
		rt.available ? "still on (no fault was caught)" : "off");
}
