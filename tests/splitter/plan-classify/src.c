struct rmap_head { unsigned long val; };
struct page { struct rmap_head rmap; int unsync; };

static void rmap_add(struct page *p)
{
	p->rmap.val++;
}

static void zap_page(struct page *p)
{
	rmap_add(p);
}

/* new in this base: touches the rmap, called by nobody yet */
static void rmap_count(struct page *p, int *n)
{
	*n += p->rmap.val;
}

static void shadow_sync_one(struct page *p);

/* new: only calls Shadow MMU code, and a new helper */
static void shadow_sync(struct page *p)
{
	zap_page(p);
	shadow_sync_one(p);
}

/* new: called only by shadow_sync, knows nothing itself */
static void shadow_sync_one(struct page *p);
static void shadow_sync_one(struct page *p)
{
	(void)p;
}

static int fault(struct page *p)
{
	return p->unsync;
}

/* new: called by common code only */
static int fault_retry(struct page *p)
{
	return fault(p) + fault(p);
}

int handle(struct page *p)
{
	shadow_sync(p);
	return fault_retry(p);
}
