// SPDX-License-Identifier: GPL-2.0
#include "b.h"

#define WIDTH 8

/* Stays: the common part. */
int common(int x)
{
	return x * WIDTH;
}

#ifdef CONFIG_WIDE
/* The wide variant. */
static int pack(int x)
{
	return x << 1;
}

static int keep_wide(void)
{
	return 2;
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

int user(int y)
{
	return common(y);
}
