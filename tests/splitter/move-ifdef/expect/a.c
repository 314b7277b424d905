// SPDX-License-Identifier: GPL-2.0
#include "b.h"

#define WIDTH 8

/* Stays: the common part. */
int common(int x)
{
	return x * WIDTH;
}

#ifdef CONFIG_WIDE
static int keep_wide(void)
{
	return 2;
}
#endif

int user(int y)
{
	return common(y);
}
