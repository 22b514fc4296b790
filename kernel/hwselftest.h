/*
 * hwselftest.h - "selftest" on the command line: the machine's own NVMe and
 * AHCI controllers as DMA masters prove each remapping unit translates,
 * blocks and invalidates; a verdict per unit and one summary line.
 */
#ifndef KERNEL_HWSELFTEST_H
#define KERNEL_HWSELFTEST_H

#include <stdint.h>

enum hwselftest_verdict {
	HWSELFTEST_NOT_RUN,
	HWSELFTEST_PASS,
	HWSELFTEST_FAIL,
	HWSELFTEST_UNTESTED, /* no supported master behind the unit */
};

/* Why a unit's verdict is what it is (the first step that decided it). */
enum hwselftest_reason {
	HWSELFTEST_OK,
	HWSELFTEST_NO_MASTER,      /* nothing supported behind the unit */
	HWSELFTEST_MASTER_DOWN,    /* masters found, none could be started */
	HWSELFTEST_SETUP,          /* domain, attach or map failed */
	HWSELFTEST_MAPPED_LOST,    /* the mapped buffer did not receive the data */
	HWSELFTEST_UNMAPPED_LANDED,/* DMA to an unmapped IOVA changed memory */
	HWSELFTEST_NO_FAULT,       /* DMA to an unmapped IOVA recorded no fault */
	HWSELFTEST_STALE_LANDED,   /* after unmap the old IOVA still reached memory */
	HWSELFTEST_STALE_NO_FAULT, /* after unmap the old IOVA recorded no fault */
};

struct hwselftest_unit {
	enum hwselftest_verdict verdict;
	enum hwselftest_reason reason;
	uint16_t master_sid;   /* bus << 8 | dev << 3 | fn of the master used */
	char master[8];        /* "NVMe", "AHCI" or "" */
	uint8_t fault_reason;  /* the unmapped DMA's fault reason code */
	uint32_t masters;      /* masters tested behind the unit */
};

/*
 * Run the self-test on every remapping unit and print the verdicts, then
 * `selftest: verdict=<pass|fail|untested> units=<n> tested=<n>` and a large
 * summary on the framebuffer.  Returns the overall verdict.
 */
enum hwselftest_verdict hwselftest_run(void);

/* Unit i's result after hwselftest_run (NULL past the last unit). */
const struct hwselftest_unit *hwselftest_unit(uint32_t i);

/* "pass", "fail", "untested" or "not run". */
const char *hwselftest_verdict_name(enum hwselftest_verdict v);

#endif /* KERNEL_HWSELFTEST_H */
