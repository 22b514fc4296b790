/*
 * hwselftest.h - "selftest" on the command line: the machine's own NVMe and
 * AHCI controllers as DMA masters prove each remapping unit translates,
 * blocks and invalidates; a verdict per unit and one summary line.
 */
#ifndef KERNEL_HWSELFTEST_H
#define KERNEL_HWSELFTEST_H

#include "report_rec.h" /* the verdicts, as the kept report has them */

/*
 * Run the self-test on every remapping unit and print the verdicts, then
 * `selftest: verdict=<pass|fail|untested> units=<n> tested=<n>` and a large
 * summary on the framebuffer.  Returns the overall verdict.
 */
enum report_verdict hwselftest_run(void);

#endif /* KERNEL_HWSELFTEST_H */
