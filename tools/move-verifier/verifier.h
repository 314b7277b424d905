/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MOVE_VERIFIER_H
#define MOVE_VERIFIER_H

#include "entity.h"
#include "findings.h"
#include "tu.h"

/* Where compile flags come from. */
struct flag_source {
	const char *compdb;	/* directory holding compile_commands.json */
	int argc;		/* or the flags after "--" */
	char **argv;
};

/* One version of the file set: a directory and the files in it. */
struct side {
	const char *label;	/* "before" or "after" */
	char *root;
	struct strlist files;	/* paths relative to root */
	struct file_model *fm;	/* one per file, same order */
	bool *present;		/* file exists in this version */
	int n;
};

struct rename {
	char *from, *to;
	bool detected;
	struct strlist keep;	/* files where `from` names something else */
};

struct verify_opts {
	struct rename *renames;
	int nrenames, alloc;
	bool detect_renames;
	struct strlist declared;	/* names a step may change or add */
	bool keep_lines;		/* ...but lose no line of their code */
	/* files left out because they did not change, for rename checks */
	const char *after_root;
	struct strlist unchanged;
};

/* A matched pair, for the manifest and JSON. */
struct match {
	int bf, be;		/* before file and entity */
	int af, ae;		/* after file and entity */
};

struct verify_result {
	struct findings findings;
	struct match *matches;
	int nmatches, alloc;
};

extern const struct finding_type verifier_types[];

/* tree.c */
int side_load(struct side *s, CXIndex idx, const struct flag_source *fs);
void side_release(struct side *s);
int materialize(const char *tree, const char *rev, const char *dir,
		const char *paths);
int list_files(const char *root, struct strlist *globs, struct strlist *out);
int read_renames(const char *path, struct verify_opts *o);
int read_declared(const char *path, struct verify_opts *o);

/* compare.c */
void verify(struct side *before, struct side *after, struct verify_opts *o,
	    struct verify_result *r);

#endif
