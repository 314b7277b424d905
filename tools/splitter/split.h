/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KMOVE_SPLIT_H
#define KMOVE_SPLIT_H

#include "entity.h"
#include "tu.h"

/* Which side of the split an entity of the source file goes to. */
enum side { SIDE_KEEP, SIDE_MOVE };

/* A manifest line: "DEST KIND NAME". */
struct mline {
	char *dest, *kind, *name;
	unsigned lineno;
	int hits;
};

struct manifest {
	char *path;
	struct mline *v;
	int n, alloc;
};

/* A loaded source file with its TU (for names) and side assignment. */
struct source {
	struct file_model fm;
	struct file_model *tmpl;	/* template files by include entity, or NULL */
	int *tmpl_of;			/* entity -> index into tmpl[], -1 */
	int ntmpl;
	enum side *side;
	bool *unclassified;	/* function definitions the manifest misses */
};

int manifest_read(struct manifest *m, const char *path);
bool mline_matches(const struct mline *l, const struct file_model *fm,
		   const struct entity *e);
void manifest_release(struct manifest *m);

int source_load(struct source *s, const char *path, const char *compdb,
		const char *rel, int argc, char **argv);
void source_release(struct source *s);

/* "KIND NAME" selection lists (the output of plan, the input of move). */
bool selected(const struct strlist *sel, const struct file_model *fm,
	      const struct entity *e);
int read_selection(const char *path, struct strlist *sel);

/* Kernel-style prototype ("void foo(int a);") of a function definition. */
char *make_prototype(const struct file_model *fm, const struct entity *e,
		     const char *macro_name, const char *real_name,
		     const char *prefix);
/* "extern T name;" for a variable definition. */
char *make_extern(const struct file_model *fm, const struct entity *e);

/* The Shadow MMU data among the identifiers of e (rmap, pte_list, ...). */
void find_marks(const struct file_model *fm, const struct entity *e,
		struct strlist *marks);

int cmd_plan(int argc, char **argv);
int cmd_leftovers(int argc, char **argv);
int cmd_move(int argc, char **argv);
int cmd_entities(int argc, char **argv);
int cmd_unstatic(int argc, char **argv);
int cmd_users(int argc, char **argv);
int cmd_declare(int argc, char **argv);
int cmd_extract(int argc, char **argv);

#endif
