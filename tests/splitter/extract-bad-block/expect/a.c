int g(int);
void f(int a, int b)
{
	if (a) {
		g(1);
	}
	if (a > 1) {
		g(2);
	}
}
