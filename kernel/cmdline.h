/*
 * cmdline.h - reading the kernel command line: space-separated words, each a
 * flag ("test") or a key=value pair ("loglevel=7"); the last one wins.
 */
#ifndef KERNEL_CMDLINE_H
#define KERNEL_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

/* True when 'key' appears as a flag or as key=value. */
bool cmdline_has(const char *cmdline, const char *key);
/* Copy the value of key=value into buf (NUL-terminated, truncated to size);
 * returns false when the key has no value or is absent. */
bool cmdline_get(const char *cmdline, const char *key, char *buf, size_t size);

/* True when the flag 'key' is followed by the word 'arg' ("selftest clear"),
 * or when key=arg appears ("selftest=clear"). */
bool cmdline_has_arg(const char *cmdline, const char *key, const char *arg);

#endif /* KERNEL_CMDLINE_H */
