int g(int);
int f(int n)
{
	int s = 0;

	if (n) {
		/* a long comment
		 * over two lines */
		s += g(n);
	}
	return s;
}
