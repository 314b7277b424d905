int step(int x);

int sum(int n)
{
	int total = 0;
	int i;

	total += step(n);
	for (i = 0; i < n; i++)
		total += step(i);

	return total;
}
