/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CACHE_H
#define CACHE_H

#define CACHE_SLOTS	64

struct cache_entry {
	unsigned long key;
	unsigned long value;
	int valid;
};

/* A direct-mapped cache with hit and miss counters. */
struct cache {
	struct cache_entry slot[CACHE_SLOTS];
	unsigned long hits, misses;
};

void cache_init(struct cache *c);
struct cache_entry *cache_lookup(struct cache *c, unsigned long key);
void cache_insert(struct cache *c, unsigned long key, unsigned long value);
void cache_report(const struct cache *c, char *buf, int len);

#endif /* CACHE_H */
