/*
 * ksym.c - looks addresses up in the generated symbol table.
 *
 * .ksymtab layout (written by tools/gen-symtab, little endian):
 *   0   u64 magic "KSYMTAB1"
 *   8   u64 count
 *   16  count x { u64 address; u32 name offset; u32 size }, sorted by address
 *   ..  NUL-terminated names; offsets are from the start of this blob
 */
#include "ksym.h"

#include <stddef.h>
#include <string.h>

#define KSYM_MAGIC 0x3142415453594d4bull /* "KSYMTAB1" */

struct ksym_entry {
	uint64_t addr;
	uint32_t name;
	uint32_t size;
};
_Static_assert(sizeof(struct ksym_entry) == 16, "matches gen-symtab");

extern const uint8_t _ksymtab_start[], _ksymtab_end[];

static const struct ksym_entry *table(uint64_t *count)
{
	uint64_t magic, n;
	size_t len = (size_t)(_ksymtab_end - _ksymtab_start);

	*count = 0;
	if (len < 16)
		return NULL;
	memcpy(&magic, _ksymtab_start, 8);
	memcpy(&n, _ksymtab_start + 8, 8);
	if (magic != KSYM_MAGIC || n > (len - 16) / sizeof(struct ksym_entry))
		return NULL;
	*count = n;
	return (const struct ksym_entry *)(_ksymtab_start + 16);
}

static const char *name_of(const struct ksym_entry *e)
{
	size_t len = (size_t)(_ksymtab_end - _ksymtab_start);

	return e->name < len ? (const char *)_ksymtab_start + e->name : "?";
}

uint64_t ksym_count(void)
{
	uint64_t n;

	table(&n);
	return n;
}

const char *ksym_lookup(uint64_t addr, uint64_t *offset)
{
	uint64_t n, lo = 0, hi;
	const struct ksym_entry *t = table(&n);

	if (!t || n == 0 || addr < t[0].addr)
		return NULL;
	hi = n;
	while (hi - lo > 1) { /* last entry with t[i].addr <= addr */
		uint64_t mid = lo + (hi - lo) / 2;

		if (t[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (t[lo].size && addr >= t[lo].addr + t[lo].size)
		return NULL;
	*offset = addr - t[lo].addr;
	return name_of(&t[lo]);
}

uint64_t ksym_address(const char *name)
{
	uint64_t n;
	const struct ksym_entry *t = table(&n);

	for (uint64_t i = 0; t && i < n; i++)
		if (strcmp(name_of(&t[i]), name) == 0)
			return t[i].addr;
	return 0;
}
