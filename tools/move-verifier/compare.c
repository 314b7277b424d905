// SPDX-License-Identifier: GPL-2.0
/*
 * Match every entity of "before" with one of "after" and prove it
 * unchanged.
 *
 * Entities are grouped by kind and name (after renaming); inside a group
 * the pairing prefers an identical body, then the same file, the same
 * #if chain and the same linkage, so that two static functions of the same
 * name in two files, or the 64-bit and 32-bit variants of one function,
 * pair with their own counterpart.  What stays unpaired is lost or added,
 * unless it is one of the few edits a move is allowed to make: exposing a
 * function (static dropped, prototype in a header), new include lines and
 * the boilerplate of a new file.
 */
#define _GNU_SOURCE	/* memmem */
#include <stdlib.h>
#include <string.h>

#include "verifier.h"

const struct finding_type verifier_types[] = {
	{ "CHANGED", SEV_ERROR, "the code of an entity differs" },
	{ "COMMENT_CHANGED", SEV_ERROR, "a comment differs (whitespace aside)" },
	{ "COMMENT_LOST", SEV_ERROR, "a comment is missing after the move" },
	{ "CONDITION_CHANGED", SEV_ERROR, "an entity sits under another #if chain" },
	{ "DECLARED_CHANGE", SEV_NOTE, "a change the step declared (--declare)" },
	{ "DUPLICATED", SEV_ERROR, "an entity exists more often than before" },
	{ "EXPOSED", SEV_NOTE, "static dropped, prototype in a header" },
	{ "FORWARD_DECLARATION_ADDED", SEV_NOTE, "a static function used before its definition is declared" },
	{ "FORWARD_DECLARATION_DROPPED", SEV_NOTE, "a forward declaration superseded by a header prototype" },
	{ "INCLUDE_ADDED", SEV_NOTE, "a new #include line" },
	{ "LINE_LOST", SEV_ERROR, "a line of a declared function is in none after (--keep-lines)" },
	{ "LINKAGE_CHANGED", SEV_ERROR, "static dropped without a prototype in a header" },
	{ "LOST", SEV_ERROR, "an entity of before is missing after" },
	{ "NEW_FILE", SEV_NOTE, "boilerplate of a new file (SPDX, include guard)" },
	{ "PROTOTYPE_ADDED", SEV_NOTE, "a prototype or extern added to a header" },
	{ "PROTOTYPE_REMOVED", SEV_NOTE, "a prototype dropped, its function static again" },
	{ "RENAMED", SEV_NOTE, "a rename, given or detected" },
	{ "RENAME_INCOMPLETE", SEV_ERROR, "an old name is still used" },
	{ "UNDECLARED_ADDITION", SEV_ERROR, "new code that no rule allows" },
	{ "UNEXPOSED", SEV_NOTE, "static added back" },
	{ NULL, 0, NULL },
};

struct eref {
	int f, e;		/* file and entity index in its side */
	char *key;
	int seq;		/* order of appearance */
	int pair;		/* index into the other side's array, -1 */
};

struct ctx {
	struct side *b, *a;
	struct verify_opts *o;
	struct verify_result *r;
	struct eref *bv, *av;
	int nb, na;
	struct strlist hdr_protos;	/* names declared in an after header */
	struct strlist a_static;	/* names defined static after */
	struct strlist a_defined;	/* names defined (func/var) after */
};

static const char *kind_class(enum ent_kind k)
{
	return ent_kind_name[k];
}

/* Is path (as loaded) one of the files a rename leaves alone? */
static bool kept(const struct rename *rn, const char *path)
{
	size_t n = path ? strlen(path) : 0;
	int i;

	for (i = 0; path && i < rn->keep.n; i++) {
		size_t k = strlen(rn->keep.v[i]);

		if (!strcmp(path, rn->keep.v[i]) ||
		    (n > k && path[n - k - 1] == '/' &&
		     !strcmp(path + n - k, rn->keep.v[i])))
			return true;
	}
	return false;
}

/* The rename of s, or NULL. */
static const struct rename *find_rename(const struct verify_opts *o,
					const char *s, unsigned len)
{
	int i;

	for (i = 0; i < o->nrenames; i++)
		if (strlen(o->renames[i].from) == len &&
		    !memcmp(o->renames[i].from, s, len))
			return &o->renames[i];
	return NULL;
}

/* The new name of s in the file path (NULL: any file), or NULL. */
static const char *rename_in(const struct verify_opts *o, const char *s,
			     unsigned len, const char *path)
{
	const struct rename *rn = find_rename(o, s, len);

	return rn && !kept(rn, path) ? rn->to : NULL;
}

static const char *rename_of(const struct verify_opts *o, const char *s,
			     unsigned len)
{
	return rename_in(o, s, len, NULL);
}

static char *renamed_name(const struct verify_opts *o, const char *name,
			  const char *path)
{
	const char *r = name ? rename_in(o, name, strlen(name), path) : NULL;

	return xstrdup(r ? r : name ? name : "");
}

static bool is_header(const char *path)
{
	size_t n = strlen(path);

	return n > 2 && !strcmp(path + n - 2, ".h");
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* ---------------------------------------------------------------------
 * Token sequences
 */

struct seq {
	const struct file_model *fm;
	int *t;			/* code token indices */
	int n;
	int static_at;		/* token index of a depth-0 'static', -1 */
	int *c;			/* comment token indices inside the code */
	int nc;
};

static bool has_linkage(enum ent_kind k)
{
	return k == EK_FUNC || k == EK_PROTO || k == EK_VAR;
}

static void seq_build(struct seq *s, const struct file_model *fm,
		      const struct entity *e)
{
	int i, depth = 0;
	bool in_spec = has_linkage(e->kind);

	s->fm = fm;
	s->t = xmalloc((e->ntok + 1) * sizeof(int));
	s->c = xmalloc((e->ntok + 1) * sizeof(int));
	s->n = s->nc = 0;
	s->static_at = -1;
	for (i = e->tok; i < e->tok + e->ntok; i++) {
		if (fm->tok[i].kind == TK_COMMENT) {
			s->c[s->nc++] = i;
			continue;
		}
		if (tok_is(fm, i, "(") || tok_is(fm, i, "{") ||
		    tok_is(fm, i, "=") || tok_is(fm, i, "["))
			in_spec = false;
		if (in_spec && !depth && s->static_at < 0 &&
		    tok_is(fm, i, "static")) {
			s->static_at = i;
			continue;
		}
		s->t[s->n++] = i;
	}
}

static void seq_free(struct seq *s)
{
	free(s->t);
	free(s->c);
}

/* Is token t the member name of a '.' or '->' access?  Renames skip it. */
static bool is_member(const struct file_model *fm, int t)
{
	while (--t >= 0 && fm->tok[t].kind == TK_COMMENT)
		;
	return t >= 0 && (tok_is(fm, t, ".") || tok_is(fm, t, "->"));
}

/* Compare code tokens; returns -1 if equal, else the first differing position. */
static int seq_diff(const struct seq *x, const struct seq *y,
		    const struct verify_opts *o, const char *from,
		    const char *to)
{
	int i;

	for (i = 0; i < x->n && i < y->n; i++) {
		unsigned lx, ly;
		const char *sx = tok_text(x->fm, x->t[i], &lx);
		const char *sy = tok_text(y->fm, y->t[i], &ly);
		const char *r = NULL;

		if (x->fm->tok[x->t[i]].kind == TK_IDENT &&
		    !is_member(x->fm, x->t[i])) {
			r = rename_in(o, sx, lx, x->fm->path);
			if (!r && from && strlen(from) == lx && !memcmp(sx, from, lx))
				r = to;
		}
		if (r) {
			sx = r;
			lx = strlen(r);
		}
		if (lx != ly || memcmp(sx, sy, lx))
			return i;
	}
	return x->n == y->n ? -1 : i;
}

static bool is_ident_char(char ch)
{
	return ch == '_' || (ch >= '0' && ch <= '9') ||
	       (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/*
 * A comment of before with the given renames applied to the words that
 * name a renamed entity: a rename also renames the comments naming it.
 * Takes ownership of text.
 */
static char *rename_words(const struct verify_opts *o, char *text,
			  const char *path)
{
	struct strbuf sb = { 0 };
	const char *s = text;

	if (!o || !text)
		return text;
	while (*s) {
		const struct rename *rn;
		const char *w = s;

		if (!is_ident_char(*s) || (s > text && is_ident_char(s[-1]))) {
			sb_addc(&sb, *s++);
			continue;
		}
		while (is_ident_char(*s))
			s++;
		/* detected renames stay out of comments: nobody asked for them */
		rn = find_rename(o, w, s - w);
		if (rn && !rn->detected && !kept(rn, path))
			sb_adds(&sb, rn->to);
		else
			sb_add(&sb, w, s - w);
	}
	free(text);
	return sb_detach(&sb);
}

static char *norm_comment(const struct file_model *fm, int t,
			  const struct verify_opts *o)
{
	struct strbuf sb = { 0 };
	unsigned len;
	const char *s = tok_text(fm, t, &len);

	add_normalised(&sb, s, len);
	return rename_words(o, sb_detach(&sb), fm->path);
}

/* Compare the comments inside the code; -1 if equal. */
static int comments_diff(const struct seq *x, const struct seq *y,
			 const struct verify_opts *o)
{
	int i;

	for (i = 0; i < x->nc && i < y->nc; i++) {
		char *cx = norm_comment(x->fm, x->c[i], o);
		char *cy = norm_comment(y->fm, y->c[i], NULL);
		int d = strcmp(cx, cy);

		free(cx);
		free(cy);
		if (d)
			return i;
	}
	return x->nc == y->nc ? -1 : i;
}

static struct entity *ent_of(struct side *s, const struct eref *r)
{
	return &s->fm[r->f].ent[r->e];
}

static struct file_model *fm_of(struct side *s, const struct eref *r)
{
	return &s->fm[r->f];
}

static bool bodies_equal(struct ctx *c, const struct eref *b,
			 const struct eref *a, const char *from, const char *to)
{
	struct seq x, y;
	bool eq;

	seq_build(&x, fm_of(c->b, b), ent_of(c->b, b));
	seq_build(&y, fm_of(c->a, a), ent_of(c->a, a));
	eq = seq_diff(&x, &y, c->o, from, to) < 0;
	seq_free(&x);
	seq_free(&y);
	return eq;
}

/* ---------------------------------------------------------------------
 * Collecting and pairing
 */

static void collect(struct ctx *c, struct side *s, bool before,
		    struct eref **out, int *n)
{
	int f, e, alloc = 0;

	*out = NULL;
	*n = 0;
	for (f = 0; f < s->n; f++) {
		if (!s->present[f])
			continue;
		for (e = 0; e < s->fm[f].nent; e++) {
			struct entity *en = &s->fm[f].ent[e];
			struct eref *r;
			char *name;

			if (en->kind == EK_COND)
				continue;
			ALLOC_GROW(*out, *n + 1, alloc);
			r = &(*out)[(*n)++];
			r->f = f;
			r->e = e;
			r->seq = *n;
			r->pair = -1;
			name = before ? renamed_name(c->o, en->name, s->fm[f].path) :
				xstrdup(en->name ? en->name : "");
			r->key = xasprintf("%s %s", kind_class(en->kind), name);
			free(name);
		}
	}
}

static int score(struct ctx *c, const struct eref *b, const struct eref *a)
{
	struct entity *eb = ent_of(c->b, b), *ea = ent_of(c->a, a);
	char *cb = cond_chain(fm_of(c->b, b), eb->cond);
	char *ca = cond_chain(fm_of(c->a, a), ea->cond);
	int s = 0;

	if (bodies_equal(c, b, a, NULL, NULL))
		s += 8;
	if (!strcmp(base_name(c->b->files.v[b->f]), base_name(c->a->files.v[a->f])))
		s += 4;
	if (!strcmp(cb, ca))
		s += 2;
	if (eb->is_static == ea->is_static)
		s += 1;
	free(cb);
	free(ca);
	return s;
}

static int cmp_key(const void *x, const void *y)
{
	const struct eref *a = x, *b = y;
	int d = strcmp(a->key, b->key);

	return d ? d : a->seq - b->seq;
}

static bool same_path(struct ctx *c, const struct eref *b, const struct eref *a)
{
	return !strcmp(c->b->files.v[b->f], c->a->files.v[a->f]);
}

static void pair_group(struct ctx *c, int b0, int b1, int a0, int a1)
{
	int i, k;

	/* what stayed where it was, unchanged, pairs first */
	for (i = b0; i < b1; i++)
		for (k = a0; k < a1; k++) {
			if (c->av[k].pair >= 0 || !same_path(c, &c->bv[i], &c->av[k]) ||
			    !bodies_equal(c, &c->bv[i], &c->av[k], NULL, NULL))
				continue;
			c->bv[i].pair = k;
			c->av[k].pair = i;
			break;
		}
	for (i = b0; i < b1; i++) {
		if (c->bv[i].pair >= 0)
			continue;
		int best = -1, best_score = -1;

		for (k = a0; k < a1; k++) {
			int s;

			if (c->av[k].pair >= 0)
				continue;
			s = score(c, &c->bv[i], &c->av[k]);
			if (s > best_score) {
				best = k;
				best_score = s;
			}
		}
		if (best >= 0) {
			c->bv[i].pair = best;
			c->av[best].pair = i;
		}
	}
}

static void pair_all(struct ctx *c)
{
	int i = 0, k = 0;

	qsort(c->bv, c->nb, sizeof(*c->bv), cmp_key);
	qsort(c->av, c->na, sizeof(*c->av), cmp_key);
	while (i < c->nb && k < c->na) {
		int d = strcmp(c->bv[i].key, c->av[k].key);
		int i1 = i, k1 = k;

		if (d < 0) {
			i++;
			continue;
		}
		if (d > 0) {
			k++;
			continue;
		}
		while (i1 < c->nb && !strcmp(c->bv[i1].key, c->bv[i].key))
			i1++;
		while (k1 < c->na && !strcmp(c->av[k1].key, c->av[k].key))
			k1++;
		pair_group(c, i, i1, k, k1);
		i = i1;
		k = k1;
	}
}

/* ---------------------------------------------------------------------
 * Findings
 */

static const char *bfile(struct ctx *c, const struct eref *r)
{
	return c->b->files.v[r->f];
}

static const char *afile(struct ctx *c, const struct eref *r)
{
	return c->a->files.v[r->f];
}

static char *tok_dup_at(const struct file_model *fm, int t)
{
	unsigned len;
	const char *s;

	if (t < 0)
		return xstrdup("(end)");
	s = tok_text(fm, t, &len);
	return xstrndup(s, len > 60 ? 60 : len);
}

static void report_changed(struct ctx *c, const struct eref *b,
			   const struct eref *a, const struct seq *x,
			   const struct seq *y, int at)
{
	struct entity *eb = ent_of(c->b, b);
	int tb = at < x->n ? x->t[at] : -1, ta = at < y->n ? y->t[at] : -1;
	char *sb = tok_dup_at(x->fm, tb), *sa = tok_dup_at(y->fm, ta);
	unsigned lb = tb >= 0 ? x->fm->tok[tb].line : eb->end_line;
	unsigned la = ta >= 0 ? y->fm->tok[ta].line : ent_of(c->a, a)->end_line;

	add_finding(&c->r->findings, "CHANGED", afile(c, a), la, eb->name,
		    "%s '%s' changed: '%s' at %s:%u became '%s' at %s:%u",
		    ent_kind_name[eb->kind], eb->name, sb, bfile(c, b), lb, sa,
		    afile(c, a), la);
	free(sb);
	free(sa);
}

/*
 * A definition is declared when its name is, or, for a name a macro makes
 * (FNAME(x) in a template), when every instance libclang saw is.
 */
static bool declared_in_header(struct ctx *c, const struct entity *e)
{
	int i, n = 0;

	if (sl_has(&c->hdr_protos, e->name))
		return true;
	for (i = 0; i < e->defs.n; i++) {
		if (!strcmp(e->defs.v[i], e->name))
			continue;
		if (!sl_has(&c->hdr_protos, e->defs.v[i]))
			return false;
		n++;
	}
	return n > 0;
}

static void check_linkage(struct ctx *c, const struct eref *b,
			  const struct eref *a, bool sb, bool sa)
{
	struct entity *ea = ent_of(c->a, a);
	const char *name = ea->name;

	if (sb == sa)
		return;
	if (sb && !sa) {
		if (declared_in_header(c, ea))
			add_finding(&c->r->findings, "EXPOSED", afile(c, a),
				    ea->line, name, "'%s' made visible, declared in a header",
				    name);
		else
			add_finding(&c->r->findings, "LINKAGE_CHANGED", afile(c, a),
				    ea->line, name,
				    "'static' dropped from '%s' but no header declares it",
				    name);
	} else {
		add_finding(&c->r->findings, "UNEXPOSED", afile(c, a), ea->line,
			    name, "'%s' made static again", name);
	}
	(void)b;
}

static void check_comments(struct ctx *c, const struct eref *b,
			   const struct eref *a)
{
	struct entity *eb = ent_of(c->b, b), *ea = ent_of(c->a, a);
	char *cb = rename_words(c->o, entity_comment(fm_of(c->b, b), eb),
				fm_of(c->b, b)->path);
	char *ca = entity_comment(fm_of(c->a, a), ea);

	if (cb && !ca)
		add_finding(&c->r->findings, "COMMENT_LOST", afile(c, a), ea->line,
			    eb->name, "the comment above %s '%s' (%s:%u) is lost",
			    ent_kind_name[eb->kind], eb->name, bfile(c, b), eb->line);
	else if ((cb || ca) && (!cb || !ca || strcmp(cb, ca)))
		add_finding(&c->r->findings, "COMMENT_CHANGED", afile(c, a),
			    ea->line, eb->name,
			    "the comment above %s '%s' changed (was %s:%u)",
			    ent_kind_name[eb->kind], eb->name, bfile(c, b), eb->line);
	free(cb);
	free(ca);
}

static void check_pair(struct ctx *c, const struct eref *b, const struct eref *a)
{
	struct entity *eb = ent_of(c->b, b), *ea = ent_of(c->a, a);
	char *cb, *ca;
	struct seq x, y;
	int at;

	if (eb->kind == EK_COMMENT) {
		struct seq sx, sy;

		seq_build(&sx, fm_of(c->b, b), eb);
		seq_build(&sy, fm_of(c->a, a), ea);
		if (comments_diff(&sx, &sy, c->o) >= 0)
			add_finding(&c->r->findings, "COMMENT_CHANGED", afile(c, a),
				    ea->line, eb->name, "comment block changed (was %s:%u)",
				    bfile(c, b), eb->line);
		seq_free(&sx);
		seq_free(&sy);
		goto check_cond;
	}
	seq_build(&x, fm_of(c->b, b), eb);
	seq_build(&y, fm_of(c->a, a), ea);
	at = seq_diff(&x, &y, c->o, NULL, NULL);
	if (at >= 0)
		report_changed(c, b, a, &x, &y, at);
	else if (comments_diff(&x, &y, c->o) >= 0)
		add_finding(&c->r->findings, "COMMENT_CHANGED", afile(c, a),
			    ea->line, eb->name,
			    "a comment inside %s '%s' changed (was %s:%u)",
			    ent_kind_name[eb->kind], eb->name, bfile(c, b), eb->line);
	check_linkage(c, b, a, x.static_at >= 0, y.static_at >= 0);
	seq_free(&x);
	seq_free(&y);
	check_comments(c, b, a);
check_cond:
	cb = cond_chain(fm_of(c->b, b), eb->cond);
	ca = cond_chain(fm_of(c->a, a), ea->cond);
	if (strcmp(cb, ca))
		add_finding(&c->r->findings, "CONDITION_CHANGED", afile(c, a),
			    ea->line, eb->name,
			    "%s '%s' was under '%s' (%s:%u), now under '%s'",
			    ent_kind_name[eb->kind], eb->name, *cb ? cb : "no #if",
			    bfile(c, b), eb->line, *ca ? ca : "no #if");
	free(cb);
	free(ca);
}

/* The key of the next code entity after a comment, to pair changed comments. */
static const char *next_key(struct eref *v, int n, int f, int e, struct side *s)
{
	int i, best = -1;

	for (i = 0; i < n; i++)
		if (v[i].f == f && v[i].e > e &&
		    s->fm[f].ent[v[i].e].kind != EK_COMMENT &&
		    (best < 0 || v[i].e < v[best].e))
			best = i;
	return best >= 0 ? v[best].key : "";
}

static void pair_comments(struct ctx *c)
{
	int i, k;

	for (i = 0; i < c->nb; i++) {
		struct eref *b = &c->bv[i];

		if (b->pair >= 0 || ent_of(c->b, b)->kind != EK_COMMENT)
			continue;
		for (k = 0; k < c->na; k++) {
			struct eref *a = &c->av[k];

			if (a->pair >= 0 || ent_of(c->a, a)->kind != EK_COMMENT)
				continue;
			if (strcmp(next_key(c->bv, c->nb, b->f, b->e, c->b),
				   next_key(c->av, c->na, a->f, a->e, c->a)))
				continue;
			b->pair = k;
			a->pair = i;
			break;
		}
	}
}

static bool new_file_boilerplate(struct ctx *c, const struct eref *a)
{
	struct file_model *fm = fm_of(c->a, a);
	struct entity *e = ent_of(c->a, a);
	int f;

	for (f = 0; f < c->b->n; f++)
		if (!strcmp(c->b->files.v[f], afile(c, a)) && c->b->present[f])
			return false;
	if (e->kind == EK_COMMENT && a->e == 0)
		return true;
	return e->kind == EK_MACRO && fm->guard >= 0 &&
	       fm->ent[fm->guard].endif >= 0 && a->e > fm->guard &&
	       tok_is(fm, fm->ent[fm->guard].tok + 2, e->name) &&
	       e->ntok == 3;
}

static bool key_in(struct eref *v, int n, const char *key)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i].key, key))
			return true;
	return false;
}

static void report_unpaired_after(struct ctx *c, const struct eref *a)
{
	struct entity *e = ent_of(c->a, a);
	const char *f = afile(c, a);

	if (e->kind == EK_INCLUDE) {
		add_finding(&c->r->findings, "INCLUDE_ADDED", f, e->line, e->name,
			    "#include %s added", e->name);
	} else if (e->kind == EK_PROTO && !e->is_static && is_header(f) &&
		   sl_has(&c->a_defined, e->name)) {
		add_finding(&c->r->findings, "PROTOTYPE_ADDED", f, e->line, e->name,
			    "declaration of '%s' added", e->name);
	} else if (e->kind == EK_PROTO && e->is_static && !is_header(f) &&
		   sl_has(&c->a_static, e->name)) {
		add_finding(&c->r->findings, "FORWARD_DECLARATION_ADDED", f,
			    e->line, e->name, "static '%s' declared before its first use",
			    e->name);
	} else if (new_file_boilerplate(c, a)) {
		add_finding(&c->r->findings, "NEW_FILE", f, e->line, e->name,
			    "%s of the new file", ent_kind_name[e->kind]);
	} else if (key_in(c->bv, c->nb, a->key)) {
		add_finding(&c->r->findings, "DUPLICATED", f, e->line, e->name,
			    "%s '%s' is there once more than before",
			    ent_kind_name[e->kind], e->name);
	} else {
		add_finding(&c->r->findings, "UNDECLARED_ADDITION", f, e->line,
			    e->name, "%s '%s' is new", ent_kind_name[e->kind],
			    e->name);
	}
}

static void report_unpaired_before(struct ctx *c, const struct eref *b)
{
	struct entity *e = ent_of(c->b, b);
	const char *f = bfile(c, b);

	if (e->kind == EK_PROTO && is_header(f) && sl_has(&c->a_static, e->name) &&
	    !sl_has(&c->hdr_protos, e->name)) {
		add_finding(&c->r->findings, "PROTOTYPE_REMOVED", f, e->line,
			    e->name, "declaration of '%s' dropped, it is static now",
			    e->name);
	} else if (e->kind == EK_PROTO && !is_header(f) &&
		   sl_has(&c->hdr_protos, e->name) && sl_has(&c->a_defined, e->name)) {
		add_finding(&c->r->findings, "FORWARD_DECLARATION_DROPPED", f,
			    e->line, e->name,
			    "forward declaration of '%s' dropped, a header declares it",
			    e->name);
	} else if (e->kind == EK_COMMENT) {
		add_finding(&c->r->findings, "COMMENT_LOST", f, e->line, e->name,
			    "comment block '%s' is lost", e->name);
	} else {
		add_finding(&c->r->findings, "LOST", f, e->line, e->name,
			    "%s '%s' is lost", ent_kind_name[e->kind], e->name);
	}
}

static void index_after(struct ctx *c)
{
	int f, e;

	for (f = 0; f < c->a->n; f++) {
		struct file_model *fm = &c->a->fm[f];

		if (!c->a->present[f])
			continue;
		for (e = 0; e < fm->nent; e++) {
			struct entity *en = &fm->ent[e];

			if (en->kind == EK_PROTO && !en->is_static &&
			    is_header(c->a->files.v[f]))
				sl_add(&c->hdr_protos, en->name);
			if ((en->kind == EK_FUNC || en->kind == EK_VAR) &&
			    en->is_static)
				sl_add(&c->a_static, en->name);
			if (en->kind == EK_FUNC || en->kind == EK_VAR ||
			    en->kind == EK_MACROCALL || en->kind == EK_INCLUDE) {
				int k;

				for (k = 0; k < en->defs.n; k++)
					sl_add(&c->a_defined, en->defs.v[k]);
				sl_add(&c->a_defined, en->name);
			}
		}
	}
}

/* Lost and added entities of one kind with equal bodies but the name: renames. */
static int detect_renames(struct ctx *c)
{
	int i, k, found = 0;

	for (i = 0; i < c->nb; i++) {
		struct eref *b = &c->bv[i];
		struct entity *eb = ent_of(c->b, b);

		if (b->pair >= 0 || !has_linkage(eb->kind) || !eb->name)
			continue;
		for (k = 0; k < c->na; k++) {
			struct eref *a = &c->av[k];
			struct entity *ea = ent_of(c->a, a);

			if (a->pair >= 0 || ea->kind != eb->kind || !ea->name ||
			    !strcmp(ea->name, eb->name))
				continue;
			if (!bodies_equal(c, b, a, eb->name, ea->name))
				continue;
			b->pair = k;
			a->pair = i;
			found++;
			if (rename_of(c->o, eb->name, strlen(eb->name)))
				break;	/* the prototype of a function already seen */
			ALLOC_GROW(c->o->renames, c->o->nrenames + 1, c->o->alloc);
			c->o->renames[c->o->nrenames].from = xstrdup(eb->name);
			c->o->renames[c->o->nrenames].to = xstrdup(ea->name);
			c->o->renames[c->o->nrenames].detected = true;
			memset(&c->o->renames[c->o->nrenames].keep, 0,
			       sizeof(struct strlist));
			c->o->nrenames++;
			break;
		}
	}
	return found;
}

static bool is_rename_target(const struct verify_opts *o, const char *s)
{
	int i;

	for (i = 0; i < o->nrenames; i++)
		if (!strcmp(o->renames[i].to, s))
			return true;
	return false;
}

/* Does a comment token name `name` as a whole word? */
static bool comment_names(const struct file_model *fm, int t, const char *name)
{
	unsigned len, n = strlen(name);
	const char *s = tok_text(fm, t, &len), *end = s + len, *p = s;

	while (p + n <= end) {
		const char *hit = memmem(p, end - p, name, n);

		if (!hit)
			break;
		if ((hit == s || !is_ident_char(hit[-1])) &&
		    (hit + n == end || !is_ident_char(hit[n])))
			return true;
		p = hit + 1;
	}
	return false;
}

/*
 * The first use of a renamed name in a file: as an identifier, or, for a
 * rename the user asked for, as a word of a comment.
 */
static int first_left(const struct file_model *fm, const struct rename *rn)
{
	int t;

	for (t = 0; t < fm->ntok; t++) {
		if (fm->tok[t].kind == TK_IDENT && tok_is(fm, t, rn->from) &&
		    !is_member(fm, t))
			return t;
		if (fm->tok[t].kind == TK_COMMENT && !rn->detected &&
		    comment_names(fm, t, rn->from))
			return t;
	}
	return -1;
}

static void report_left(struct ctx *c, const char *file,
			const struct file_model *fm, int t,
			const struct rename *rn)
{
	add_finding(&c->r->findings, "RENAME_INCOMPLETE", file, fm->tok[t].line,
		    rn->from, "'%s' is still %s (renamed to '%s')", rn->from,
		    fm->tok[t].kind == TK_COMMENT ? "named in a comment" : "used",
		    rn->to);
}

/* Files that did not change were not parsed: tokenise them for old names. */
static void check_unchanged(struct ctx *c, const struct rename *rn)
{
	int i;

	for (i = 0; i < c->o->unchanged.n; i++) {
		char *path = xasprintf("%s/%s", c->o->after_root,
				       c->o->unchanged.v[i]);
		struct file_model fm;
		int t;

		if (sl_has(&rn->keep, c->o->unchanged.v[i])) {
			free(path);
			continue;
		}
		if (!file_model_load(&fm, path, NULL)) {
			t = first_left(&fm, rn);
			if (t >= 0)
				report_left(c, c->o->unchanged.v[i], &fm, t, rn);
			file_model_free(&fm);
		}
		free(path);
	}
}

static void check_renames(struct ctx *c)
{
	int i, f, t;

	for (i = 0; i < c->o->nrenames; i++) {
		const struct rename *rn = &c->o->renames[i];
		bool seen = false;

		add_finding(&c->r->findings, "RENAMED", "", 0, rn->from,
			    "'%s' renamed to '%s'%s", rn->from, rn->to,
			    rn->detected ? " (detected)" : "");
		if (is_rename_target(c->o, rn->from))
			continue;
		check_unchanged(c, rn);
		for (f = 0; f < c->a->n && !seen; f++) {
			struct file_model *fm = &c->a->fm[f];

			if (!c->a->present[f] || sl_has(&rn->keep, c->a->files.v[f]))
				continue;
			t = first_left(fm, rn);
			if (t < 0)
				continue;
			report_left(c, c->a->files.v[f], fm, t, rn);
			seen = true;
		}
	}
}

/* The comments on and above the #if/#else/#endif lines of a side. */
static void directive_comments(struct side *s, struct strlist *out,
			       struct strlist *where, const struct verify_opts *o)
{
	int f, e, t;

	for (f = 0; f < s->n; f++) {
		struct file_model *fm = &s->fm[f];

		if (!s->present[f])
			continue;
		for (e = 0; e < fm->nent; e++) {
			struct entity *en = &fm->ent[e];
			char *above = rename_words(o, entity_comment(fm, en),
						   fm->path);

			if (en->kind != EK_COND) {
				free(above);
				continue;
			}
			if (above) {
				sl_add_nodup(out, above);
				sl_add_nodup(where, xasprintf("%s:%u", s->files.v[f], en->line));
			}
			for (t = en->tok; t < en->tok + en->ntok; t++) {
				if (fm->tok[t].kind != TK_COMMENT)
					continue;
				sl_add_nodup(out, norm_comment(fm, t, o));
				sl_add_nodup(where, xasprintf("%s:%u", s->files.v[f],
							      fm->tok[t].line));
			}
		}
	}
}

/*
 * Conditional directives are structure, rebuilt where code moves, so they
 * are not paired; but every comment they carried must still be there.
 */
static void check_directive_comments(struct ctx *c)
{
	struct strlist b = { 0 }, bw = { 0 }, a = { 0 }, aw = { 0 };
	int i;

	directive_comments(c->b, &b, &bw, c->o);
	directive_comments(c->a, &a, &aw, NULL);
	for (i = 0; i < b.n; i++) {
		char *colon;

		if (sl_has(&a, b.v[i]))
			continue;
		colon = strrchr(bw.v[i], ':');
		*colon = '\0';
		add_finding(&c->r->findings, "COMMENT_LOST", bw.v[i],
			    atoi(colon + 1), "", "the comment '%.40s' of a "
			    "conditional directive is lost", b.v[i]);
	}
	sl_free(&b);
	sl_free(&bw);
	sl_free(&a);
	sl_free(&aw);
}

/* What a hand-written step may change, lose or add: the entities it declares. */
static const char *const declarable[] = {
	"CHANGED", "COMMENT_CHANGED", "COMMENT_LOST", "CONDITION_CHANGED",
	"DUPLICATED", "LINKAGE_CHANGED", "LOST", "UNDECLARED_ADDITION", NULL
};

static void apply_declared(const struct verify_opts *o, struct findings *f)
{
	const struct finding_type *to = finding_type(f, "DECLARED_CHANGE");
	int i, k;

	for (i = 0; i < f->n; i++) {
		struct finding *x = &f->v[i];
		char *msg;

		if (!x->symbol || !sl_has(&o->declared, x->symbol))
			continue;
		for (k = 0; declarable[k]; k++)
			if (!strcmp(x->type->name, declarable[k]))
				break;
		if (!declarable[k])
			continue;
		msg = xasprintf("%s (%s)", x->message, x->type->name);
		free(x->message);
		x->message = msg;
		x->type = to;
	}
}

/* Every comment token of after, normalised. */
static void after_comments(struct side *a, struct strlist *out)
{
	int f, t;

	for (f = 0; f < a->n; f++) {
		struct file_model *fm = &a->fm[f];

		if (!a->present[f])
			continue;
		for (t = 0; t < fm->ntok; t++)
			if (fm->tok[t].kind == TK_COMMENT)
				sl_add_nodup(out, norm_comment(fm, t, NULL));
	}
}

static void check_declared_comment(struct ctx *c, struct file_model *fm,
				   struct entity *e, int t,
				   struct strlist *after)
{
	char *text = norm_comment(fm, t, c->o);

	if (!sl_has(after, text))
		add_finding(&c->r->findings, "COMMENT_LOST", fm->path,
			    fm->tok[t].line, "",
			    "a comment of %s '%s', which the step may change, is "
			    "gone: '%.40s'", ent_kind_name[e->kind], e->name, text);
	free(text);
}

/*
 * A declared change may rewrite code, not drop what it says: every comment
 * in or above a declared entity of before must still be somewhere after.
 */
static void check_declared_comments(struct ctx *c)
{
	struct strlist after = { 0 };
	int f, e, t;

	if (!c->o->declared.n)
		return;
	after_comments(c->a, &after);
	for (f = 0; f < c->b->n; f++) {
		struct file_model *fm = &c->b->fm[f];

		if (!c->b->present[f])
			continue;
		for (e = 0; e < fm->nent; e++) {
			struct entity *en = &fm->ent[e];

			if (en->kind == EK_COMMENT || !en->name ||
			    !sl_has(&c->o->declared, en->name))
				continue;
			for (t = en->tok; t < en->tok + en->ntok; t++)
				if (fm->tok[t].kind == TK_COMMENT)
					check_declared_comment(c, fm, en, t, &after);
			for (t = en->ctok; en->ctok >= 0 && t < en->ctok + en->nctok; t++)
				if (fm->tok[t].kind == TK_COMMENT)
					check_declared_comment(c, fm, en, t, &after);
		}
	}
	sl_free(&after);
}

/*
 * The code lines of the declared function definitions of one side, each
 * as its tokens joined by one space (indentation and spacing aside, in
 * comments too), with the 'static' of the head left out: linkage is
 * checked on its own.  With `tag`, each line
 * is followed by "\x01FILE\x01LINE\x01FUNCTION", to say where it was.
 */
static void declared_lines(const struct side *s, const struct strlist *names,
			   bool tag, struct strlist *out)
{
	int f, e, t;

	for (f = 0; f < s->n; f++) {
		const struct file_model *fm = &s->fm[f];

		if (!s->present[f])
			continue;
		for (e = 0; e < fm->nent; e++) {
			const struct entity *en = &fm->ent[e];
			struct strbuf sb = { 0 };
			bool body = false;

			if (en->kind != EK_FUNC || !en->name ||
			    !sl_has(names, en->name))
				continue;
			for (t = en->tok; t < en->tok + en->ntok; t++) {
				unsigned len;
				const char *txt = tok_text(fm, t, &len);

				body |= tok_is(fm, t, "{");
				if (body || !tok_is(fm, t, "static")) {
					if (sb.len)
						sb_addc(&sb, ' ');
					/* a comment re-indented with its code */
					if (fm->tok[t].kind == TK_COMMENT)
						add_normalised(&sb, txt, len);
					else
						sb_add(&sb, txt, len);
				}
				if (t + 1 < en->tok + en->ntok &&
				    fm->tok[t + 1].line == fm->tok[t].line)
					continue;
				if (sb.len && tag)
					sb_addf(&sb, "\x01%s\x01%u\x01%s", s->files.v[f],
						fm->tok[t].line, en->name);
				if (sb.len)
					sl_add(out, sb.buf);
				sb.len = 0;
			}
			sb_release(&sb);
		}
	}
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* "text\x01..." against "text": the text part only. */
static int cmp_line(const char *tagged, const char *plain)
{
	size_t n = strcspn(tagged, "\x01"), m = strlen(plain);
	int r = strncmp(tagged, plain, n < m ? n : m);

	return r ? r : (n > m) - (n < m);
}

/*
 * An extraction moves lines between the declared functions and adds a
 * few (the new function's head, the call, a return); it loses none.
 */
static void check_declared_lines(struct ctx *c)
{
	struct strlist b = { 0 }, a = { 0 };
	int i, j = 0, cmp;

	if (!c->o->keep_lines || !c->o->declared.n)
		return;
	declared_lines(c->b, &c->o->declared, true, &b);
	declared_lines(c->a, &c->o->declared, false, &a);
	if (b.n)
		qsort(b.v, b.n, sizeof(*b.v), cmp_str);
	if (a.n)
		qsort(a.v, a.n, sizeof(*a.v), cmp_str);
	for (i = 0; i < b.n; i++) {
		char *file, *line, *fn;

		while (j < a.n && cmp_line(b.v[i], a.v[j]) > 0)
			j++;
		cmp = j < a.n ? cmp_line(b.v[i], a.v[j]) : 1;
		if (!cmp) {
			j++;
			continue;
		}
		file = strchr(b.v[i], '\x01');
		*file++ = '\0';
		line = strchr(file, '\x01');
		*line++ = '\0';
		fn = strchr(line, '\x01');
		*fn++ = '\0';
		add_finding(&c->r->findings, "LINE_LOST", file, atoi(line), fn,
			    "'%.60s' of func '%s' is in no declared function "
			    "after", b.v[i], fn);
	}
	sl_free(&b);
	sl_free(&a);
}

static void record_matches(struct ctx *c)
{
	int i;

	for (i = 0; i < c->nb; i++) {
		struct match *m;

		if (c->bv[i].pair < 0)
			continue;
		ALLOC_GROW(c->r->matches, c->r->nmatches + 1, c->r->alloc);
		m = &c->r->matches[c->r->nmatches++];
		m->bf = c->bv[i].f;
		m->be = c->bv[i].e;
		m->af = c->av[c->bv[i].pair].f;
		m->ae = c->av[c->bv[i].pair].e;
	}
}

static int cmp_match(const void *x, const void *y)
{
	const struct match *a = x, *b = y;

	return a->bf != b->bf ? a->bf - b->bf : a->be - b->be;
}

static void free_refs(struct eref *v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(v[i].key);
	free(v);
}

void verify(struct side *before, struct side *after, struct verify_opts *o,
	    struct verify_result *r)
{
	struct ctx c = { .b = before, .a = after, .o = o, .r = r };
	int i;

	index_after(&c);
	for (;;) {
		collect(&c, before, true, &c.bv, &c.nb);
		collect(&c, after, false, &c.av, &c.na);
		pair_all(&c);
		pair_comments(&c);
		if (!o->detect_renames || !detect_renames(&c))
			break;
		/* re-pair with the detected renames applied everywhere */
		free_refs(c.bv, c.nb);
		free_refs(c.av, c.na);
	}
	for (i = 0; i < c.nb; i++) {
		if (c.bv[i].pair >= 0)
			check_pair(&c, &c.bv[i], &c.av[c.bv[i].pair]);
		else
			report_unpaired_before(&c, &c.bv[i]);
	}
	for (i = 0; i < c.na; i++)
		if (c.av[i].pair < 0)
			report_unpaired_after(&c, &c.av[i]);
	check_renames(&c);
	check_directive_comments(&c);
	apply_declared(o, &r->findings);
	check_declared_comments(&c);
	check_declared_lines(&c);
	record_matches(&c);
	if (r->nmatches)
		qsort(r->matches, r->nmatches, sizeof(*r->matches), cmp_match);
	sort_findings(&r->findings);
	free_refs(c.bv, c.nb);
	free_refs(c.av, c.na);
	sl_free(&c.hdr_protos);
	sl_free(&c.a_static);
	sl_free(&c.a_defined);
}
