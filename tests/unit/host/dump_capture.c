/*
 * dump_capture.c - the host tests' sink for the layer's dumps: lines
 * formatted with libc's vsnprintf into one buffer.
 */
#include "dump_capture.h"

#include <stdio.h>
#include <string.h>

static void capture_line(void *arg, const char *fmt, va_list ap)
{
	struct capture *c = arg;
	int n = vsnprintf(c->text + c->len, CAPTURE_MAX - c->len, fmt, ap);

	if (n > 0)
		c->len += (size_t)n < CAPTURE_MAX - c->len ? (size_t)n : CAPTURE_MAX - 1 - c->len;
	c->lines++;
}

void capture_init(struct capture *c)
{
	c->sink = (struct iommu_dump_sink){capture_line, c};
	c->text[0] = 0;
	c->len = 0;
	c->lines = 0;
}

bool capture_line_starting(const struct capture *c, const char *prefix, const char **rest)
{
	size_t n = strlen(prefix);

	for (const char *p = c->text; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p))
		if (!strncmp(p, prefix, n)) {
			if (rest)
				*rest = p + n;
			return true;
		}
	return false;
}

bool capture_has_line(const struct capture *c, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = c->text; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p))
		if (!strncmp(p, line, n) && (p[n] == '\n' || !p[n]))
			return true;
	printf("# no line \"%s\" in:\n%s", line, c->text);
	return false;
}

bool capture_has(const struct capture *c, const char *s)
{
	if (strstr(c->text, s))
		return true;
	printf("# no \"%s\" in:\n%s", s, c->text);
	return false;
}
