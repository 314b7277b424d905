/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cache_fold.h - reduce a key to the bits the hash looks at.
 */
#ifndef CACHE_FOLD_H
#define CACHE_FOLD_H

#ifdef CONFIG_64BIT
/* Fold the high half in: the hash only multiplies the low bits. */
static inline unsigned long cache_fold(unsigned long key)
{
	return key ^ (key >> 32);
}
#else
static inline unsigned long cache_fold(unsigned long key)
{
	return key;
}
#endif

#endif /* CACHE_FOLD_H */
