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

static int put_uint(char *buf, int len, unsigned int v)
{
	char tmp[12];
	int n = 0, i;

	do {
		tmp[n++] = '0' + v % 10;
		v /= 10;
	} while (v && n < (int)sizeof(tmp));
	for (i = 0; i < n && i < len; i++)
		buf[i] = tmp[n - 1 - i];
	return i;
}

void cache_report(const struct cache *c, char *buf, int len)
{
	int n = put_uint(buf, len - 1, cache_hit_ratio(c));

	buf[n] = '\0';
}
