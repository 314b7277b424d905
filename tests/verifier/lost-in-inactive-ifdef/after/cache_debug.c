// SPDX-License-Identifier: GPL-2.0
/*
 * cache_debug.c - consistency checks of the lookup cache.
 */

#include "cache.h"

#ifdef CONFIG_CACHE_DEBUG
void cache_dump(const struct cache *c, char *buf, int len)
{
	int i, n = 0;

	for (i = 0; i < CACHE_SLOTS && n < len - 1; i++)
		buf[n++] = c->slot[i].valid ? '+' : '.';
	buf[n] = '\0';
	if (cache_check(c))
		buf[0] = '!';
}
#endif /* CONFIG_CACHE_DEBUG */
