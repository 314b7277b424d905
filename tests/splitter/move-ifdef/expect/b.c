// SPDX-License-Identifier: GPL-2.0
#include "b.h"

#ifdef CONFIG_WIDE
/* The wide variant. */
static int pack(int x)
{
	return x << 1;
}
#else
static int pack(int x)
{
	return x;
}
#endif

/*
 * A standalone block comment about packing.
 */

/**
 * unpack - the inverse of pack()
 * @x: packed value
 */
static int unpack(int x)
{
	return x >> 1;
}

#ifdef CONFIG_DEBUG
static int only_debug(void)
{
	return 0;
}
#endif
