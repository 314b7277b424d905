#include "a.h"

#ifdef CONFIG_FOO
static int foo(void)
{
	return 1;
}
#else
static int foo(void)
{
	return 0;
}
#endif

int user(void)
{
	return foo();
}
