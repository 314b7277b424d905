// SPDX-License-Identifier: GPL-2.0
/*
 * cache_stats.c - hit and miss accounting of the lookup cache.
 */

#include "cache.h"

/*
 * Hit ratio in percent, 0 before the first lookup.
 */
unsigned int cache_hit_ratio(const struct cache *c)
{
	unsigned long total = c->hits + c->misses;

	return total ? (unsigned int)(c->hits * 100 / total) : 0;
}
