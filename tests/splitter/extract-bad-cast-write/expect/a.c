struct s { int a; };
int g(int);
#define swap(x, y) do { int __t = (x); (x) = (y); (y) = __t; } while (0)
void set_bit(int nr, unsigned long *p);
int f(int n, struct s st, unsigned int m)
{
	int a = 1, b = 2;

	st.a = g(n);
	set_bit(1, (unsigned long *)&m);
	swap(a, b);
	return st.a + a + b + m;
}
