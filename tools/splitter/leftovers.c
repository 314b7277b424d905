// SPDX-License-Identifier: GPL-2.0
/*
 * leftovers: completeness of a split that is done.
 *
 *   kmove-split leftovers FILE OTHER
 *
 * Lists the functions of FILE that look like they belong in OTHER: they
 * touch the Shadow MMU's data (the marks plan uses to classify), or most
 * of the functions they call are defined in OTHER.  The same test as the
 * leftovers plan reports at the move, on the files as they are at the end
 * of a series, when later steps may have carved the Shadow MMU parts out.
 *
 * Output: "leftover	func NAME	LINE	REASON" per function.
 */
#include <stdlib.h>
#include <string.h>

#include "split.h"

static void defined_funcs(const struct file_model *fm, struct strlist *out)
{
	int i;

	for (i = 0; i < fm->nent; i++)
		if (fm->ent[i].kind == EK_FUNC && fm->ent[i].name)
			sl_add(out, fm->ent[i].name);
}

static void report(const struct file_model *fm, const struct entity *e,
		   const struct strlist *mine, const struct strlist *other)
{
	struct strlist refs = { 0 }, marks = { 0 };
	int i, calls_other = 0, calls_mine = 0;
	bool calls_in;

	entity_refs(fm, e, &refs);
	find_marks(fm, e, &marks);
	for (i = 0; i < refs.n; i++) {
		if (!strcmp(refs.v[i], e->name))
			continue;
		if (sl_has(other, refs.v[i]))
			calls_other++;
		else if (sl_has(mine, refs.v[i]))
			calls_mine++;
	}
	calls_in = calls_other >= 2 && calls_other > calls_mine;
	if (marks.n || calls_in) {
		printf("leftover\tfunc %s\t%u\t", e->name, e->line);
		if (marks.n) {
			printf("touches");
			for (i = 0; i < marks.n; i++)
				printf(" %s", marks.v[i]);
		}
		if (calls_in)
			printf("%scalls %d Shadow MMU and %d common functions",
			       marks.n ? "; " : "", calls_other, calls_mine);
		putchar('\n');
	}
	sl_free(&refs);
	sl_free(&marks);
}

int cmd_leftovers(int argc, char **argv)
{
	struct file_model fm, om;
	struct strlist mine = { 0 }, other = { 0 };
	int i;

	if (argc != 3) {
		fputs("usage: kmove-split leftovers FILE OTHER\n", stderr);
		return 2;
	}
	if (file_model_load(&fm, argv[1], NULL))
		return 2;
	if (file_model_load(&om, argv[2], NULL)) {
		file_model_free(&fm);
		return 2;
	}
	defined_funcs(&fm, &mine);
	defined_funcs(&om, &other);
	for (i = 0; i < fm.nent; i++)
		if (fm.ent[i].kind == EK_FUNC && fm.ent[i].name)
			report(&fm, &fm.ent[i], &mine, &other);
	sl_free(&mine);
	sl_free(&other);
	file_model_free(&om);
	file_model_free(&fm);
	return 0;
}
