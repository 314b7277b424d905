#include "x.h"

static int count(struct slot *s)
{
	return s->used;
}
