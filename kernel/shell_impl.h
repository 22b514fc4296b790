/*
 * shell_impl.h - private to kernel/shell*.c: the parsed command line, the
 * argument parsers every command uses, and the commands that act
 * (shell_act.c).
 */
#ifndef KERNEL_SHELL_IMPL_H
#define KERNEL_SHELL_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "iommu_dump.h"

#define SHELL_LINE_MAX 128
#define SHELL_ARGS_MAX 8

struct shell_args {
	uint32_t n;
	const char *v[SHELL_ARGS_MAX];
};

/* The sink that prints a dump's lines on every console. */
extern const struct iommu_dump_sink shell_sink;

/* A number: decimal, or hex after 0x.  false (and an error printed, naming
 * what) when it is not one. */
bool shell_number(const char *s, uint64_t *out, const char *what);
/* [SEG:]BUS:DEV.FN in hex; false and an error printed when malformed. */
bool shell_bdf(const char *s, uint16_t *seg, uint8_t *bus, uint8_t *dev, uint8_t *fn);
/* Print an error for a layer call that failed, with its name. */
void shell_error(const char *what, int err);

/* The acting commands (shell_act.c). */
void shell_cmd_domain(const struct shell_args *a);
void shell_cmd_attach(const struct shell_args *a);
void shell_cmd_detach(const struct shell_args *a);
void shell_cmd_map(const struct shell_args *a);
void shell_cmd_unmap(const struct shell_args *a);
void shell_cmd_dma(const struct shell_args *a);

#endif /* KERNEL_SHELL_IMPL_H */
