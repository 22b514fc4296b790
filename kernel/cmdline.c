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

/* The word starting at or after *s; *s moves past it.  NULL at the end. */
static const char *next_word(const char **s, size_t *len)
{
	const char *w = *s, *end;

	while (*w == ' ' || *w == '\t')
		w++;
	if (!*w)
		return NULL;
	end = w;
	while (*end && *end != ' ' && *end != '\t')
		end++;
	*s = end;
	*len = (size_t)(end - w);
	return w;
}

static bool word_is(const char *w, size_t n, const char *s)
{
	return n == strlen(s) && strncmp(w, s, n) == 0;
}

bool cmdline_has_arg(const char *cmdline, const char *key, const char *arg)
{
	const char *s = cmdline, *w, *v;
	size_t n, vn;
	bool after_key = false;

	if (find(cmdline, key, &v, &vn) && v && word_is(v, vn, arg))
		return true;
	while (s && (w = next_word(&s, &n))) {
		if (after_key && word_is(w, n, arg))
			return true;
		after_key = word_is(w, n, key);
	}
	return false;
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
