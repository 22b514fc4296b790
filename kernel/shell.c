/*
 * shell.c - the serial shell: reads lines from COM1 with editing
 * (backspace, Ctrl-U, the arrow keys through a short history), echoes on
 * every console as printk does, and runs the commands that look inside the
 * IOMMU (the layer's dumps, iommu/iommu_dump.h).  The commands that act on
 * it are in shell_act.c.
 */
#include "shell.h"

#include <stdarg.h>
#include <string.h>

#include "cpu.h"
#include "idle.h"
#include "iommu.h"
#include "iommu_dump.h"
#include "pci.h"
#include "printk.h"
#include "qemu_exit.h"
#include "serial.h"
#include "shell_impl.h"

static void sink_line(void *arg, const char *fmt, va_list ap)
{
	(void)arg;
	vkprintf(fmt, ap);
}

const struct iommu_dump_sink shell_sink = {sink_line, NULL};

void shell_error(const char *what, int err)
{
	static const struct { int err; const char *name; } names[] = {
		{IOMMU_ENOENT, "nothing there"}, {IOMMU_EIO, "the unit did not complete"},
		{IOMMU_ENOMEM, "out of memory or ids"}, {IOMMU_EBUSY, "still in use"},
		{IOMMU_EEXIST, "already mapped"}, {IOMMU_ENODEV, "no unit translates it"},
		{IOMMU_EINVAL, "bad argument"}, {IOMMU_ENOSPC, "no free IOVA range"},
	};
	const char *name = "error";

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].err == err)
			name = names[i].name;
	kprintf("error: %s: %s (%d)\n", what, name, err);
}

/* --- arguments --------------------------------------------------------------------- */

static int digit(char c, unsigned int base)
{
	int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
		: c >= 'A' && c <= 'F' ? c - 'A' + 10 : 99;

	return d < (int)base ? d : -1;
}

/* Digits of 'base' from s to its end, no sign, no overflow. */
static bool parse_digits(const char *s, unsigned int base, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		int d = digit(*s, base);

		if (d < 0 || v > (max - (uint64_t)d) / base)
			return false;
		v = v * base + (uint64_t)d;
	}
	*out = v;
	return true;
}

bool shell_number(const char *s, uint64_t *out, const char *what)
{
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');

	if (parse_digits(hex ? s + 2 : s, hex ? 16 : 10, UINT64_MAX, out))
		return true;
	kprintf("error: %s: '%s' is not a number (decimal, or hex after 0x)\n", what, s);
	return false;
}

/* One hex field of s up to 'end' (not included), at most max. */
static bool hex_field(const char *s, const char *end, uint64_t max, uint64_t *out)
{
	char buf[8];
	size_t n = (size_t)(end - s);

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = 0;
	return parse_digits(buf, 16, max, out);
}

bool shell_bdf(const char *s, uint16_t *seg, uint8_t *bus, uint8_t *dev, uint8_t *fn)
{
	const char *c1 = strchr(s, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	const char *b = s, *dot = strchr(s, '.');
	uint64_t vs = 0, vb, vd, vf;

	if (c2) { /* SEG:BUS:DEV.FN */
		if (!hex_field(s, c1, 0xFFFF, &vs))
			goto bad;
		b = c1 + 1;
		c1 = c2;
	}
	if (!c1 || !dot || dot < c1 || !hex_field(b, c1, 0xFF, &vb) ||
	    !hex_field(c1 + 1, dot, 31, &vd) || !parse_digits(dot + 1, 16, 7, &vf))
		goto bad;
	*seg = (uint16_t)vs;
	*bus = (uint8_t)vb;
	*dev = (uint8_t)vd;
	*fn = (uint8_t)vf;
	return true;
bad:
	kprintf("error: '%s' is not a PCI function: [SEG:]BUS:DEV.FN in hex, e.g. 00:03.0\n", s);
	return false;
}

static bool want_args(const struct shell_args *a, uint32_t min, uint32_t max, const char *usage)
{
	if (a->n >= min && a->n <= max)
		return true;
	kprintf("error: usage: %s\n", usage);
	return false;
}

/* --- looking ----------------------------------------------------------------------- */

static void cmd_units(const struct shell_args *a)
{
	struct iommu_dmar_info di;

	(void)a;
	iommu_dmar_info(&di);
	kprintf("DMAR: %s, %u DRHD%s, %u RMRR%s, host address width %u, %u firmware warning%s\n",
		di.found ? (di.sound ? "sound" : "malformed") : "none", di.drhd_count,
		di.drhd_count == 1 ? "" : "s", di.rmrr_count, di.rmrr_count == 1 ? "" : "s",
		di.host_address_width, di.warnings, di.warnings == 1 ? "" : "s");
	for (uint32_t i = 0; i < iommu_unit_count(); i++) {
		struct iommu_unit_info u;

		if (iommu_unit_info(i, &u) != 0)
			continue;
		kprintf("unit %u at %#llx, segment %u: version %u.%u, CAP %#018llx, ECAP %#018llx, "
			"%s, %s invalidation, %llu fault%s\n", i, (unsigned long long)u.reg_base,
			u.segment, u.version >> 4 & 15, u.version & 15, (unsigned long long)u.cap,
			(unsigned long long)u.ecap, u.translating ? "translating" : "not translating",
			u.queued ? "queued" : "register-based", (unsigned long long)u.faults,
			u.faults == 1 ? "" : "s");
	}
	if (!iommu_unit_count())
		kprintf("no remapping unit is up: DMA is not translated\n");
}

/* An optional unit number as the only argument: every unit when absent. */
static void for_units(const struct shell_args *a, const char *usage,
		      int (*fn)(uint32_t unit, uint32_t arg), uint32_t arg)
{
	uint64_t u = 0;

	if (!want_args(a, 1, 2, usage) || (a->n == 2 && !shell_number(a->v[1], &u, "unit")))
		return;
	if (a->n == 2 && u >= iommu_unit_count()) {
		kprintf("error: no unit %llu (there %s %u)\n", (unsigned long long)u,
			iommu_unit_count() == 1 ? "is" : "are", iommu_unit_count());
		return;
	}
	if (!iommu_unit_count())
		kprintf("no remapping unit is up\n");
	for (uint32_t i = a->n == 2 ? (uint32_t)u : 0; i < iommu_unit_count(); i++) {
		int err = fn(i, arg);

		if (err)
			shell_error(usage, err);
		if (a->n == 2)
			break;
	}
}

static int regs_one(uint32_t unit, uint32_t arg)
{
	(void)arg;
	return iommu_dump_regs(&shell_sink, unit);
}

static int qi_one(uint32_t unit, uint32_t n)
{
	return iommu_dump_qi(&shell_sink, unit, n);
}

static void cmd_regs(const struct shell_args *a)
{
	for_units(a, "regs [UNIT]", regs_one, 0);
}

static void cmd_qi(const struct shell_args *a)
{
	for_units(a, "qi [UNIT]", qi_one, 16);
}

static void cmd_devices(const struct shell_args *a)
{
	(void)a;
	for (uint32_t i = 0; i < pci_count(); i++) {
		const struct pci_dev *d = pci_at(i);
		const struct pci_bdf *b = &d->bdf;
		int unit = iommu_unit_of(b->seg, b->bus, b->dev, b->fn);
		int dom = unit < 0 ? unit : iommu_context_domain(b->seg, b->bus, b->dev, b->fn);

		kprintf("%04x:%02x:%02x.%x %04x:%04x class %06x: ", b->seg, b->bus, b->dev, b->fn,
			d->vendor, d->device, d->class_rev >> 8);
		if (unit < 0)
			kprintf("no unit translates it\n");
		else if (dom > 0)
			kprintf("unit %d, domain %d\n", unit, dom);
		else
			kprintf("unit %d, blocked (no domain)\n", unit);
	}
}

static void cmd_ctx(const struct shell_args *a)
{
	uint16_t seg;
	uint8_t bus, dev, fn;
	int err;

	if (!want_args(a, 2, 2, "ctx B:D.F") || !shell_bdf(a->v[1], &seg, &bus, &dev, &fn))
		return;
	if ((err = iommu_dump_context(&shell_sink, seg, bus, dev, fn)) != 0)
		shell_error("ctx", err);
}

static void cmd_walk(const struct shell_args *a)
{
	uint16_t seg;
	uint8_t bus, dev, fn;
	uint64_t iova;
	int err;

	if (!want_args(a, 3, 3, "walk B:D.F IOVA") || !shell_bdf(a->v[1], &seg, &bus, &dev, &fn) ||
	    !shell_number(a->v[2], &iova, "IOVA"))
		return;
	if ((err = iommu_dump_walk(&shell_sink, seg, bus, dev, fn, iova)) != 0)
		shell_error("walk", err);
}

/* DOMAIN as the only argument, to a dump of it. */
static void domain_dump(const struct shell_args *a, const char *usage,
			int (*fn)(const struct iommu_dump_sink *, uint16_t))
{
	uint64_t id;
	int err;

	if (!want_args(a, 2, 2, usage) || !shell_number(a->v[1], &id, "DOMAIN"))
		return;
	if (id == 0 || id > 0xFFFF || (err = fn(&shell_sink, (uint16_t)id)) == IOMMU_ENOENT)
		kprintf("error: no domain %s (domain new makes one)\n", a->v[1]);
	else if (err)
		shell_error(usage, err);
}

static void cmd_maps(const struct shell_args *a)
{
	domain_dump(a, "maps DOMAIN", iommu_dump_maps);
}

static void cmd_iova(const struct shell_args *a)
{
	domain_dump(a, "iova DOMAIN", iommu_dump_iova);
}

static void cmd_faults(const struct shell_args *a)
{
	uint64_t n = 8;

	if (!want_args(a, 1, 2, "faults [N]") || (a->n == 2 && !shell_number(a->v[1], &n, "N")))
		return;
	iommu_poll_faults(); /* records the unit holds and no interrupt has read yet */
	iommu_dump_faults(&shell_sink, n > IOMMU_FAULT_LOG ? IOMMU_FAULT_LOG : (uint32_t)n);
}

static void cmd_pool(const struct shell_args *a)
{
	(void)a;
	iommu_dump_pool(&shell_sink);
}

static void cmd_lat(const struct shell_args *a)
{
	(void)a;
	iommu_dump_latency(&shell_sink);
}

static void cmd_ir(const struct shell_args *a)
{
	(void)a;
	iommu_dump_ir(&shell_sink);
}

static void cmd_exit(const struct shell_args *a)
{
	(void)a;
	kprintf("shell: leaving QEMU\n");
	qemu_exit(QEMU_EXIT_PASS);
}

static void cmd_help(const struct shell_args *a);

struct command {
	const char *name, *args, *what;
	void (*fn)(const struct shell_args *a);
};

static const struct command commands[] = {
	{"help", "", "this list", cmd_help},
	{"units", "", "the DMAR and each remapping unit", cmd_units},
	{"regs", "[UNIT]", "a unit's registers, decoded", cmd_regs},
	{"devices", "", "each PCI function, with its unit and domain", cmd_devices},
	{"ctx", "B:D.F", "the root and context entries of a function", cmd_ctx},
	{"walk", "B:D.F IOVA", "the unit's page walk for a DMA to IOVA", cmd_walk},
	{"maps", "DOMAIN", "a domain's mappings, merged", cmd_maps},
	{"faults", "[N]", "the last N faults, and counts per function", cmd_faults},
	{"pool", "", "the page-table page pool, per CPU", cmd_pool},
	{"iova", "DOMAIN", "a domain's IOVA allocator, per CPU", cmd_iova},
	{"qi", "[UNIT]", "the invalidation queue's last descriptors", cmd_qi},
	{"lat", "", "invalidation latency per kind", cmd_lat},
	{"ir", "", "interrupt remapping: state and IRTEs", cmd_ir},
	{"domain", "new | del DOMAIN | list", "make, destroy or list the shell's domains",
	 shell_cmd_domain},
	{"attach", "DOMAIN B:D.F", "attach a function to a domain", shell_cmd_attach},
	{"detach", "B:D.F", "block a function again", shell_cmd_detach},
	{"map", "DOMAIN IOVA [PA] [r|w|rw]", "map a new page (or one given before) at IOVA",
	 shell_cmd_map},
	{"unmap", "DOMAIN IOVA", "unmap the page at IOVA", shell_cmd_unmap},
	{"dma", "read|write IOVA [LEN]", "the edu device reads or writes IOVA", shell_cmd_dma},
	{"exit", "", "leave QEMU", cmd_exit},
};

static void cmd_help(const struct shell_args *a)
{
	(void)a;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		kprintf("  %-7s %-26s %s\n", commands[i].name, commands[i].args, commands[i].what);
	kprintf("Numbers are decimal or 0x hex; B:D.F is hex, e.g. 00:03.0.\n");
}

/* Split the line in place at spaces and run its command. */
static void run_line(char *line)
{
	struct shell_args a = {0};
	char *p = line;

	while (*p) {
		while (*p == ' ' || *p == '\t')
			*p++ = 0;
		if (!*p)
			break;
		if (a.n == SHELL_ARGS_MAX) {
			kprintf("error: more than %u words\n", SHELL_ARGS_MAX);
			return;
		}
		a.v[a.n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	if (!a.n)
		return;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(a.v[0], commands[i].name)) {
			commands[i].fn(&a);
			return;
		}
	kprintf("error: no command '%s' (help lists them)\n", a.v[0]);
}

/* --- input ------------------------------------------------------------------------- */

#define HISTORY 8

struct editor {
	char line[SHELL_LINE_MAX];
	uint32_t len;
	char history[HISTORY][SHELL_LINE_MAX];
	uint32_t hist_n;   /* lines kept, the newest at (hist_n - 1) % HISTORY */
	uint32_t hist_at;  /* how far back the arrows went: 0 is the line being typed */
	int esc;           /* 0, or 1 after ESC, 2 after ESC [ */
	bool last_cr;      /* the last byte was CR: a LF right after it is the same Enter */
};

static struct editor ed;

/* The next byte from the serial port, running the idle work (the page
 * pool's refill) while none comes.  The UART is polled: the CPU halts until
 * the next interrupt (the 100 Hz tick at the latest). */
static char next_byte(void)
{
	int c;

	while ((c = serial_getc()) < 0) {
		if (idle_work_now(1) == 0)
			__asm__ volatile("sti; hlt" : : : "memory");
	}
	return (char)c;
}

static void replace_line(const char *with)
{
	while (ed.len) {
		kprintf("\b \b");
		ed.len--;
	}
	ed.len = (uint32_t)strlen(with);
	memcpy(ed.line, with, ed.len);
	kprintf("%.*s", (int)ed.len, ed.line);
}

/* Up (older) or down (newer) through the history. */
static void history_step(bool up)
{
	uint32_t kept = ed.hist_n < HISTORY ? ed.hist_n : HISTORY;

	if (up && ed.hist_at < kept)
		ed.hist_at++;
	else if (!up && ed.hist_at > 0)
		ed.hist_at--;
	else
		return;
	replace_line(ed.hist_at ? ed.history[(ed.hist_n - ed.hist_at) % HISTORY] : "");
}

/* One byte of an escape sequence; true while inside one. */
static bool escape(char c)
{
	if (ed.esc == 1) {
		ed.esc = c == '[' ? 2 : 0;
		return true;
	}
	if (ed.esc == 2) {
		ed.esc = 0;
		if (c == 'A' || c == 'B')
			history_step(c == 'A');
		return true;
	}
	if (c == 0x1B) {
		ed.esc = 1;
		return true;
	}
	return false;
}

/* Read one line, echoed, edited; returns it without the Enter. */
static char *read_line(void)
{
	ed.len = 0;
	ed.hist_at = 0;
	for (;;) {
		char c = next_byte();
		bool after_cr = ed.last_cr;

		ed.last_cr = c == '\r';
		if (escape(c))
			continue;
		if (c == '\n' && after_cr)
			continue;
		if (c == '\r' || c == '\n') {
			kprintf("\n");
			ed.line[ed.len] = 0;
			return ed.line;
		}
		if (c == 0x7F || c == '\b') {
			if (ed.len) {
				ed.len--;
				kprintf("\b \b");
			}
		} else if (c == 0x15) { /* Ctrl-U */
			replace_line("");
		} else if (c == 0x03) { /* Ctrl-C */
			kprintf("^C\n");
			ed.line[0] = 0;
			return ed.line;
		} else if ((unsigned char)c >= ' ' && (unsigned char)c < 0x7F &&
			   ed.len + 1 < SHELL_LINE_MAX) {
			ed.line[ed.len++] = c;
			kprintf("%c", c);
		}
	}
}

static void remember(const char *line)
{
	if (!line[0])
		return;
	if (ed.hist_n && !strcmp(ed.history[(ed.hist_n - 1) % HISTORY], line))
		return;
	memcpy(ed.history[ed.hist_n % HISTORY], line, strlen(line) + 1);
	ed.hist_n++;
}

_Noreturn void shell_run(void)
{
	kprintf("shell: %u remapping unit%s; type help for the commands\n", iommu_unit_count(),
		iommu_unit_count() == 1 ? "" : "s");
	for (;;) {
		char *line;

		kprintf("iommu> ");
		line = read_line();
		remember(line);
		run_line(line);
	}
}
