int g(int);
int f(int n)
{
	static int calls;

	calls++;
	return g(n) + calls;
}
