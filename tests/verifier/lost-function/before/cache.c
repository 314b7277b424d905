// SPDX-License-Identifier: GPL-2.0
/*
 * cache.c - a small direct-mapped lookup cache.
 */

#include "cache.h"

#define CACHE_HASH_MUL	0x9e3779b1UL

static unsigned int cache_hash(unsigned long key)
{
	return (unsigned int)((key * CACHE_HASH_MUL) >> 8) & (CACHE_SLOTS - 1);
}

void cache_init(struct cache *c)
{
	int i;

	for (i = 0; i < CACHE_SLOTS; i++)
		c->slot[i].valid = 0;
	c->hits = 0;
	c->misses = 0;
}

struct cache_entry *cache_lookup(struct cache *c, unsigned long key)
{
	struct cache_entry *e = &c->slot[cache_hash(key)];

	if (e->valid && e->key == key) {
		c->hits++;
		return e;
	}
	c->misses++;
	return 0;
}

void cache_insert(struct cache *c, unsigned long key, unsigned long value)
{
	struct cache_entry *e = &c->slot[cache_hash(key)];

	e->key = key;
	e->value = value;
	e->valid = 1;
}

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
