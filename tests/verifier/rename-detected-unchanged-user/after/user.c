#include "a.h"

int user(void)
{
	return count_items(3);
}
