int g(int);
void f(int n)
{
	g(0);
#ifdef CONFIG_X
	g(1);
#endif
	g(2);
	g(3);
}
