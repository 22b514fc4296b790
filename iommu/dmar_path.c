/*
 * dmar_path.c - walks a DMAR device-scope path through bridges to the
 * function it names: each hop but the last is a bridge whose secondary bus
 * is where the next hop lives [VT-d 8.3.1].
 */
#include "dmar.h"

#include <stddef.h>

bool dmar_resolve_path(uint16_t seg, uint8_t start_bus, const uint8_t *hops, unsigned int n,
		      dmar_secondary_fn secondary, void *ctx, struct dmar_bdf *out,
		      const char **why)
{
	struct dmar_bdf at = {seg, start_bus, 0, 0};

	if (n == 0) {
		*why = "empty path";
		return false;
	}
	for (unsigned int i = 0; i < n; i++) {
		int sec;

		if (hops[2 * i] > 31 || hops[2 * i + 1] > 7) {
			*why = "device above 31 or function above 7 in the path";
			return false;
		}
		at.dev = hops[2 * i];
		at.fn = hops[2 * i + 1];
		if (i + 1 == n)
			break;
		sec = secondary(ctx, at);
		if (sec < 0) {
			*why = "a hop before the last is not a PCI bridge";
			return false;
		}
		at.bus = (uint8_t)sec;
	}
	*out = at;
	return true;
}
