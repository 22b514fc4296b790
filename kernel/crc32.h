/*
 * crc32.h - the CRC-32 of IEEE 802.3 (reflected polynomial 0xEDB88320, initial
 * value and final XOR all ones): the one UEFI table headers carry [UEFI 2.10
 * 4.2] and the one zlib's crc32() and Python's zlib.crc32 compute.
 */
#ifndef KERNEL_CRC32_H
#define KERNEL_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* CRC of [p, p + n), continuing from 'crc' (0 to start). */
uint32_t crc32_update(uint32_t crc, const void *p, size_t n);

static inline uint32_t crc32(const void *p, size_t n)
{
	return crc32_update(0, p, n);
}

#endif /* KERNEL_CRC32_H */
