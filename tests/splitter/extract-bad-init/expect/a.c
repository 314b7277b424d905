int g(int);
int f(int n)
{
	int r = n;
	int t = n;

	n = g(n);
	r += t;
	return r;
}
