int g(int);
#ifdef CONFIG_X
int f(int n)
{
	int r = 0;

	if (n)
		return g(n);
	r = g(r);
	return r;
}
#else
int f(int n)
{
	return n;
}
#endif
