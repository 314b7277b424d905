// SPDX-License-Identifier: GPL-2.0
/*
 * Collect what a tree declares, defines, uses and exports.
 *
 * Every .c file of the module with a compile command is parsed with its
 * own flags.  Declarations and definitions with external linkage are
 * keyed by USR (clang_getCursorUSR), so one symbol is one entry across
 * all translation units; DeclRefExprs record which translation units
 * use it.  The AST only sees the active configuration, so every file of
 * the module is also carved lexically (entity.h): the identifiers each
 * top-level entity uses, inactive #if branches included, the names it
 * defines and its EXPORT_SYMBOL*() lines.
 */
#include <stdlib.h>
#include <string.h>

#include "checker.h"

/* ---------------------------------------------------------------------
 * Files
 */

static char *normalise(const char *path, const char *workdir)
{
	char *abs = path[0] == '/' || !workdir ? xstrdup(path) :
		    xasprintf("%s/%s", workdir, path);
	char *real = realpath(abs, NULL);

	if (!real)
		return abs;
	free(abs);
	return real;
}

/* The id of a path, absolute or relative to the root. */
int file_id(struct collection *c, const char *path)
{
	const char *root = c->tree->root;
	size_t rl = strlen(root);
	const char *rel = path;
	void **slot;
	struct file_info *fi;

	if (!strncmp(path, root, rl) && path[rl] == '/')
		rel = path + rl + 1;
	slot = strmap_slot(&c->file_ids, rel);
	if (*slot)
		return (int)(long)*slot - 1;
	ALLOC_GROW(c->files, c->nfiles + 1, c->falloc);
	fi = &c->files[c->nfiles];
	memset(fi, 0, sizeof(*fi));
	fi->path = xstrdup(rel);
	fi->in_tree = rel != path;
	fi->in_set = fi->in_tree && sl_has(&c->tree->set, rel);
	fi->header = has_suffix(rel, ".h");
	fi->tmpl = fi->in_tree && sl_has(&c->tree->templates, rel);
	*slot = (void *)(long)(c->nfiles + 1);
	return c->nfiles++;
}

struct lexname *lexname_get(const struct collection *c, const char *name)
{
	return strmap_get(&c->names, name);
}

static struct lexname *lexname_new(struct collection *c, const char *name)
{
	void **slot = strmap_slot(&c->names, name);

	if (!*slot)
		*slot = xcalloc(1, sizeof(struct lexname));
	return *slot;
}

bool is_template_user(const struct collection *c, int tmpl, int file)
{
	const struct strlist *users = strmap_get(&c->includers,
						 c->files[tmpl].path);

	return users && sl_has(users, c->files[file].path);
}

/* ---------------------------------------------------------------------
 * The AST of one translation unit
 */

struct file_cache {
	CXFile *keys;
	int *ids;
	unsigned cap, n;
};

struct tu_walk {
	struct collection *c;
	CXTranslationUnit cxtu;
	int tu;
	CXFile main;
	const char *workdir;
	struct strmap declared;		/* USRs a header declared so far */
	struct file_cache fc;
};

static unsigned ptr_hash(const void *p, unsigned cap)
{
	unsigned long v = (unsigned long)p;

	return (unsigned)((v >> 4) ^ (v >> 16)) & (cap - 1);
}

static void cache_grow(struct file_cache *fc)
{
	struct file_cache n = { .cap = fc->cap ? fc->cap * 2 : 1024 };
	unsigned i;

	n.keys = xcalloc(n.cap, sizeof(*n.keys));
	n.ids = xcalloc(n.cap, sizeof(*n.ids));
	for (i = 0; i < fc->cap; i++) {
		unsigned k;

		if (!fc->keys[i])
			continue;
		k = ptr_hash(fc->keys[i], n.cap);
		while (n.keys[k])
			k = (k + 1) & (n.cap - 1);
		n.keys[k] = fc->keys[i];
		n.ids[k] = fc->ids[i];
	}
	n.n = fc->n;
	free(fc->keys);
	free(fc->ids);
	*fc = n;
}

static int cxfile_id(struct tu_walk *w, CXFile f)
{
	struct file_cache *fc = &w->fc;
	unsigned k;
	CXString s;
	char *path;

	if (2 * (fc->n + 1) > fc->cap)
		cache_grow(fc);
	for (k = ptr_hash(f, fc->cap); fc->keys[k]; k = (k + 1) & (fc->cap - 1))
		if (fc->keys[k] == f)
			return fc->ids[k];
	s = clang_getFileName(f);
	path = normalise(clang_getCString(s), w->workdir);
	clang_disposeString(s);
	fc->keys[k] = f;
	fc->ids[k] = file_id(w->c, path);
	fc->n++;
	free(path);
	return fc->ids[k];
}

static struct sym *sym_get(struct collection *c, const char *usr,
			   CXCursor cur, bool create)
{
	void **slot;
	struct sym *s;
	CXString name;

	if (!create)
		return strmap_get(&c->syms, usr);
	slot = strmap_slot(&c->syms, usr);
	if (*slot)
		return *slot;
	s = xcalloc(1, sizeof(*s));
	name = clang_getCursorSpelling(cur);
	s->usr = xstrdup(usr);
	s->name = xstrdup(clang_getCString(name));
	s->is_func = clang_getCursorKind(cur) == CXCursor_FunctionDecl;
	s->def_tu = -1;
	clang_disposeString(name);
	*slot = s;
	return s;
}

static char *type_of(CXCursor cur)
{
	CXType t = clang_getCanonicalType(clang_getCursorType(cur));
	CXString s = clang_getTypeSpelling(t);
	char *r = xstrdup(clang_getCString(s));

	clang_disposeString(s);
	return r;
}

/* Is the name at the declaration's expansion point, or made by a macro? */
static bool spelled_by_macro(CXTranslationUnit tu, CXCursor cur,
			     const char *name)
{
	CXSourceLocation loc = clang_getCursorLocation(cur);
	CXToken *tok;
	CXFile file;
	unsigned off;
	bool macro = true;

	clang_getExpansionLocation(loc, &file, NULL, NULL, &off);
	tok = clang_getToken(tu, clang_getLocationForOffset(tu, file, off));
	if (tok) {
		CXString s = clang_getTokenSpelling(tu, *tok);

		macro = strcmp(clang_getCString(s), name) != 0;
		clang_disposeString(s);
		clang_disposeTokens(tu, tok, 1);
	}
	return macro;
}

static void add_decl(struct tu_walk *w, struct sym *s, int file,
		     unsigned line, unsigned off, CXCursor cur)
{
	int i;

	for (i = 0; i < s->ndecls; i++)
		if (s->decls[i].file == file && s->decls[i].off == off)
			return;
	ALLOC_GROW(s->decls, s->ndecls + 1, s->dalloc);
	s->decls[s->ndecls].file = file;
	s->decls[s->ndecls].line = line;
	s->decls[s->ndecls].off = off;
	s->decls[s->ndecls].type = type_of(cur);
	s->decls[s->ndecls].macro = spelled_by_macro(w->cxtu, cur, s->name);
	s->ndecls++;
}

static void note_decl(struct tu_walk *w, CXCursor cur, CXCursor parent,
		      int file, unsigned line, unsigned off)
{
	struct file_info *fi = &w->c->files[file];
	CXString usr = clang_getCursorUSR(cur);
	struct sym *s = sym_get(w->c, clang_getCString(usr), cur, true);

	if (!clang_isCursorDefinition(cur)) {
		/* BUILD_BUG_ON()'s block-scope externs are nobody's API */
		if (clang_getCursorKind(parent) != CXCursor_TranslationUnit)
			goto out_dispose;
		add_decl(w, s, file, line, off, cur);
		if (fi->header && !fi->tmpl)
			*strmap_slot(&w->declared, s->usr) = s;
	} else if (fi->in_tree && !s->has_def) {
		s->has_def = true;
		s->def_tu = w->tu;
		s->def.file = file;
		s->def.line = line;
		s->def.off = off;
		s->def.type = type_of(cur);
		s->def_invalid = clang_isInvalidDeclaration(cur);
		s->declared_before = strmap_get(&w->declared, s->usr) != NULL;
	}
out_dispose:
	clang_disposeString(usr);
}

static void note_ref(struct tu_walk *w, CXCursor cur, CXFile file,
		     unsigned off)
{
	CXCursor ref = clang_getCursorReferenced(cur);
	enum CXCursorKind k = clang_getCursorKind(ref);
	unsigned at = clang_File_isEqual(file, w->main) ? off : UINT_MAX;
	CXString usr;
	struct sym *s;

	if ((k != CXCursor_FunctionDecl && k != CXCursor_VarDecl) ||
	    clang_getCursorLinkage(ref) != CXLinkage_External)
		return;
	usr = clang_getCursorUSR(ref);
	s = sym_get(w->c, clang_getCString(usr), ref, true);
	clang_disposeString(usr);
	if (s->nuses && s->uses[s->nuses - 1].tu == w->tu) {
		if (at < s->uses[s->nuses - 1].first_off)
			s->uses[s->nuses - 1].first_off = at;
		return;
	}
	ALLOC_GROW(s->uses, s->nuses + 1, s->ualloc);
	s->uses[s->nuses].tu = w->tu;
	s->uses[s->nuses].first_off = at;
	s->nuses++;
}

static enum CXChildVisitResult visit(CXCursor cur, CXCursor parent,
				     CXClientData data)
{
	struct tu_walk *w = data;
	enum CXCursorKind k = clang_getCursorKind(cur);
	unsigned line, off;
	CXFile file;
	int id;

	clang_getExpansionLocation(clang_getCursorLocation(cur), &file, &line,
				   NULL, &off);
	if (!file)
		return CXChildVisit_Recurse;
	if (k == CXCursor_DeclRefExpr) {
		note_ref(w, cur, file, off);
		return CXChildVisit_Recurse;
	}
	id = cxfile_id(w, file);
	if ((k == CXCursor_FunctionDecl || k == CXCursor_VarDecl) &&
	    clang_getCursorLinkage(cur) == CXLinkage_External)
		note_decl(w, cur, parent, id, line, off);
	/*
	 * Code outside the tree cannot use what only the module's own
	 * headers declare: no need to walk the kernel's inline functions.
	 */
	return w->c->files[id].in_tree ? CXChildVisit_Recurse :
	       CXChildVisit_Continue;
}

/* Errors other than conflicting types (a PROTOTYPE_MISMATCH) break a TU. */
static int count_errors_tu(CXTranslationUnit tu, bool print)
{
	unsigned n = clang_getNumDiagnostics(tu), i;
	int errors = 0;

	for (i = 0; i < n; i++) {
		CXDiagnostic d = clang_getDiagnostic(tu, i);
		CXString s = clang_getDiagnosticSpelling(d);

		if (clang_getDiagnosticSeverity(d) >= CXDiagnostic_Error &&
		    strncmp(clang_getCString(s), "conflicting types for", 21)) {
			if (print && errors < 5) {
				CXString f = clang_formatDiagnostic(d,
					clang_defaultDiagnosticDisplayOptions());

				fprintf(stderr, "%s\n", clang_getCString(f));
				clang_disposeString(f);
			}
			errors++;
		}
		clang_disposeString(s);
		clang_disposeDiagnostic(d);
	}
	return errors;
}

static int walk_tu(struct collection *c, CXTranslationUnit tu,
		   const char *path, const char *workdir)
{
	struct tu_walk w = { .c = c, .cxtu = tu, .tu = c->tus.n - 1,
			     .workdir = workdir };

	w.main = clang_getFile(tu, path);
	if (!w.main)
		return error("'%s' is not in its own translation unit", path);
	clang_visitChildren(clang_getTranslationUnitCursor(tu), visit, &w);
	strmap_free(&w.declared, NULL);
	free(w.fc.keys);
	free(w.fc.ids);
	return 0;
}

/* ---------------------------------------------------------------------
 * The raw tokens of one file
 */

static void add_file_once(int **v, int *n, int *alloc, int id)
{
	int i;

	for (i = 0; i < *n; i++)
		if ((*v)[i] == id)
			return;
	ALLOC_GROW(*v, *n + 1, *alloc);
	(*v)[(*n)++] = id;
}

static void index_export(struct collection *c, const struct entity *e,
			 int id, bool built)
{
	struct lexname *ln = lexname_new(c, e->name);

	ALLOC_GROW(ln->exports, ln->nexports + 1, ln->ealloc);
	ln->exports[ln->nexports].file = id;
	ln->exports[ln->nexports].line = e->line;
	ln->exports[ln->nexports].active = built && e->active;
	ln->nexports++;
}

static void index_uses(struct collection *c, const struct file_model *fm,
		       const struct entity *e, int id)
{
	struct strlist refs = { 0 };
	int i;

	entity_refs(fm, e, &refs);
	for (i = 0; i < refs.n; i++) {
		struct lexname *ln;

		if (strchr(refs.v[i], ' ') || entity_defines(e, refs.v[i]))
			continue;
		ln = lexname_new(c, refs.v[i]);
		add_file_once(&ln->files, &ln->nfiles, &ln->falloc, id);
	}
	sl_free(&refs);
}

static void index_defs(struct collection *c, const struct entity *e, int id)
{
	int i;

	for (i = 0; i < e->defs.n; i++) {
		struct lexname *ln = lexname_new(c, e->defs.v[i]);

		add_file_once(&ln->def_files, &ln->ndefs, &ln->dalloc, id);
	}
}

static void index_includes(struct collection *c, const struct entity *e,
			   int id)
{
	int i;

	for (i = 0; i < c->tree->templates.n; i++) {
		const char *t = base_name(c->tree->templates.v[i]);
		size_t n = strlen(t);
		struct strlist **users;

		if (e->name[0] != '"' || strncmp(base_name(e->name + 1), t, n) ||
		    strcmp(base_name(e->name + 1) + n, "\""))
			continue;
		users = (struct strlist **)strmap_slot(&c->includers,
						       c->tree->templates.v[i]);
		if (!*users)
			*users = xcalloc(1, sizeof(**users));
		if (!sl_has(*users, c->files[id].path))
			sl_add(*users, c->files[id].path);
	}
}

static void index_file(struct collection *c, const struct file_model *fm,
		       int id, bool built)
{
	const struct file_info *fi = &c->files[id];
	int i;

	for (i = 0; i < fm->nent; i++) {
		const struct entity *e = &fm->ent[i];

		switch (e->kind) {
		case EK_COMMENT: case EK_COND: case EK_DIRECTIVE: case EK_UNDEF:
		case EK_PROTO:
			continue;
		case EK_INCLUDE:
			index_includes(c, e, id);
			continue;
		case EK_EXPORT:
			index_export(c, e, id, built);
			continue;
		case EK_FUNC: case EK_VAR:
			if (!fi->header || fi->tmpl)
				index_defs(c, e, id);
			break;
		default:
			break;
		}
		index_uses(c, fm, e, id);
	}
}

static int carve_file(struct collection *c, const char *rel,
		      CXTranslationUnit tu)
{
	char *path = xasprintf("%s/%s", c->tree->root, rel);
	struct file_model fm;
	int ret;

	ret = file_model_load(&fm, path, tu);
	if (!ret) {
		index_file(c, &fm, file_id(c, path), tu != NULL);
		file_model_free(&fm);
	}
	free(path);
	return ret;
}

/* ---------------------------------------------------------------------
 * Loading a tree
 */

/* The names the headers of the set declare (their prototypes, externs). */
static int collect_set_decls(struct collection *c)
{
	int i, k;

	for (i = 0; i < c->tree->set.n; i++) {
		const char *rel = c->tree->set.v[i];
		char *path;
		struct file_model fm;

		if (!has_suffix(rel, ".h"))
			continue;
		path = xasprintf("%s/%s", c->tree->root, rel);
		if (file_model_load(&fm, path, NULL)) {
			free(path);
			return -1;
		}
		for (k = 0; k < fm.nent; k++)
			if ((fm.ent[k].kind == EK_PROTO || fm.ent[k].kind == EK_VAR) &&
			    fm.ent[k].name && !sl_has(&c->set_decls, fm.ent[k].name))
				sl_add(&c->set_decls, fm.ent[k].name);
		file_model_free(&fm);
		free(path);
	}
	return 0;
}

/*
 * Does a file outside the set define what a header of the set declares?
 * Only then are its types needed (PROTOTYPE_MISMATCH): for uses, tokens
 * are enough (a use is an identifier token; a use through a macro shows
 * in the header defining the macro), and far cheaper than a translation
 * unit.
 */
static bool defines_declared(struct collection *c, const char *path)
{
	struct file_model fm;
	bool found = false;
	int k;

	if (file_model_load(&fm, path, NULL))
		return true;	/* let the parse report it */
	for (k = 0; k < fm.nent && !found; k++)
		found = (fm.ent[k].kind == EK_FUNC || fm.ent[k].kind == EK_VAR) &&
			fm.ent[k].name && sl_has(&c->set_decls, fm.ent[k].name);
	file_model_free(&fm);
	return found;
}

static int parse_source(struct collection *c, const char *rel,
			const struct flag_source *fs, CXIndex idx)
{
	char *path = xasprintf("%s/%s", c->tree->root, rel);
	bool in_set = sl_has(&c->tree->set, rel);
	CXTranslationUnit tu = NULL;
	struct cflags fl;
	int ret = -1, errors;

	if (!in_set && (!compdb_has(fs, rel) || !defines_declared(c, path))) {
		info("%s: read lexically only", rel);
		ret = carve_file(c, rel, NULL);
		goto out_free_path;
	}
	if (get_flags(fs, c->tree->root, rel, &fl))
		goto out_free_path;
	info("parsing %s", rel);
	if (tu_parse(idx, path, &fl, false, true, &tu))
		goto out_release_flags;
	errors = count_errors_tu(tu, in_set);
	if (errors && in_set) {
		error("cannot parse '%s': %d error%s", rel, errors,
		      errors == 1 ? "" : "s");
		goto out_dispose_tu;
	}
	if (errors)
		warning("%s: %d error%s; its uses may be incomplete", rel,
			errors, errors == 1 ? "" : "s");
	sl_add(&c->tus, rel);
	if (walk_tu(c, tu, path, fl.workdir) || carve_file(c, rel, tu))
		goto out_dispose_tu;
	ret = 0;
out_dispose_tu:
	clang_disposeTranslationUnit(tu);
out_release_flags:
	cflags_release(&fl);
out_free_path:
	free(path);
	return ret;
}

/* The first error of a TU, or NULL. */
static char *first_error(struct collection *c, CXTranslationUnit tu,
			 const char *workdir)
{
	unsigned n = clang_getNumDiagnostics(tu), i;
	char *why = NULL;

	for (i = 0; i < n && !why; i++) {
		CXDiagnostic d = clang_getDiagnostic(tu, i);

		if (clang_getDiagnosticSeverity(d) >= CXDiagnostic_Error) {
			CXString s = clang_getDiagnosticSpelling(d);
			CXFile f;
			unsigned line;

			clang_getExpansionLocation(clang_getDiagnosticLocation(d),
						   &f, &line, NULL, NULL);
			if (f) {
				CXString fn = clang_getFileName(f);
				char *p = normalise(clang_getCString(fn), workdir);

				why = xasprintf("%s:%u: %s",
						c->files[file_id(c, p)].path, line,
						clang_getCString(s));
				free(p);
				clang_disposeString(fn);
			} else {
				why = xstrdup(clang_getCString(s));
			}
			clang_disposeString(s);
		}
		clang_disposeDiagnostic(d);
	}
	return why;
}

static const char *flags_file(const struct tree *t)
{
	int i;

	if (sl_has(&t->module, "arch/x86/kvm/mmu/mmu.c"))
		return "arch/x86/kvm/mmu/mmu.c";
	for (i = 0; i < t->set.n; i++)
		if (has_suffix(t->set.v[i], ".c"))
			return t->set.v[i];
	return t->module.n ? t->module.v[0] : NULL;
}

/* Does the header compile on its own, with the flags of mmu.c? */
static int check_alone(struct collection *c, const char *rel,
		       const struct flag_source *fs, CXIndex idx,
		       const char *tmpdir)
{
	char *src = xasprintf("%s/%s.c", tmpdir, base_name(rel));
	char *text = xasprintf("#include \"%s/%s\"\n", c->tree->root, rel);
	const char *with = flags_file(c->tree);
	CXTranslationUnit tu;
	struct cflags fl;
	char *why;
	int ret = -1;

	if (!with) {
		ret = error("no .c file to borrow compile flags from");
		goto out_free;
	}
	if (write_file_atomic(src, text, strlen(text)) ||
	    get_flags(fs, c->tree->root, with, &fl))
		goto out_free;
	info("compiling %s alone", rel);
	if (!tu_parse(idx, src, &fl, true, true, &tu)) {
		why = first_error(c, tu, fl.workdir);
		if (why) {
			sl_add(&c->broken, rel);
			sl_add_nodup(&c->broken_why, why);
		}
		clang_disposeTranslationUnit(tu);
		ret = 0;
	}
	cflags_release(&fl);
out_free:
	free(src);
	free(text);
	return ret;
}

static int check_headers(struct collection *c, const struct flag_source *fs,
			 CXIndex idx)
{
	char *tmpdir = make_temp_dir("alone");
	int i, ret = 0;

	if (!tmpdir)
		return -1;
	for (i = 0; i < c->tree->set.n && !ret; i++) {
		const char *rel = c->tree->set.v[i];

		if (has_suffix(rel, ".h") && !sl_has(&c->tree->templates, rel))
			ret = check_alone(c, rel, fs, idx, tmpdir);
	}
	remove_dir(tmpdir);
	free(tmpdir);
	return ret;
}

int collect_tree(struct collection *c, struct tree *t,
		 const struct flag_source *fs, CXIndex idx)
{
	int i;

	memset(c, 0, sizeof(*c));
	c->tree = t;
	for (i = 0; i < t->set.n; i++) {
		char *path = xasprintf("%s/%s", t->root, t->set.v[i]);

		file_id(c, path);
		free(path);
	}
	if (collect_set_decls(c))
		return -1;
	for (i = 0; i < t->module.n; i++)
		if (parse_source(c, t->module.v[i], fs, idx))
			return -1;
	for (i = 0; i < t->headers.n; i++)
		if (carve_file(c, t->headers.v[i], NULL))
			return -1;
	return check_headers(c, fs, idx);
}

/* EXPORT_SYMBOL*() names of the module's .c files: name -> "file:line". */
int collect_exports(struct strmap *exports, const char *root)
{
	struct strlist none = { 0 };
	struct tree t;
	int i, k, ret = -1;

	if (tree_scan(&t, root, &none))
		return -1;
	for (i = 0; i < t.module.n; i++) {
		char *path = xasprintf("%s/%s", t.root, t.module.v[i]);
		struct file_model fm;

		if (file_model_load(&fm, path, NULL)) {
			free(path);
			goto out_release;
		}
		for (k = 0; k < fm.nent; k++) {
			void **slot;

			if (fm.ent[k].kind != EK_EXPORT)
				continue;
			slot = strmap_slot(exports, fm.ent[k].name);
			if (!*slot)
				*slot = xasprintf("%s:%u", t.module.v[i],
						  fm.ent[k].line);
		}
		file_model_free(&fm);
		free(path);
	}
	ret = 0;
out_release:
	tree_release(&t);
	return ret;
}

static void free_sym(void *p)
{
	struct sym *s = p;
	int i;

	for (i = 0; i < s->ndecls; i++)
		free(s->decls[i].type);
	free(s->decls);
	free(s->def.type);
	free(s->uses);
	free(s->usr);
	free(s->name);
	free(s);
}

static void free_lexname(void *p)
{
	struct lexname *ln = p;

	free(ln->files);
	free(ln->def_files);
	free(ln->exports);
	free(ln);
}

static void free_strlist(void *p)
{
	sl_free(p);
	free(p);
}

void collection_release(struct collection *c)
{
	int i;

	for (i = 0; i < c->nfiles; i++)
		free(c->files[i].path);
	free(c->files);
	strmap_free(&c->file_ids, NULL);
	strmap_free(&c->syms, free_sym);
	strmap_free(&c->names, free_lexname);
	strmap_free(&c->includers, free_strlist);
	sl_free(&c->tus);
	sl_free(&c->broken);
	sl_free(&c->broken_why);
	sl_free(&c->set_decls);
	memset(c, 0, sizeof(*c));
}
