// SPDX-License-Identifier: GPL-2.0
/*
 * pool.c - a fixed pool of cache objects.
 */

#include "cache.h"

#define POOL_SIZE	4

static struct cache pool[POOL_SIZE];
static unsigned int pool_used;

/* Hexadecimal, the pool prints addresses. */
static int put_uint(char *buf, int len, unsigned int v)
{
	static const char digits[] = "0123456789abcdef";
	int n = 0;

	while (n < len && n < 8) {
		buf[n++] = digits[(v >> 28) & 0xf];
		v <<= 4;
	}
	return n;
}

struct cache *pool_get(void)
{
	if (pool_used >= POOL_SIZE)
		return 0;
	cache_init(&pool[pool_used]);
	return &pool[pool_used++];
}

void pool_report(char *buf, int len)
{
	int n = put_uint(buf, len - 1, pool_used);

	buf[n] = '\0';
}

void pool_report_all(char *buf, int len)
{
	unsigned int i;

	for (i = 0; i < pool_used; i++)
		cache_report_ratio(&pool[i], buf, len);
}
