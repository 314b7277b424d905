int g(int);
int f(int n)
{
	int x = 0;

	x = g(1) +
	    g(2);
	return x;
}
