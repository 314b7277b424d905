#include "b.h"

int h1(void)
{
	return 3;
}

/* g: goes to b.c, with this comment */
int g(void)
{
	return 2;
}

/* h2 stays last */
int h2(void)
{
	return g();
}
