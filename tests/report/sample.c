/*
 * sample.c - writes a report record made by the kernel's own encoder to
 * standard output, so that tools/report-decode can be checked against it
 * (tests/suites/report-decode.sh).
 */
#include <stdio.h>
#include <string.h>

#include "report_rec.h"

int main(void)
{
	static struct report_rec r;
	static uint8_t buf[REPORT_MAX_BYTES];
	int n;

	r.head.tsc = 0x123456789abcull;
	r.head.boot_count = 3;
	r.head.table_bugs = (1u << 4) | (1u << 12); /* drhd_base_duplicate, scope_empty_path */
	r.head.boot_path = REPORT_PATH_UEFI_GRUB;
	r.head.overall = REPORT_FAIL;
	r.head.unit_count = 2;
	r.head.units_total = 2;
	r.head.units_tested = 1;
	r.units[0] = (struct report_wire_unit){0xfed90000ull, 0xd2008c22260206ull, 0xf00f5eull,
					       0x10, 1u << 4, 0, 0x0018, REPORT_FAIL,
					       REPORT_R_NO_FAULT, REPORT_UNIT_ENABLED, 0};
	r.units[1] = (struct report_wire_unit){0xfed91000ull, 0, 0, 0, 0, 1, 0, REPORT_UNTESTED,
					       REPORT_R_NO_MASTER, REPORT_UNIT_INCLUDE_ALL, 0};
	n = report_rec_encode(&r, buf, sizeof(buf));
	if (n < 0 || fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
		return 1;
	return 0;
}
