int step(int x);

int sum(int n)
{
	int total = step(0);
	int i;

	for (i = 0; i < n; i++)
		total += step(i);

	return total;
}
