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
	"unsync", "parent_ptes", "shadow_walk", NULL,
};

/*
 * Suggest a side for a function the manifest does not classify: the side
 * whose functions it calls more, and whether it touches Shadow MMU data.
 */
static void suggest(struct planner *p, int u)
{
	struct file_model *fm = &p->s->fm;
	struct strlist refs = { 0 }, marks = { 0 };
	int i, k, nmove = 0, nkeep = 0;
	const char *side;

	entity_refs(fm, &fm->ent[u], &refs);
	for (i = 0; i < refs.n; i++) {
		int d = def_of(p, refs.v[i]);

		if (d >= 0 && d != u && fm->ent[d].kind == EK_FUNC &&
		    !p->s->unclassified[d]) {
			if (p->s->side[d] == SIDE_MOVE)
				nmove++;
			else
				nkeep++;
		}
		for (k = 0; shadow_marks[k]; k++)
			if (strstr(refs.v[i], shadow_marks[k]) &&
			    !sl_has(&marks, shadow_marks[k]))
				sl_add(&marks, shadow_marks[k]);
	}
	side = nmove > nkeep || (marks.n && nmove >= nkeep) ? "shadow" : "common";
	printf("unclassified\tfunc %s\t%u\t%s\tcalls %d Shadow MMU and %d "
	       "common functions", fm->ent[u].name, fm->ent[u].line, side,
	       nmove, nkeep);
	if (marks.n) {
		printf("; touches");
		for (i = 0; i < marks.n; i++)
			printf(" %s", marks.v[i]);
	}
	putchar('\n');
	sl_free(&refs);
	sl_free(&marks);
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
	for (int i = 0; i < s.fm.nent; i++)
		if (s.unclassified[i])
			suggest(&p, i);
	closure(&p);
	print_plan(&p);
	source_release(&s);
	manifest_release(&m);
	return 0;
}
