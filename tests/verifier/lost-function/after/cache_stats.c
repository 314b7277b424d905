// SPDX-License-Identifier: GPL-2.0
/*
 * cache_stats.c - hit and miss accounting of the lookup cache.
 */

#include "cache.h"

/*
 * Hit ratio in percent, 0 before the first lookup.
 */
static unsigned int cache_hit_ratio(const struct cache *c)
{
	unsigned long total = c->hits + c->misses;

	return total ? (unsigned int)(c->hits * 100 / total) : 0;
}

void cache_report(const struct cache *c, char *buf, int len)
{
	int n = put_uint(buf, len - 1, cache_hit_ratio(c));

	buf[n] = '\0';
}
