// SPDX-License-Identifier: GPL-2.0
/*
 * cache_debug.c - consistency checks of the lookup cache.
 */

#include "cache.h"

#ifndef CONFIG_CACHE_DEBUG
static inline int cache_check(const struct cache *c)
{
	return 0;
}
#else
/* Every valid slot must hold a key that hashes to it. */
static int cache_check(const struct cache *c)
{
	int i, bad = 0;

	for (i = 0; i < CACHE_SLOTS; i++)
		if (c->slot[i].valid && cache_hash(c->slot[i].key) == i)
			bad++;
	return bad;
}
#endif

int cache_verify(const struct cache *c)
{
	return cache_check(c) == 0;
}
