// SPDX-License-Identifier: GPL-2.0
/*
 * cache_debug.c - consistency checks of the lookup cache.
 */

#include "cache.h"

/* Every valid slot must hold a key that hashes to it. */
static int cache_check(const struct cache *c)
{
	int i, bad = 0;

	for (i = 0; i < CACHE_SLOTS; i++)
		if (c->slot[i].valid && cache_hash(c->slot[i].key) != i)
			bad++;
	return bad;
}

void cache_dump(const struct cache *c, char *buf, int len)
{
	int i, n = 0;

	for (i = 0; i < CACHE_SLOTS && n < len - 1; i++)
		buf[n++] = c->slot[i].valid ? '+' : '.';
	buf[n] = '\0';
	if (cache_check(c))
		buf[0] = '!';
}
