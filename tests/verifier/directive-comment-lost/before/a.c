#include "a.h"

#ifdef CONFIG_FOO
static int foo(void)
{
	return 1;
}
#else /* !CONFIG_FOO: no foo at all */
static int foo(void)
{
	return 0;
}
#endif /* CONFIG_FOO */

int user(void)
{
	return foo();
}
