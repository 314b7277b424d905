int g(int);
int f(int n)
{
	int calls;

	calls++;
	return g(n) + calls;
}
