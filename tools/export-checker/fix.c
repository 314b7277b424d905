// SPDX-License-Identifier: GPL-2.0
/*
 * --fix: byte-exact edits for SHOULD_BE_STATIC (add "static" to the
 * definition, drop its declarations from the headers of the set) and
 * MISSING_PROTOTYPE (add the definition's prototype to the header of
 * its side).  Nothing else in a file changes; files are written
 * atomically.
 */
#include <stdlib.h>
#include <string.h>

#include "checker.h"

struct edit {
	unsigned off, del;
	char *text;
	int seq;		/* keeps insertions at one offset in order */
};

struct edited {
	struct file_model fm;
	bool loaded, failed;
	struct edit *v;
	int n, alloc;
};

struct fixer {
	struct collection *c;
	const struct header_map *hm;
	struct findings *notes;
	struct edited **files;	/* by file id; entries never move */
	int nfiles;
	int seq;
};

static struct edited *edited(struct fixer *fx, int id)
{
	struct edited *ed;

	if (id >= fx->nfiles) {
		fx->files = xrealloc(fx->files, (id + 1) * sizeof(*fx->files));
		memset(fx->files + fx->nfiles, 0,
		       (id + 1 - fx->nfiles) * sizeof(*fx->files));
		fx->nfiles = id + 1;
	}
	if (!fx->files[id])
		fx->files[id] = xcalloc(1, sizeof(**fx->files));
	ed = fx->files[id];
	if (!ed->loaded && !ed->failed) {
		char *path = xasprintf("%s/%s", fx->c->tree->root,
				       fx->c->files[id].path);

		if (file_model_load(&ed->fm, path, NULL))
			ed->failed = true;
		else
			ed->loaded = true;
		free(path);
	}
	return ed->loaded ? ed : NULL;
}

static void add_edit(struct fixer *fx, struct edited *ed, unsigned off,
		     unsigned del, char *text)
{
	int i;

	/* one "static" for the three instantiations of a template */
	for (i = 0; i < ed->n; i++) {
		if (ed->v[i].off == off && ed->v[i].del == del &&
		    !strcmp(ed->v[i].text, text)) {
			free(text);
			return;
		}
	}
	ALLOC_GROW(ed->v, ed->n + 1, ed->alloc);
	ed->v[ed->n].off = off;
	ed->v[ed->n].del = del;
	ed->v[ed->n].text = text;
	ed->v[ed->n].seq = fx->seq++;
	ed->n++;
}

/*
 * The top-level entity at `off` that defines or declares `name`; in a
 * template, FNAME(x) spells the name only after preprocessing.
 */
static struct entity *entity_for(struct file_model *fm, unsigned off,
				 const char *name)
{
	struct entity *decl = NULL;
	int i;

	for (i = 0; i < fm->nent; i++) {
		struct entity *e = &fm->ent[i];

		if (off < e->start || off >= e->end)
			continue;
		if (entity_defines(e, name))
			return e;
		if (e->kind == EK_FUNC || e->kind == EK_VAR || e->kind == EK_PROTO)
			decl = e;
	}
	return decl;
}

static struct entity *entity_containing(struct file_model *fm, unsigned off)
{
	int i;

	for (i = 0; i < fm->nent; i++)
		if (off >= fm->ent[i].start && off < fm->ent[i].end)
			return &fm->ent[i];
	return NULL;
}

static unsigned code_start(const struct file_model *fm, const struct entity *e)
{
	return fm->tok[e->tok].start;
}

/* "static " before the declaration specifiers, or instead of "extern". */
static void add_static(struct fixer *fx, struct edited *ed, struct entity *e)
{
	if (e->is_static)
		return;
	if (tok_is(&ed->fm, e->tok, "extern"))
		add_edit(fx, ed, code_start(&ed->fm, e), 6, xstrdup("static"));
	else
		add_edit(fx, ed, code_start(&ed->fm, e), 0, xstrdup("static "));
}

static char *rtrim_dup(const char *s, size_t n)
{
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n'))
		n--;
	return xstrndup(s, n);
}

/* The prototype a definition implies, without the trailing ';'. */
static char *prototype_of(const struct file_model *fm, const struct entity *e,
			  bool is_func)
{
	int i, depth = 0;
	unsigned from = code_start(fm, e);

	for (i = e->tok; i < e->tok + e->ntok; i++) {
		if (tok_is(fm, i, "(") || tok_is(fm, i, "["))
			depth++;
		else if (tok_is(fm, i, ")") || tok_is(fm, i, "]"))
			depth--;
		else if (!depth && (is_func ? tok_is(fm, i, "{") :
				    tok_is(fm, i, "=") || tok_is(fm, i, ";")))
			break;
	}
	if (i >= e->tok + e->ntok)
		return NULL;
	return rtrim_dup(fm->buf + from, fm->tok[i].start - from);
}

/* Delete a declaration's whole lines; one blank line of two goes too. */
static void drop_declaration(struct fixer *fx, struct edited *ed,
			     struct entity *p)
{
	const char *buf = ed->fm.buf;
	unsigned end = p->end;

	if (p->start >= 2 && buf[p->start - 1] == '\n' &&
	    buf[p->start - 2] == '\n' && end < ed->fm.len && buf[end] == '\n')
		end++;
	add_edit(fx, ed, p->start, end - p->start, xstrdup(""));
}

static unsigned first_use_in_def_tu(const struct sym *s)
{
	int i;

	for (i = 0; i < s->nuses; i++)
		if (s->uses[i].tu == s->def_tu)
			return s->uses[i].first_off;
	return UINT_MAX;
}

/* A use before the definition needs a static forward declaration. */
static void forward_declare(struct fixer *fx, struct edited *ed,
			    const struct sym *s, const char *proto)
{
	unsigned use = first_use_in_def_tu(s);
	struct entity *user;

	if (use >= s->def.off || !proto)
		return;
	user = entity_containing(&ed->fm, use);
	if (!user)
		return;
	if (!strncmp(proto, "extern ", 7))
		proto += 7;
	add_edit(fx, ed, user->start, 0,
		 xasprintf("static %s;\n\n", proto));
}

static void make_static(struct fixer *fx, struct sym *s)
{
	struct collection *c = fx->c;
	struct edited *ed = edited(fx, s->def.file);
	struct strbuf dropped = { 0 };
	char *proto = NULL;
	struct entity *e;
	int i;

	e = ed ? entity_for(&ed->fm, s->def.off, s->name) : NULL;
	if (!e) {
		warning("%s:%u: cannot find the definition of '%s' to fix",
			c->files[s->def.file].path, s->def.line, s->name);
		return;
	}
	for (i = 0; i < s->ndecls; i++) {
		const struct site *d = &s->decls[i];
		struct edited *hd = d->macro ? NULL : edited(fx, d->file);
		struct entity *p = hd ? entity_for(&hd->fm, d->off, s->name) : NULL;

		if (!p || p->kind != EK_PROTO)
			continue;
		if (d->file == s->def.file) {
			add_static(fx, hd, p);
			continue;
		}
		if (!proto)
			proto = prototype_of(&hd->fm, p, false);
		drop_declaration(fx, hd, p);
		sb_addf(&dropped, ", dropped its declaration at %s:%u",
			c->files[d->file].path, d->line);
	}
	if (!proto)
		proto = prototype_of(&ed->fm, e, s->is_func);
	if (!c->files[s->def.file].tmpl)
		forward_declare(fx, ed, s, proto);
	add_static(fx, ed, e);
	add_finding(fx->notes, "FIXED", c->files[s->def.file].path, s->def.line,
		    s->name, "made '%s' static%s", s->name,
		    dropped.len ? dropped.buf : "");
	sb_release(&dropped);
	free(proto);
}

/* The header of the definition's side, relative to the root. */
static char *header_for(const struct fixer *fx, const char *file)
{
	const struct header_map *hm = fx->hm;
	int i;

	for (i = hm->from.n - 1; i >= 0; i--) {
		const char *to = hm->to.v[i];
		const char *slash = strrchr(file, '/');

		if (strcmp(hm->from.v[i], file) &&
		    strcmp(hm->from.v[i], base_name(file)))
			continue;
		if (strchr(to, '/') || !slash)
			return xstrdup(to);
		return xasprintf("%.*s/%s", (int)(slash - file), file, to);
	}
	return NULL;
}

/* Before the include guard's #endif and the blank lines above it. */
static unsigned insertion_point(const struct file_model *fm)
{
	const struct entity *endif;
	unsigned pos;

	if (fm->guard < 0)
		return fm->len;
	endif = &fm->ent[fm->ent[fm->guard].endif];
	pos = code_start(fm, endif);
	while (pos && fm->buf[pos - 1] != '\n')
		pos--;
	while (pos >= 2 && fm->buf[pos - 1] == '\n' && fm->buf[pos - 2] == '\n')
		pos--;
	return pos;
}

static void add_prototype(struct fixer *fx, struct sym *s)
{
	struct collection *c = fx->c;
	const char *file = c->files[s->def.file].path;
	struct edited *ed = edited(fx, s->def.file), *hd;
	char *header = header_for(fx, file), *path, *proto;
	struct entity *e;
	unsigned at;

	e = ed ? entity_for(&ed->fm, s->def.off, s->name) : NULL;
	proto = e ? prototype_of(&ed->fm, e, s->is_func) : NULL;
	if (!header || !proto) {
		warning("%s:%u: cannot add a prototype of '%s'%s", file,
			s->def.line, s->name,
			header ? "" : ": no header for its file (--header FILE=HEADER)");
		goto out_free;
	}
	path = xasprintf("%s/%s", c->tree->root, header);
	hd = is_dir(path) ? NULL : edited(fx, file_id(c, path));
	free(path);
	if (!hd) {
		warning("cannot read header '%s' for '%s'", header, s->name);
		goto out_free;
	}
	at = insertion_point(&hd->fm);
	if (at && hd->fm.buf[at - 1] != '\n')
		add_edit(fx, hd, at, 0, xstrdup("\n"));
	add_edit(fx, hd, at, 0, xasprintf("%s%s;\n", s->is_func ? "" : "extern ",
					  proto));
	add_finding(fx->notes, "FIXED", file, s->def.line, s->name,
		    "declared '%s' in %s", s->name, header);
out_free:
	free(proto);
	free(header);
}

static int cmp_edit(const void *a, const void *b)
{
	const struct edit *x = a, *y = b;

	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	return x->seq - y->seq;
}

static int apply(struct fixer *fx, int id, struct edited *ed)
{
	struct strbuf sb = { 0 };
	unsigned at = 0;
	char *path;
	int i, ret;

	qsort(ed->v, ed->n, sizeof(*ed->v), cmp_edit);
	for (i = 0; i < ed->n; i++) {
		struct edit *x = &ed->v[i];
		unsigned off = x->off < at ? at : x->off;

		sb_add(&sb, ed->fm.buf + at, off - at);
		sb_adds(&sb, x->text);
		at = off + x->del > at ? off + x->del : at;
	}
	sb_add(&sb, ed->fm.buf + at, ed->fm.len - at);
	path = xasprintf("%s/%s", fx->c->tree->root, fx->c->files[id].path);
	ret = write_file_atomic(path, sb.buf ? sb.buf : "", sb.len);
	free(path);
	sb_release(&sb);
	return ret;
}

static void release_edited(struct edited *ed)
{
	int i;

	for (i = 0; i < ed->n; i++)
		free(ed->v[i].text);
	free(ed->v);
	if (ed->loaded)
		file_model_free(&ed->fm);
}

int fix_tree(struct collection *c, struct check_result *r,
	     const struct header_map *hm, struct findings *notes)
{
	struct fixer fx = { .c = c, .hm = hm, .notes = notes };
	int i, ret = 0;

	for (i = 0; i < r->nfixes; i++) {
		if (r->fixes[i].make_static)
			make_static(&fx, r->fixes[i].sym);
		else
			add_prototype(&fx, r->fixes[i].sym);
	}
	for (i = 0; i < fx.nfiles; i++) {
		if (!fx.files[i])
			continue;
		if (fx.files[i]->n && apply(&fx, i, fx.files[i]))
			ret = -1;
		release_edited(fx.files[i]);
		free(fx.files[i]);
	}
	free(fx.files);
	return ret;
}
