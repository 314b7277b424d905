/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LRU_H
#define LRU_H

struct lru {
	int n, max;
};

/* lru_push() calls lru_evict_one() when full. */
void lru_push(struct lru *l);

#endif
