int g(unsigned long);
int f(unsigned long gfn)
{
	char buf[64];
	int r = 0;

	r = g(gfn) + sizeof(buf);
	return r;
}
