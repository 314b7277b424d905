// SPDX-License-Identifier: GPL-2.0
/*
 * kmove-split: the byte-exact half of the Shadow MMU split.
 *
 *   kmove-split entities FILE [--compdb DIR --rel PATH] [-- FLAGS]
 *   kmove-split plan --file SRC --manifest FILE --dest D[,D] ...
 *   kmove-split move --from SRC (--to DST | --delete) --select FILE
 *   kmove-split unstatic FILE SELECTION
 *   kmove-split users NAMES FILE...
 *   kmove-split declare FILE NAMES
 *   kmove-split extract --file FILE --function NAME --from TEXT ...
 *   kmove-split leftovers FILE OTHER
 *
 * Exit status: 0 done, 2 trouble (nothing is written then).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "split.h"

static const struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "entities", cmd_entities },
	{ "plan", cmd_plan },
	{ "move", cmd_move },
	{ "unstatic", cmd_unstatic },
	{ "users", cmd_users },
	{ "declare", cmd_declare },
	{ "extract", cmd_extract },
	{ "leftovers", cmd_leftovers },
	{ NULL, NULL },
};

static const char usage_text[] =
	"usage: kmove-split (entities | plan | move | unstatic | users | declare |\n"
	"                    extract | leftovers) ARGS...\n"
	"\n"
	"  entities FILE [--compdb DIR --rel PATH] [-- FLAGS]\n"
	"                     list the top-level entities of FILE\n"
	"  plan --file SRC --manifest FILE --dest D[,D] [--compdb DIR --rel PATH]\n"
	"                     what must be made visible across the split\n"
	"  move --from SRC (--to DST | --delete) --select FILE\n"
	"                     cut the selected entities, paste them into DST\n"
	"  unstatic FILE SEL  drop 'static' from the selected definitions\n"
	"  users NAMES FILE...  which files refer to each name\n"
	"  declare FILE NAMES   add static forward declarations where a static\n"
	"                       function is used before its definition\n"
	"  extract --file FILE --function NAME --from TEXT [--through TEXT]\n"
	"          --new PROTOTYPE [--result VAR] [--after NAME]\n"
	"                     cut statements into a new function, call it\n"
	"  leftovers FILE OTHER  functions of FILE that look like OTHER's\n";

int cmd_entities(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "compdb", required_argument, NULL, 'c' },
		{ "rel", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *compdb = NULL, *rel = NULL;
	struct source s;
	int c, i, k;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c': compdb = optarg; break;
		case 'r': rel = optarg; break;
		default:
			return 2;
		}
	}
	if (optind >= argc) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (source_load(&s, argv[optind], compdb, rel, argc - optind - 1,
			argv + optind + 1))
		return 2;
	for (i = 0; i < s.fm.nent; i++) {
		struct entity *e = &s.fm.ent[i];
		char *cond = cond_chain(&s.fm, e->cond);

		printf("%u-%u\t%s\t%s\t%s%s%s%s\t%s", e->line, e->end_line,
		       ent_kind_name[e->kind], e->name ? e->name : "",
		       e->is_static ? "static " : "", e->is_inline ? "inline " : "",
		       e->nctok ? "comment " : "", e->active ? "" : "inactive",
		       cond);
		for (k = 0; k < e->defs.n; k++)
			if (!e->name || strcmp(e->defs.v[k], e->name))
				printf("\t+%s", e->defs.v[k]);
		putchar('\n');
		free(cond);
	}
	source_release(&s);
	return 0;
}

int main(int argc, char **argv)
{
	const struct cmd *c;

	prog_name = "kmove-split";
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(usage_text, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (c = commands; c->name; c++)
		if (!strcmp(c->name, argv[1]))
			return c->fn(argc - 1, argv + 1);
	error("unknown command '%s'", argv[1]);
	fputs(usage_text, stderr);
	return 2;
}
