/* SPDX-License-Identifier: GPL-2.0 */
#ifndef EXPORT_CHECKER_H
#define EXPORT_CHECKER_H

/*
 * export-checker: linkage and declaration hygiene of the files of the
 * Shadow MMU split.  A tree is collected once (every .c file of the
 * module parsed with its own flags, every file of the module also
 * carved lexically), the rules run on what was collected, and --fix
 * turns two kinds of findings into byte-exact edits.
 */

#include <limits.h>

#include "entity.h"
#include "findings.h"
#include "tu.h"

/* ---------------------------------------------------------------------
 * strmap.c: string keys to pointers
 */

struct strmap {
	char **keys;
	void **vals;
	unsigned cap, n;
};

void **strmap_slot(struct strmap *m, const char *key);	/* creates */
void *strmap_get(const struct strmap *m, const char *key);
void strmap_free(struct strmap *m, void (*free_val)(void *));

/* ---------------------------------------------------------------------
 * tree.c: the files of a tree and their flags
 */

struct flag_source {
	const char *compdb;	/* directory holding compile_commands.json */
	int argc;		/* or the flags after "--" */
	char **argv;
};

/* What a file is to the checker; index = file id. */
struct file_info {
	char *path;		/* relative to the root, or absolute if outside */
	bool in_tree;
	bool in_set;		/* a file of the split */
	bool header;		/* a .h file */
	bool tmpl;		/* a header of the set without include guard */
};

struct tree {
	char *root;			/* absolute, no trailing slash */
	struct strlist set;		/* the files of the split */
	struct strlist module;		/* .c files of the module */
	struct strlist headers;		/* headers of the module */
	struct strlist templates;	/* headers of the set without guard */
};

int tree_scan(struct tree *t, const char *root, const struct strlist *globs);
void tree_release(struct tree *t);
int get_flags(const struct flag_source *fs, const char *root, const char *rel,
	      struct cflags *fl);
bool compdb_has(const struct flag_source *fs, const char *rel);
int extract_revision(const char *repo, const char *rev, const char *dir);
char *make_temp_dir(const char *tag);
void remove_dir(const char *dir);
bool is_dir(const char *p);
bool has_suffix(const char *s, const char *suffix);
const char *base_name(const char *p);

/* ---------------------------------------------------------------------
 * collect.c: what the tree declares, defines, uses and exports
 */

struct site {
	int file;		/* file id */
	unsigned line, off;
	char *type;		/* canonical type spelling */
	bool macro;		/* written by a macro (EXPORT_SYMBOL's extern) */
};

struct use {
	int tu;			/* translation unit index */
	unsigned first_off;	/* first use in the TU's main file, or UINT_MAX */
};

struct sym {
	char *usr, *name;
	bool is_func;
	bool has_def;		/* defined in a file of the tree */
	bool def_invalid;	/* libclang rejected the definition */
	bool declared_before;	/* a header declared it before the definition */
	int def_tu;
	struct site def;
	struct site *decls;	/* distinct declarations that do not define */
	int ndecls, dalloc;
	struct use *uses;
	int nuses, ualloc;
};

struct export_site {
	int file;
	unsigned line;
	bool active;
};

/* What the raw tokens say about a name, inactive code included. */
struct lexname {
	int *files;		/* files using it outside its own declarations */
	int nfiles, falloc;
	int *def_files;		/* files defining it (function or variable) */
	int ndefs, dalloc;
	struct export_site *exports;
	int nexports, ealloc;
};

struct collection {
	struct tree *tree;
	struct file_info *files;
	int nfiles, falloc;
	struct strmap file_ids;		/* path -> id + 1 */
	struct strmap syms;		/* USR -> struct sym */
	struct strmap names;		/* identifier -> struct lexname */
	struct strlist tus;		/* main file of each TU */
	struct strmap includers;	/* template path -> struct strlist */
	struct strlist broken;		/* headers that do not compile alone */
	struct strlist broken_why;
	struct strlist set_decls;	/* names the set's headers declare */
};

int collect_tree(struct collection *c, struct tree *t,
		 const struct flag_source *fs, CXIndex idx);
int collect_exports(struct strmap *exports, const char *root);
void collection_release(struct collection *c);
int file_id(struct collection *c, const char *path);
struct lexname *lexname_get(const struct collection *c, const char *name);
bool is_template_user(const struct collection *c, int tmpl, int file);

/* ---------------------------------------------------------------------
 * check.c: the rules
 */

extern const struct finding_type checker_types[];

/* What a SHOULD_BE_STATIC or MISSING_PROTOTYPE finding needs for --fix. */
struct fixable {
	struct sym *sym;
	bool make_static;	/* else: add a prototype */
};

struct check_result {
	struct findings findings;
	struct fixable *fixes;
	int nfixes, alloc;
};

void check_tree(struct collection *c, struct strmap *baseline_exports,
		struct check_result *r);

/* ---------------------------------------------------------------------
 * fix.c: edits for SHOULD_BE_STATIC and MISSING_PROTOTYPE
 */

struct header_map {
	struct strlist from, to;	/* source file (path or basename) -> header */
};

int fix_tree(struct collection *c, struct check_result *r,
	     const struct header_map *hm, struct findings *notes);

#endif
