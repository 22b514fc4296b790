/*
 * string.h (library) - the <string.h> of the freestanding libiommu.a build:
 * only the four functions GCC requires of every freestanding environment
 * (it emits calls to them for structure copies and clears even with
 * -ffreestanding), so the layer can use nothing an embedder might lack.
 * An embedder links its own (its libc's, or four small loops).
 *
 * Its own folder, not plat/extern/, so that a hosted program compiled with
 * -Iplat/extern still finds its C library's <string.h>.  Not installed with
 * the public headers.
 */
#ifndef PLAT_EXTERN_STRING_H
#define PLAT_EXTERN_STRING_H

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

#endif /* PLAT_EXTERN_STRING_H */
