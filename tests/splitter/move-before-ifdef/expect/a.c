static int keep(void)
{
	return 1;
}

/* g: goes to b.c, with this comment */
int g(void)
{
	return 2;
}
