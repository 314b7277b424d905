#include "b.h"

int h1(void)
{
	return 3;
}

/* h2 stays last */
int h2(void)
{
	return g();
}
