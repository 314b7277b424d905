int g(int);
int f(int n)
{
	int count = 0;
	int total = 0;

	while (n--) {
		count++;
		if (count > 3)
			g(count);
		total += g(n);
	}
	return total;
}
