/*
 * crc32.c - bitwise CRC-32 (IEEE 802.3): small records at boot, so no table.
 * Portable (no kernel headers), unit-tested on the host too.
 */
#include "crc32.h"

#define CRC32_POLY 0xEDB88320u /* x^32 + x^26 + ... + 1, bit-reversed */

uint32_t crc32_update(uint32_t crc, const void *p, size_t n)
{
	const uint8_t *b = p;

	crc = ~crc;
	while (n--) {
		crc ^= *b++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (CRC32_POLY & (0u - (crc & 1)));
	}
	return ~crc;
}
