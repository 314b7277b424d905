#define FNAME(n) p64_##n

static int FNAME(fault)(int x)
{
	return x;
}

static int later(int x);

int early_user(void)
{
	return later(1);
}

static int later(int x)
{
	return x;
}
