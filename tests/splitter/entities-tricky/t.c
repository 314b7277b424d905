#define FNAME(name) paging64_##name
#define BUILD_ACCESSOR(reg, name)				\
static inline int __maybe_unused is_##reg##_##name(int v)	\
{								\
	return v;						\
}
#define __maybe_unused __attribute__((unused))

BUILD_ACCESSOR(cr0, wp);

/* attached to the template function */
static int FNAME(walk)(int level)
{
	return level;
}

typedef int (*handler_t)(int level);

static int __attribute__((unused)) max_level = 4;

#ifdef CONFIG_X86_64
static int wide(void) { return 64; }
#else
static int wide(void) { return 32; }
#endif

EXPORT_SYMBOL_GPL(wide);

struct pair {
	int a, b;
};

static struct pair *
pair_of(int a)
{
	static struct pair p;

	p.a = a;
	return &p;
}
