/*
 * dump_capture.h - a sink for the layer's dumps (iommu_dump.h) that keeps
 * their text, for the host tests to search.
 */
#ifndef DUMP_CAPTURE_H
#define DUMP_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>

#include "iommu_dump.h"

#define CAPTURE_MAX 65536

struct capture {
	struct iommu_dump_sink sink;
	char text[CAPTURE_MAX];
	size_t len;
	unsigned int lines;
};

/* Empty c and point its sink at it. */
void capture_init(struct capture *c);
/* Whether the text holds this line (whole, without its "\n"); a
 * diagnostic with the text when not. */
bool capture_has_line(const struct capture *c, const char *line);
/* Whether some line starts with prefix; when it does, *rest is the rest. */
bool capture_line_starting(const struct capture *c, const char *prefix, const char **rest);
/* Whether the text holds s anywhere. */
bool capture_has(const struct capture *c, const char *s);

#endif /* DUMP_CAPTURE_H */
