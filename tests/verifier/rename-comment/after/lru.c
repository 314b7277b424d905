// SPDX-License-Identifier: GPL-2.0
#include "lru.h"

/*
 * lru_drop_oldest() drops the oldest entry.  Callers of lru_drop_oldest must
 * hold the lock; lru_evict_one_locked is something else.
 */
static void lru_drop_oldest(struct lru *l)
{
	l->n--;	/* lru_drop_oldest never underflows: see lru_push */
}

void lru_push(struct lru *l)
{
	if (l->n == l->max)
		lru_drop_oldest(l);	/* make room */
	l->n++;
}
