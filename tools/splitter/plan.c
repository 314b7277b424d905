// SPDX-License-Identifier: GPL-2.0
/*
 * plan: what crosses the new file boundary.
 *
 * The manifest splits the entities of the source file into the side that
 * moves and the side that stays.  Every reference from one side to a
 * definition on the other needs that definition made visible: a function
 * or variable loses 'static' and gets a prototype (an extern) in the
 * header of its side; a macro, type, inline function or macro-generated
 * function moves into that header as a whole, and then everything it
 * refers to must be visible from the header as well (a closure).
 *
 * Output, one item per line, tab-separated:
 *   move	KIND NAME
 *   place	SIDE	PHASE	KIND NAME	(PHASE: type | code)
 *   expose	SIDE	KIND NAME	PROTOTYPE
 *   template	SIDE	MACRO_NAME	NAME	PROTOTYPE
 *   unclassified	KIND NAME	LINE	SUGGESTED_DEST	REASON
 *   leftover	KIND NAME	LINE	REASON	(stays, but looks like the moving side)
 *   stale	FILE:LINE	KIND NAME
 * SIDE is keep or move; newlines and tabs in a prototype are written
 * as "\n" and "\t".
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "split.h"

struct planner {
	struct source *s;
	struct strlist names;	/* defined names ... */
	int *def;		/* ... and their entity */
	bool *exposed, *placed, *visited_hdr;
	struct strlist tmpl_done;
	int *queue, nq;
};

static const char *side_name(enum side s)
{
	return s == SIDE_MOVE ? "move" : "keep";
}

static bool defines_something(enum ent_kind k)
{
	return k != EK_COND && k != EK_COMMENT && k != EK_PROTO &&
	       k != EK_UNDEF && k != EK_EXPORT && k != EK_DIRECTIVE;
}

static void index_defs(struct planner *p)
{
	struct file_model *fm = &p->s->fm;
	int i, k, alloc = 0;

	/* definitions in the file first, then what templates define */
	for (i = 0; i < 2 * fm->nent; i++) {
		struct entity *e = &fm->ent[i % fm->nent];

		if (!defines_something(e->kind) ||
		    (e->kind == EK_INCLUDE) != (i >= fm->nent))
			continue;
		for (k = 0; k < e->defs.n; k++) {
			if (sl_has(&p->names, e->defs.v[k]))
				continue;
			sl_add(&p->names, e->defs.v[k]);
			ALLOC_GROW(p->def, p->names.n, alloc);
			p->def[p->names.n - 1] = i % fm->nent;
		}
	}
}

static int def_of(struct planner *p, const char *name)
{
	int i;

	for (i = 0; i < p->names.n; i++)
		if (!strcmp(p->names.v[i], name))
			return p->def[i];
	return -1;
}

/* References of an entity; a template include refers to all of its file. */
static void refs_of(struct planner *p, int u, bool signature_only,
		    struct strlist *out)
{
	struct file_model *fm = &p->s->fm;
	struct entity *e = &fm->ent[u];
	int i, t = p->s->tmpl_of[u];

	if (signature_only) {
		struct entity sig = *e;

		for (i = e->tok; i < e->tok + e->ntok; i++)
			if (tok_is(fm, i, "{") || tok_is(fm, i, "=")) {
				sig.ntok = i - e->tok;
				break;
			}
		entity_refs(fm, &sig, out);
		return;
	}
	entity_refs(fm, e, out);
	if (t < 0)
		return;
	for (i = 0; i < p->s->tmpl[t].nent; i++)
		entity_refs(&p->s->tmpl[t], &p->s->tmpl[t].ent[i], out);
}

static bool is_code_kind(const struct entity *e)
{
	return e->kind == EK_FUNC || e->kind == EK_MACROCALL;
}

static void push(struct planner *p, int d)
{
	p->queue[p->nq++] = d;
}

/*
 * An inline function of the moving side goes to its header whole: an
 * __always_inline body must be seen where it is called, and the header of
 * the moving side is included only by the two halves of the split, which
 * include everything the body needs.
 */
static bool must_inline(struct planner *p, int d)
{
	const struct file_model *fm = &p->s->fm;
	const struct entity *e = &fm->ent[d];
	int i;

	if (p->s->side[d] != SIDE_MOVE)
		return false;
	if (e->is_inline)
		return true;
	for (i = e->tok; i < e->tok + e->ntok && !tok_is(fm, i, "("); i++)
		if (tok_is(fm, i, "__always_inline"))
			return true;
	return false;
}

/* Make definition d (named `name`) visible to the other side. */
static void need(struct planner *p, int d, const char *name)
{
	struct entity *e = &p->s->fm.ent[d];

	if (e->kind == EK_INCLUDE) {
		if (!sl_has(&p->tmpl_done, name))
			sl_add(&p->tmpl_done, name);
		return;
	}
	/*
	 * Functions, inline ones too, are exposed where they are: moving an
	 * inline helper into a header drags in every header it needs.
	 */
	if ((e->kind == EK_FUNC && !must_inline(p, d)) || e->kind == EK_VAR) {
		if (!e->is_static || p->exposed[d])
			return;
		p->exposed[d] = true;
		if (!p->visited_hdr[d]) {
			p->visited_hdr[d] = true;
			push(p, -d - 1);	/* its signature must be visible */
		}
		return;
	}
	if (p->placed[d])
		return;
	p->placed[d] = true;
	push(p, d);
}

static void process(struct planner *p, int u, bool as_header, bool sig)
{
	struct strlist refs = { 0 };
	enum side su = p->s->side[u];
	int i;

	refs_of(p, u, sig, &refs);
	for (i = 0; i < refs.n; i++) {
		int d = def_of(p, refs.v[i]);

		if (d < 0 || d == u)
			continue;
		if (!as_header && p->s->side[d] == su)
			continue;
		/* a header definition may use what its own side has placed */
		if (as_header && p->placed[d])
			continue;
		need(p, d, refs.v[i]);
	}
	sl_free(&refs);
}

static void closure(struct planner *p)
{
	struct file_model *fm = &p->s->fm;
	int i;

	p->queue = xmalloc((2 * fm->nent + 2) * sizeof(int));
	for (i = 0; i < fm->nent; i++)
		if (fm->ent[i].kind != EK_COND && fm->ent[i].kind != EK_COMMENT)
			process(p, i, false, false);
	while (p->nq) {
		int d = p->queue[--p->nq];

		if (d < 0)
			process(p, -d - 1, true, true);
		else
			process(p, d, true, false);
	}
}

static void print_escaped(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			fputs("\\n", stdout);
		else if (*s == '\t')
			fputs("\\t", stdout);
		else
			putchar(*s);
	}
}

/* The FNAME(x) function of a template that instantiates as `name`. */
static const struct entity *template_func(struct file_model *t,
					  const char *name)
{
	const struct entity *best = NULL;
	size_t best_len = 0;
	int i;

	for (i = 0; i < t->nent; i++) {
		const struct entity *e = &t->ent[i];
		const char *open, *close;
		size_t n, ln = strlen(name);

		if (e->kind != EK_FUNC || !e->name)
			continue;
		open = strchr(e->name, '(');
		close = open ? strchr(open, ')') : NULL;
		if (!close)
			continue;
		n = close - open - 1;
		if (n && n < ln && !strncmp(name + ln - n, open + 1, n) &&
		    n > best_len) {
			best = e;
			best_len = n;
		}
	}
	return best;
}

static void print_plan(struct planner *p)
{
	struct file_model *fm = &p->s->fm;
	int i, phase;

	for (i = 0; i < fm->nent; i++) {
		struct entity *e = &fm->ent[i];

		if (p->s->side[i] == SIDE_MOVE && !p->placed[i] &&
		    e->kind != EK_COND && e->name)
			printf("move\t%s %s\n", ent_kind_name[e->kind], e->name);
	}
	for (phase = 0; phase < 2; phase++)
		for (i = 0; i < fm->nent; i++) {
			struct entity *e = &fm->ent[i];

			if (!p->placed[i] || is_code_kind(e) != phase)
				continue;
			printf("place\t%s\t%s\t%s %s\n", side_name(p->s->side[i]),
			       phase ? "code" : "type", ent_kind_name[e->kind],
			       e->name);
		}
	for (i = 0; i < fm->nent; i++) {
		struct entity *e = &fm->ent[i];
		char *proto;

		if (!p->exposed[i])
			continue;
		proto = e->kind == EK_VAR ? make_extern(fm, e) :
			make_prototype(fm, e, NULL, NULL, NULL);
		printf("expose\t%s\t%s %s\t", side_name(p->s->side[i]),
		       ent_kind_name[e->kind], e->name);
		print_escaped(proto ? proto : "");
		putchar('\n');
		free(proto);
	}
	for (i = 0; i < p->tmpl_done.n; i++) {
		const char *name = p->tmpl_done.v[i];
		int d = def_of(p, name), t = d >= 0 ? p->s->tmpl_of[d] : -1;
		const struct entity *te;
		char *macro, *proto;

		if (t < 0)
			continue;
		te = template_func(&p->s->tmpl[t], name);
		if (!te || !te->is_static)
			continue;
		macro = xstrdup(te->name);
		proto = make_prototype(&p->s->tmpl[t], te, macro, name, NULL);
		printf("template\t%s\t%s\t%s\t", side_name(p->s->side[d]), te->name,
		       name);
		print_escaped(proto ? proto : "");
		putchar('\n');
		free(macro);
		free(proto);
	}
}

/* Names whose use marks Shadow MMU code: rmaps, pte_list, the page hash. */
static const char *const shadow_marks[] = {
	"rmap", "pte_list", "mmu_page_hash", "kvm_page_table_hashfn",
	"unsync", "parent_ptes", "shadow_walk", "zapped_obsolete_pages",
	"active_mmu_pages", "n_used_mmu_pages", "split_desc_cache",
	"split_shadow_page_cache", "READING_SHADOW_PAGE_TABLES", NULL,
};

/* What one unclassified function is linked to, for its classification. */
struct vote {
	int calls[2], callers[2];	/* by side: SIDE_KEEP, SIDE_MOVE */
	struct strlist marks;
	int side;			/* decided side, -1 while undecided */
};

/* The Shadow MMU marks among the identifiers of e, struct members included. */
void find_marks(const struct file_model *fm, const struct entity *e,
		struct strlist *marks)
{
	int t, m;

	for (t = e->tok; t < e->tok + e->ntok; t++) {
		const char *text;
		unsigned len;
		char *name;

		if (fm->tok[t].kind != TK_IDENT)
			continue;
		text = tok_text(fm, t, &len);
		name = xstrndup(text, len);
		for (m = 0; shadow_marks[m]; m++)
			if (strstr(name, shadow_marks[m]) &&
			    !sl_has(marks, shadow_marks[m]))
				sl_add(marks, shadow_marks[m]);
		free(name);
	}
}

static int side_of(struct planner *p, struct vote *v, int d)
{
	if (!p->s->unclassified[d])
		return p->s->side[d];
	return v[d].side;
}

static void count_links(struct planner *p, struct strlist *refs,
			struct vote *v, int u)
{
	struct file_model *fm = &p->s->fm;
	int i, k, sd;

	memset(v[u].calls, 0, sizeof(v[u].calls));
	memset(v[u].callers, 0, sizeof(v[u].callers));
	for (i = 0; i < refs[u].n; i++) {
		int d = def_of(p, refs[u].v[i]);

		if (d >= 0 && d != u && fm->ent[d].kind == EK_FUNC &&
		    (sd = side_of(p, v, d)) >= 0)
			v[u].calls[sd]++;
	}
	for (k = 0; k < fm->nent; k++) {
		if (k == u || fm->ent[k].kind != EK_FUNC ||
		    !sl_has(&refs[k], fm->ent[u].name))
			continue;
		sd = side_of(p, v, k);
		if (sd >= 0)
			v[u].callers[sd]++;
	}
}

/*
 * Completeness: functions that stay in the source but look like Shadow MMU
 * code, because they touch its data or call mostly into it (a Shadow MMU
 * part of a common function, or a helper left behind).  For review.
 */
static void leftovers(struct planner *p, struct strlist *refs, struct vote *v)
{
	struct file_model *fm = &p->s->fm;
	int i, k;

	for (i = 0; i < fm->nent; i++) {
		bool calls_in;

		if (fm->ent[i].kind != EK_FUNC || side_of(p, v, i) != SIDE_KEEP)
			continue;
		if (!p->s->unclassified[i])
			find_marks(fm, &fm->ent[i], &v[i].marks);
		count_links(p, refs, v, i);
		calls_in = v[i].calls[SIDE_MOVE] >= 2 &&
			   v[i].calls[SIDE_MOVE] > v[i].calls[SIDE_KEEP];
		if (!v[i].marks.n && !calls_in)
			continue;
		printf("leftover\tfunc %s\t%u\t", fm->ent[i].name, fm->ent[i].line);
		if (v[i].marks.n) {
			printf("touches");
			for (k = 0; k < v[i].marks.n; k++)
				printf(" %s", v[i].marks.v[k]);
		}
		if (calls_in)
			printf("%scalls %d Shadow MMU and %d common functions",
			       v[i].marks.n ? "; " : "", v[i].calls[SIDE_MOVE],
			       v[i].calls[SIDE_KEEP]);
		putchar('\n');
	}
}

/*
 * The side of a function the manifest does not name: the side of the
 * functions it calls, touching Shadow MMU data (rmaps, pte_list, the
 * shadow page hash, unsync and parent pointers) counting twice for the
 * Shadow MMU; on a tie, the side of its callers (common code calls into
 * the Shadow MMU, so callers alone say little).  Functions already
 * classified count first, then those decided here, until nothing
 * changes.  A tie stays in mmu.c.
 */
static void classify(struct planner *p)
{
	struct file_model *fm = &p->s->fm;
	struct strlist *refs = xcalloc(fm->nent + 1, sizeof(*refs));
	struct vote *v = xcalloc(fm->nent + 1, sizeof(*v));
	bool changed = true;
	int i, k, round;

	for (i = 0; i < fm->nent; i++) {
		v[i].side = -1;
		if (fm->ent[i].kind != EK_FUNC)
			continue;
		entity_refs(fm, &fm->ent[i], &refs[i]);
		if (!p->s->unclassified[i])
			continue;
		find_marks(fm, &fm->ent[i], &v[i].marks);
	}
	for (round = 0; changed && round < 16; round++) {
		changed = false;
		for (i = 0; i < fm->nent; i++) {
			int move, keep, side;

			if (!p->s->unclassified[i])
				continue;
			count_links(p, refs, v, i);
			move = v[i].calls[SIDE_MOVE] + 2 * v[i].marks.n;
			keep = v[i].calls[SIDE_KEEP];
			if (move == keep) {
				move = v[i].callers[SIDE_MOVE];
				keep = v[i].callers[SIDE_KEEP];
			}
			side = move > keep ? SIDE_MOVE : SIDE_KEEP;
			if (side != v[i].side) {
				v[i].side = side;
				changed = true;
			}
		}
	}
	for (i = 0; i < fm->nent; i++) {
		if (!p->s->unclassified[i])
			continue;
		printf("unclassified\tfunc %s\t%u\t%s\tcalls %d Shadow MMU and "
		       "%d common functions, called by %d and %d",
		       fm->ent[i].name, fm->ent[i].line,
		       v[i].side == SIDE_MOVE ? "shadow" : "common",
		       v[i].calls[SIDE_MOVE], v[i].calls[SIDE_KEEP],
		       v[i].callers[SIDE_MOVE], v[i].callers[SIDE_KEEP]);
		if (v[i].marks.n) {
			printf("; touches");
			for (k = 0; k < v[i].marks.n; k++)
				printf(" %s", v[i].marks.v[k]);
		}
		putchar('\n');
	}
	leftovers(p, refs, v);
	for (i = 0; i < fm->nent; i++) {
		sl_free(&refs[i]);
		sl_free(&v[i].marks);
	}
	free(refs);
	free(v);
}

static int assign_sides(struct source *s, struct manifest *m,
			struct strlist *dests)
{
	struct file_model *fm = &s->fm;
	int i, k;

	for (i = 0; i < fm->nent; i++) {
		struct entity *e = &fm->ent[i];
		bool classified = false;

		s->side[i] = SIDE_KEEP;
		for (k = 0; k < m->n; k++) {
			if (!mline_matches(&m->v[k], fm, e))
				continue;
			m->v[k].hits++;
			classified = true;
			if (sl_has(dests, m->v[k].dest))
				s->side[i] = SIDE_MOVE;
		}
		if (!classified && e->kind == EK_FUNC)
			s->unclassified[i] = true;
	}
	for (k = 0; k < m->n; k++)
		if (!m->v[k].hits)
			printf("stale\t%s:%u\t%s %s\n", m->path, m->v[k].lineno,
			       m->v[k].kind, m->v[k].name);
	/* a forward declaration goes where its function goes */
	for (i = 0; i < fm->nent; i++) {
		struct entity *e = &fm->ent[i];

		if (e->kind != EK_PROTO)
			continue;
		for (k = 0; k < fm->nent; k++)
			if (fm->ent[k].kind == EK_FUNC && fm->ent[k].name &&
			    !strcmp(fm->ent[k].name, e->name))
				s->side[i] = s->side[k];
	}
	return 0;
}

static const char plan_usage[] =
	"usage: kmove-split plan --file SRC --manifest FILE --dest D[,D] [--rel PATH] [--compdb DIR] [-- FLAGS]\n";

int cmd_plan(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "manifest", required_argument, NULL, 'm' },
		{ "dest", required_argument, NULL, 'd' },
		{ "rel", required_argument, NULL, 'r' },
		{ "compdb", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = NULL, *mpath = NULL, *dest = NULL, *rel = NULL;
	const char *compdb = NULL;
	struct strlist dests = { 0 };
	struct planner p = { 0 };
	struct manifest m;
	struct source s;
	char *d, *save = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f': file = optarg; break;
		case 'm': mpath = optarg; break;
		case 'd': dest = optarg; break;
		case 'r': rel = optarg; break;
		case 'c': compdb = optarg; break;
		default:
			fputs(plan_usage, stderr);
			return 2;
		}
	}
	if (!file || !mpath || !dest) {
		fputs(plan_usage, stderr);
		return 2;
	}
	d = xstrdup(dest);
	for (char *t = strtok_r(d, ",", &save); t; t = strtok_r(NULL, ",", &save))
		sl_add(&dests, t);
	free(d);
	if (manifest_read(&m, mpath))
		return 2;
	if (source_load(&s, file, compdb, rel, argc - optind, argv + optind))
		return 2;
	assign_sides(&s, &m, &dests);
	p.s = &s;
	p.exposed = xcalloc(s.fm.nent + 1, sizeof(bool));
	p.placed = xcalloc(s.fm.nent + 1, sizeof(bool));
	p.visited_hdr = xcalloc(s.fm.nent + 1, sizeof(bool));
	index_defs(&p);
	classify(&p);
	closure(&p);
	print_plan(&p);
	source_release(&s);
	manifest_release(&m);
	return 0;
}
