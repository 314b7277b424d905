#include "a.h"

int count_items2(int n)
{
	return n + 1;
}
