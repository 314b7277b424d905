int g(int);
void f(int n)
{
	g(1);
	g(2);	/* a trailing comment
		 * that goes on */
	g(3);
}
