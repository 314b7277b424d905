static int keep(void)
{
	return 1;
}
