/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KMOVE_TU_H
#define KMOVE_TU_H

/*
 * Compile flags and translation units.  Kernel flags come from kbuild's
 * compile_commands.json and are gcc's: the ones clang does not know are
 * dropped here, once, for every tool.
 */

#include <clang-c/Index.h>

#include "util.h"

struct cflags {
	struct strlist args;
	char *workdir;		/* relative paths in args are relative to it */
};

/*
 * Flags for the file `rel` (path relative to the kernel tree) from the
 * compile_commands.json in `compdb_dir`; a file with no entry borrows the
 * flags of a neighbour in the same directory.  Include paths that point
 * into the tree's copy of a directory present under `root` are redirected
 * there, so that a revision extracted to `root` is parsed with its own
 * headers.  Returns 0 or -1 after an error.
 */
int cflags_from_compdb(struct cflags *fl, const char *compdb_dir,
		       const char *rel, const char *root);
void cflags_from_argv(struct cflags *fl, int argc, char **argv);
void cflags_release(struct cflags *fl);

/*
 * Parse `path`.  Any diagnostic of error severity is printed and fails
 * the parse unless `keep_going`.  Function bodies are skipped when
 * `skip_bodies`: the carving needs tokens and top-level declarations only.
 */
int tu_parse(CXIndex idx, const char *path, const struct cflags *fl,
	     bool skip_bodies, bool keep_going, CXTranslationUnit *out);

#endif
