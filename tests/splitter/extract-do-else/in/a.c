int g(int);
int f(int n)
{
	int x = 0;

	do {
		x += g(n);
	} while (x < n);
	if (x)
		x = 1;
	else
		x = 2;
	return x;
}
