// SPDX-License-Identifier: GPL-2.0
#include "lru.h"

/*
 * lru_evict_one() drops the oldest entry.  Callers of lru_evict_one must
 * hold the lock; lru_evict_one_locked is something else.
 */
static void lru_evict_one(struct lru *l)
{
	l->n--;	/* lru_evict_one never underflows: see lru_push */
}

void lru_push(struct lru *l)
{
	if (l->n == l->max)
		lru_evict_one(l);	/* make room */
	l->n++;
}
