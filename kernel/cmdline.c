/*
 * cmdline.c - finds flags and key=value words in the kernel command line.
 * Portable (no kernel headers), so it is unit-tested on the host too.
 */
#include "cmdline.h"

#include <string.h>

/* Finds the last word whose key is 'key'; sets *val (NULL for a flag) and
 * *vlen.  Returns false when there is none. */
static bool find(const char *s, const char *key, const char **val, size_t *vlen)
{
	size_t klen = strlen(key);
	bool found = false;

	while (s && *s) {
		const char *w = s, *end;

		while (*w == ' ' || *w == '\t')
			w++;
		end = w;
		while (*end && *end != ' ' && *end != '\t')
			end++;
		if ((size_t)(end - w) >= klen && strncmp(w, key, klen) == 0 &&
		    (w + klen == end || w[klen] == '=')) {
			found = true;
			*val = w + klen == end ? NULL : w + klen + 1;
			*vlen = *val ? (size_t)(end - *val) : 0;
		}
		s = end;
	}
	return found;
}

bool cmdline_has(const char *cmdline, const char *key)
{
	const char *v;
	size_t n;

	return find(cmdline, key, &v, &n);
}

bool cmdline_get(const char *cmdline, const char *key, char *buf, size_t size)
{
	const char *v;
	size_t n;

	if (!size || !find(cmdline, key, &v, &n) || !v)
		return false;
	if (n >= size)
		n = size - 1;
	memcpy(buf, v, n);
	buf[n] = '\0';
	return true;
}
