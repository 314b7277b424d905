// SPDX-License-Identifier: GPL-2.0
/*
 * The rules, on what collect.c gathered.
 */
#include <stdlib.h>
#include <string.h>

#include "checker.h"

const struct finding_type checker_types[] = {
	{ "MISSING_PROTOTYPE", SEV_ERROR,
	  "non-static definition with no earlier declaration in a header" },
	{ "SHOULD_BE_STATIC", SEV_ERROR,
	  "non-static symbol used only in its own file" },
	{ "STALE_PROTOTYPE", SEV_ERROR,
	  "declaration in a header of the set, defined nowhere in the module" },
	{ "PROTOTYPE_MISMATCH", SEV_ERROR,
	  "declaration and definition have different types" },
	{ "DUPLICATE_DECLARATION", SEV_ERROR,
	  "declared twice in the headers of the set, or twice in one file" },
	{ "HEADER_NOT_SELF_CONTAINED", SEV_ERROR,
	  "a header of the set does not compile on its own" },
	{ "EXPORT_LOST", SEV_ERROR,
	  "exported in the baseline, exported nowhere now" },
	{ "EXPORT_DUPLICATED", SEV_ERROR,
	  "EXPORT_SYMBOL*() of one name twice" },
	{ "FIXED", SEV_NOTE, "what --fix changed" },
	{ NULL, 0, NULL },
};

static const char *path_of(const struct collection *c, int id)
{
	return c->files[id].path;
}

/* Is the definition one the set is responsible for? */
static bool defined_in_set(const struct collection *c, const struct sym *s)
{
	const struct file_info *fi;

	if (!s->has_def)
		return false;
	fi = &c->files[s->def.file];
	return fi->in_set && (!fi->header || fi->tmpl);
}

/* Is the use in `file` a use in the defining file (or its template)? */
static bool same_file(const struct collection *c, int def, int file)
{
	if (def == file)
		return true;
	if (c->files[file].tmpl && is_template_user(c, file, def))
		return true;
	return c->files[def].tmpl && is_template_user(c, def, file);
}

static bool used_elsewhere(const struct collection *c, const struct sym *s)
{
	const struct lexname *ln = lexname_get(c, s->name);
	int i;

	if (ln && ln->nexports)
		return true;
	for (i = 0; i < s->nuses; i++)
		if (s->uses[i].tu != s->def_tu)
			return true;
	for (i = 0; ln && i < ln->nfiles; i++)
		if (!same_file(c, s->def.file, ln->files[i]))
			return true;
	return false;
}

static bool used_locally(const struct collection *c, const struct sym *s)
{
	const struct lexname *ln = lexname_get(c, s->name);
	int i;

	for (i = 0; i < s->nuses; i++)
		if (s->uses[i].tu == s->def_tu)
			return true;
	for (i = 0; ln && i < ln->nfiles; i++)
		if (same_file(c, s->def.file, ln->files[i]))
			return true;
	return false;
}

/* Declared where making it static would need an edit out of the set? */
static bool declared_outside_set(const struct collection *c,
				 const struct sym *s)
{
	int i;

	for (i = 0; i < s->ndecls; i++) {
		const struct site *d = &s->decls[i];

		if (d->macro || d->file == s->def.file)
			continue;
		if (!c->files[d->file].in_set || !c->files[d->file].header)
			return true;
	}
	return false;
}

static char *set_headers_of(const struct collection *c, const struct sym *s)
{
	struct strbuf sb = { 0 };
	int i;

	for (i = 0; i < s->ndecls; i++) {
		const struct site *d = &s->decls[i];

		if (d->macro || d->file == s->def.file)
			continue;
		sb_addf(&sb, "%s%s:%u", sb.len ? ", " : "", path_of(c, d->file),
			d->line);
	}
	return sb_detach(&sb);
}

/* A finding the user ignores is not fixed either (--fix --ignore TYPE). */
static void add_fixable(struct check_result *r, struct sym *s,
			bool make_static)
{
	if (sl_has(&r->findings.ignore, make_static ? "SHOULD_BE_STATIC" :
		   "MISSING_PROTOTYPE"))
		return;
	ALLOC_GROW(r->fixes, r->nfixes + 1, r->alloc);
	r->fixes[r->nfixes].sym = s;
	r->fixes[r->nfixes].make_static = make_static;
	r->nfixes++;
}

static void check_linkage(struct collection *c, struct sym *s,
			  struct check_result *r)
{
	struct findings *f = &r->findings;
	const char *file = path_of(c, s->def.file);
	const char *what = s->is_func ? "function" : "variable";

	if (!defined_in_set(c, s))
		return;
	if (used_locally(c, s) && !used_elsewhere(c, s) &&
	    !declared_outside_set(c, s)) {
		char *where = set_headers_of(c, s);
		/* a template's definitions live in the file including it */
		const char *unit = c->files[s->def.file].tmpl ?
				   c->tus.v[s->def_tu] : file;

		add_finding(f, "SHOULD_BE_STATIC", file, s->def.line, s->name,
			    "%s '%s' is used only in %s: make it static%s%s",
			    what, s->name, unit,
			    *where ? " and drop its declaration at " : "", where);
		free(where);
		if (!sl_has(&f->ignore, "SHOULD_BE_STATIC"))
			add_fixable(r, s, true);
	} else if (!s->declared_before) {
		add_finding(f, "MISSING_PROTOTYPE", file, s->def.line, s->name,
			    "non-static %s '%s' has no previous declaration in a header",
			    what, s->name);
		if (!sl_has(&f->ignore, "MISSING_PROTOTYPE"))
			add_fixable(r, s, false);
	}
}

/* "int [4]" completes "int []". */
static bool types_match(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	const char *open;

	if (!strcmp(a, b))
		return true;
	if (la > lb) {
		const char *t = a;

		a = b;
		b = t;
		la = lb;
	}
	if (la < 2 || strcmp(a + la - 2, "[]"))
		return false;
	open = strrchr(b, '[');
	return open && (size_t)(open - b) == la - 2 && !strncmp(a, b, la - 2);
}

static void check_types(struct collection *c, struct sym *s,
			struct check_result *r)
{
	int i;

	if (!s->has_def)
		return;
	for (i = 0; i < s->ndecls; i++) {
		const struct site *d = &s->decls[i];

		if (!c->files[d->file].in_set && !c->files[s->def.file].in_set)
			continue;
		if (types_match(d->type, s->def.type))
			continue;
		add_finding(&r->findings, "PROTOTYPE_MISMATCH", path_of(c, d->file),
			    d->line, s->name,
			    "'%s' is declared as '%s' but defined as '%s' at %s:%u",
			    s->name, d->type, s->def.type,
			    path_of(c, s->def.file), s->def.line);
	}
}

static void check_stale(struct collection *c, struct sym *s,
			struct check_result *r)
{
	const struct lexname *ln = lexname_get(c, s->name);
	int i;

	if (s->has_def || (ln && ln->ndefs))
		return;
	for (i = 0; i < s->ndecls; i++) {
		const struct site *d = &s->decls[i];
		const struct file_info *fi = &c->files[d->file];

		if (d->macro || !fi->in_set || !fi->header)
			continue;
		add_finding(&r->findings, "STALE_PROTOTYPE", fi->path, d->line,
			    s->name, "'%s' is declared but defined nowhere in the module",
			    s->name);
	}
}

/* Is `e` an earlier declaration that makes `d` a duplicate? */
static bool duplicates(const struct collection *c, const struct site *d,
		       const struct site *e)
{
	const struct file_info *fd = &c->files[d->file];
	const struct file_info *fe = &c->files[e->file];

	if (e == d || e->macro)
		return false;
	if (e->file == d->file)
		return e->line < d->line;
	if (!fd->header || !fe->header)
		return false;
	return !fe->in_set || strcmp(fe->path, fd->path) < 0;
}

static void check_duplicates(struct collection *c, struct sym *s,
			     struct check_result *r)
{
	int i, k;

	for (i = 0; i < s->ndecls; i++) {
		const struct site *d = &s->decls[i];

		if (d->macro || !c->files[d->file].in_set)
			continue;
		for (k = 0; k < s->ndecls; k++) {
			const struct site *e = &s->decls[k];

			if (!duplicates(c, d, e))
				continue;
			add_finding(&r->findings, "DUPLICATE_DECLARATION",
				    path_of(c, d->file), d->line, s->name,
				    "'%s' is also declared at %s:%u", s->name,
				    path_of(c, e->file), e->line);
			break;
		}
	}
}

static void check_headers(struct collection *c, struct check_result *r)
{
	int i;

	for (i = 0; i < c->broken.n; i++)
		add_finding(&r->findings, "HEADER_NOT_SELF_CONTAINED",
			    c->broken.v[i], 1, c->broken.v[i],
			    "%s does not compile on its own: %s", c->broken.v[i],
			    c->broken_why.v[i]);
}

static void check_duplicated_export(struct collection *c, const char *name,
				    const struct lexname *ln,
				    struct check_result *r)
{
	const struct export_site *first = NULL;
	int i;

	for (i = 0; i < ln->nexports; i++) {
		const struct export_site *x = &ln->exports[i];

		if (!x->active)
			continue;
		if (!first) {
			first = x;
			continue;
		}
		add_finding(&r->findings, "EXPORT_DUPLICATED", path_of(c, x->file),
			    x->line, name, "'%s' is exported again (first at %s:%u)",
			    name, path_of(c, first->file), first->line);
	}
}

static struct sym *sym_by_name(struct collection *c, const char *name)
{
	char *usr = xasprintf("c:@F@%s", name);
	struct sym *s = strmap_get(&c->syms, usr);

	free(usr);
	if (s)
		return s;
	usr = xasprintf("c:@%s", name);
	s = strmap_get(&c->syms, usr);
	free(usr);
	return s;
}

static void check_lost_export(struct collection *c, const char *name,
			      const char *was, struct check_result *r)
{
	const struct lexname *ln = lexname_get(c, name);
	struct sym *s;
	char *file;
	unsigned line = 0;

	if (ln && ln->nexports)
		return;
	s = sym_by_name(c, name);
	if (s && s->has_def) {
		file = xstrdup(path_of(c, s->def.file));
		line = s->def.line;
	} else {
		file = xstrdup(was);
		if (strrchr(file, ':')) {
			line = atoi(strrchr(file, ':') + 1);
			*strrchr(file, ':') = '\0';
		}
	}
	add_finding(&r->findings, "EXPORT_LOST", file, line, name,
		    "'%s' was exported in the baseline (%s) and is exported nowhere now",
		    name, was);
	free(file);
}

static int cmp_fixable(const void *a, const void *b)
{
	const struct fixable *x = a, *y = b;

	if (x->sym->def.file != y->sym->def.file)
		return x->sym->def.file - y->sym->def.file;
	return x->sym->def.off < y->sym->def.off ? -1 :
	       x->sym->def.off > y->sym->def.off;
}

void check_tree(struct collection *c, struct strmap *baseline_exports,
		struct check_result *r)
{
	unsigned i;

	for (i = 0; i < c->syms.cap; i++) {
		struct sym *s = c->syms.vals[i];

		if (!c->syms.keys[i])
			continue;
		check_linkage(c, s, r);
		check_types(c, s, r);
		check_stale(c, s, r);
		check_duplicates(c, s, r);
	}
	check_headers(c, r);
	for (i = 0; i < c->names.cap; i++)
		if (c->names.keys[i])
			check_duplicated_export(c, c->names.keys[i],
						c->names.vals[i], r);
	for (i = 0; baseline_exports && i < baseline_exports->cap; i++)
		if (baseline_exports->keys[i])
			check_lost_export(c, baseline_exports->keys[i],
					  baseline_exports->vals[i], r);
	if (r->nfixes)
		qsort(r->fixes, r->nfixes, sizeof(*r->fixes), cmp_fixable);
	sort_findings(&r->findings);
}
