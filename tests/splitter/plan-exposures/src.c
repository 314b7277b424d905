struct item {
	int key;
};

#define FOR_EACH(i, n) for ((i) = 0; (i) < (n); (i)++)

static int table_size;
static struct item *table;

static void forward(int x);

/* kept: uses the moved lookup */
int api_lookup(int key)
{
	return lookup_item(key) != 0;
}

/* moves, but api_lookup needs it */
static struct item *lookup_item(int key)
{
	int i;

	FOR_EACH(i, table_size)
		if (table[i].key == key)
			return &table[i];
	forward(key);
	return 0;
}

/* moves and is only used by moved code */
static void forward(int x)
{
	helper_with_a_really_long_name(x, x + 1, x + 2, x + 3, x + 4);
}

/* kept, used by moved code: made visible */
static void helper_with_a_really_long_name(int first_argument, int second_argument,
					   int third, int fourth, int fifth)
{
	table_size = first_argument + second_argument + third + fourth + fifth;
}

static inline int tiny(void)
{
	return 1;
}

int orphan(void)
{
	return tiny();
}
