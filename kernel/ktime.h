/*
 * ktime.h - kernel time: nanoseconds since the kernel started, from the TSC.
 */
#ifndef KERNEL_KTIME_H
#define KERNEL_KTIME_H

#include <stdint.h>

/* Record the TSC at kernel entry as time zero. */
void time_mark_boot(void);
uint64_t time_since_boot_ns(void);

#endif /* KERNEL_KTIME_H */
