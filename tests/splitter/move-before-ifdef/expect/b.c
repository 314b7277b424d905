#include "b.h"

#ifdef CONFIG_X
int h2(void)
{
	return g();
}
#endif
