int g(int);
int h(int n)
{
	int s = 0;

	/* a long comment
	 * over two lines */
	s += g(n);

	return s;
}

int f(int n)
{
	int s = 0;

	if (n) {
		s = h(n);
	}
	return s;
}
