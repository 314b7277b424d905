// SPDX-License-Identifier: GPL-2.0
/*
 * pool.c - a fixed pool of cache objects.
 */

#include "cache.h"

#define POOL_SIZE	4

static struct cache pool[POOL_SIZE];
static unsigned int pool_used;

/* Decimal, the same digits as cache_report(). */
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
