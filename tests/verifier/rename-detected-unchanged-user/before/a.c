#include "a.h"

int count_items(int n)
{
	return n + 1;
}
