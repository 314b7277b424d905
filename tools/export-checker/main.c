// SPDX-License-Identifier: GPL-2.0
/*
 * export-checker: linkage and declarations of the files of the Shadow
 * MMU split, the checks of a W=1 build robot and a few more.
 *
 *   export-checker --dir TREE [--rev REV] [--baseline DIR|REV]
 *                  [--compdb BUILD_DIR] [--files GLOB]... [--fix]
 *                  [--header FILE=HEADER]... [--format text|json]
 *                  [--ignore TYPES] [--list-types] [-- FLAGS...]
 *
 * Exit status: 0 clean, 1 findings, 2 trouble.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "checker.h"

#define VERSION "1.0"

static const char usage_text[] =
	"usage: export-checker --dir TREE [--compdb BUILD_DIR] [options] [-- FLAGS...]\n"
	"\n"
	"  --dir TREE          kernel tree, or a directory holding arch/x86/kvm\n"
	"  --rev REV           check revision REV of the git tree TREE instead\n"
	"  --baseline DIR|REV  compare EXPORT_SYMBOL*() names with this tree (a\n"
	"                      directory, or a revision of the git tree TREE)\n"
	"  --compdb DIR        directory of compile_commands.json (kernel build)\n"
	"  --files GLOB        files of the split (repeatable; default mmu.c,\n"
	"                      shadow_mmu.[ch], mmu_internal.h, paging_tmpl.h,\n"
	"                      debugfs.c; files including shadow_mmu.h join)\n"
	"  --fix               fix SHOULD_BE_STATIC and MISSING_PROTOTYPE in\n"
	"                      place, then check again\n"
	"  --header FILE=HDR   where --fix declares what FILE defines (repeatable;\n"
	"                      shadow_mmu.c=shadow_mmu.h, mmu.c=mmu_internal.h)\n"
	"  --format text|json  output format (default text)\n"
	"  --ignore TYPE,...   drop findings of these types\n"
	"  --list-types        list the finding types\n"
	"  -v, --verbose       progress on stderr\n"
	"  -h, --help          this text\n";

struct options {
	const char *dir, *rev, *baseline, *format;
	struct strlist globs;
	struct header_map hm;
	struct flag_source fs;
	bool fix;
};

enum { OPT_DIR = 256, OPT_REV, OPT_BASELINE, OPT_COMPDB, OPT_FILES, OPT_FIX,
       OPT_HEADER, OPT_FORMAT, OPT_IGNORE, OPT_LIST };

static const struct option long_opts[] = {
	{ "dir", required_argument, NULL, OPT_DIR },
	{ "rev", required_argument, NULL, OPT_REV },
	{ "baseline", required_argument, NULL, OPT_BASELINE },
	{ "compdb", required_argument, NULL, OPT_COMPDB },
	{ "files", required_argument, NULL, OPT_FILES },
	{ "fix", no_argument, NULL, OPT_FIX },
	{ "header", required_argument, NULL, OPT_HEADER },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "ignore", required_argument, NULL, OPT_IGNORE },
	{ "list-types", no_argument, NULL, OPT_LIST },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int usage_error(const char *msg)
{
	if (msg)
		error("%s", msg);
	fputs(usage_text, stderr);
	return 2;
}

static int add_header(struct header_map *hm, const char *arg)
{
	const char *eq = strchr(arg, '=');

	if (!eq || eq == arg || !eq[1])
		return usage_error("--header needs FILE=HEADER");
	sl_add_nodup(&hm->from, xstrndup(arg, eq - arg));
	sl_add(&hm->to, eq + 1);
	return 0;
}

static int parse_args(int argc, char **argv, struct options *op,
		      struct findings *f)
{
	int c;

	while ((c = getopt_long(argc, argv, "vh", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_DIR: op->dir = optarg; break;
		case OPT_REV: op->rev = optarg; break;
		case OPT_BASELINE: op->baseline = optarg; break;
		case OPT_COMPDB: op->fs.compdb = optarg; break;
		case OPT_FILES: sl_add(&op->globs, optarg); break;
		case OPT_FIX: op->fix = true; break;
		case OPT_HEADER:
			if (add_header(&op->hm, optarg))
				return 2;
			break;
		case OPT_FORMAT: op->format = optarg; break;
		case OPT_IGNORE:
			if (set_ignore(f, optarg))
				return 2;
			break;
		case OPT_LIST:
			list_types(checker_types, stdout);
			exit(0);
		case 'v': verbose = 1; break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		default:
			return usage_error(NULL);
		}
	}
	op->fs.argc = argc - optind;
	op->fs.argv = argv + optind;
	if (strcmp(op->format, "text") && strcmp(op->format, "json"))
		return usage_error("--format must be 'text' or 'json'");
	if (!op->dir)
		return usage_error("give --dir TREE");
	if (!op->fs.compdb && !op->fs.argc)
		return usage_error("give compile flags: --compdb BUILD_DIR or -- FLAGS");
	if (op->fs.compdb && op->fs.argc)
		return usage_error("--compdb and -- FLAGS exclude each other");
	if (op->fix && op->rev)
		return usage_error("--fix edits a directory, not a revision");
	return 0;
}

static void default_headers(struct header_map *hm)
{
	struct header_map given = *hm;
	int i;

	memset(hm, 0, sizeof(*hm));
	sl_add(&hm->from, "shadow_mmu.c");
	sl_add(&hm->to, "shadow_mmu.h");
	sl_add(&hm->from, "mmu.c");
	sl_add(&hm->to, "mmu_internal.h");
	/* later entries win */
	for (i = 0; i < given.from.n; i++) {
		sl_add(&hm->from, given.from.v[i]);
		sl_add(&hm->to, given.to.v[i]);
	}
	sl_free(&given.from);
	sl_free(&given.to);
}

/* Where the checked tree and the baseline are; extracts revisions. */
struct roots {
	char *tmp;
	char *tree;
	char *baseline;
};

static int prepare_roots(const struct options *op, struct roots *r)
{
	if (!is_dir(op->dir))
		return error("cannot find directory '%s'", op->dir);
	if (op->rev || (op->baseline && !is_dir(op->baseline))) {
		r->tmp = make_temp_dir("rev");
		if (!r->tmp)
			return -1;
	}
	if (op->rev) {
		r->tree = xasprintf("%s/tree", r->tmp);
		if (extract_revision(op->dir, op->rev, r->tree))
			return -1;
	} else {
		r->tree = xstrdup(op->dir);
	}
	if (!op->baseline)
		return 0;
	if (is_dir(op->baseline)) {
		r->baseline = xstrdup(op->baseline);
		return 0;
	}
	r->baseline = xasprintf("%s/baseline", r->tmp);
	return extract_revision(op->dir, op->baseline, r->baseline);
}

static void release_roots(struct roots *r)
{
	if (r->tmp) {
		remove_dir(r->tmp);
		free(r->tmp);
	}
	free(r->tree);
	free(r->baseline);
}

static void print_json(const struct findings *f, int status)
{
	struct json j = { .out = stdout };

	json_open(&j, NULL, '{');
	json_counts(&j, f);
	json_findings(&j, f);
	json_str(&j, "status", status == 0 ? "clean" : "findings");
	json_str(&j, "tool", "export-checker");
	json_str(&j, "version", VERSION);
	json_close(&j, '}');
}

struct run {
	struct tree tree;
	struct collection c;
	struct check_result r;
};

static int run_check(const struct options *op, const char *root,
		     struct strmap *baseline, const struct findings *proto,
		     CXIndex idx, struct run *run)
{
	int i;

	memset(run, 0, sizeof(*run));
	run->r.findings.tool = "export-checker";
	run->r.findings.types = checker_types;
	for (i = 0; i < proto->ignore.n; i++)
		sl_add(&run->r.findings.ignore, proto->ignore.v[i]);
	if (tree_scan(&run->tree, root, &op->globs))
		return -1;
	info("%d file(s) in the set, %d .c file(s) in the module",
	     run->tree.set.n, run->tree.module.n);
	if (collect_tree(&run->c, &run->tree, &op->fs, idx))
		return -1;
	check_tree(&run->c, baseline, &run->r);
	return 0;
}

static void release_run(struct run *run)
{
	findings_release(&run->r.findings);
	free(run->r.fixes);
	collection_release(&run->c);
	tree_release(&run->tree);
}

/* Fix, then check again: the notes of the fix join the new findings. */
static int fix_and_recheck(const struct options *op, const char *root,
			   struct strmap *baseline, CXIndex idx,
			   struct run *run)
{
	struct findings notes = { .tool = "export-checker",
				  .types = checker_types };
	struct findings proto = { .types = checker_types };
	int i, ret;

	for (i = 0; i < run->r.findings.ignore.n; i++)
		sl_add(&proto.ignore, run->r.findings.ignore.v[i]);
	ret = fix_tree(&run->c, &run->r, &op->hm, &notes);
	release_run(run);
	if (!ret)
		ret = run_check(op, root, baseline, &proto, idx, run);
	for (i = 0; !ret && i < notes.n; i++) {
		struct finding *x = &notes.v[i];

		add_finding(&run->r.findings, x->type->name, x->file, x->line,
			    x->symbol, "%s", x->message);
	}
	sort_findings(&run->r.findings);
	findings_release(&notes);
	findings_release(&proto);
	return ret;
}

static void free_str(void *p)
{
	free(p);
}

int main(int argc, char **argv)
{
	struct options op = { .format = "text" };
	struct findings proto = { .tool = "export-checker",
				  .types = checker_types };
	struct strmap baseline = { 0 };
	struct roots roots = { 0 };
	struct run run = { 0 };
	CXIndex idx;
	int ret;

	prog_name = "export-checker";
	ret = parse_args(argc, argv, &op, &proto);
	if (ret)
		return ret;
	default_headers(&op.hm);
	ret = 2;
	if (prepare_roots(&op, &roots))
		goto out_release_roots;
	if (roots.baseline && collect_exports(&baseline, roots.baseline))
		goto out_release_roots;
	idx = clang_createIndex(0, 0);
	if (run_check(&op, roots.tree, roots.baseline ? &baseline : NULL,
		      &proto, idx, &run))
		goto out_dispose_index;
	if (op.fix && run.r.nfixes &&
	    fix_and_recheck(&op, roots.tree, roots.baseline ? &baseline : NULL,
			    idx, &run))
		goto out_dispose_index;
	ret = count_errors(&run.r.findings) ? 1 : 0;
	if (!strcmp(op.format, "json"))
		print_json(&run.r.findings, ret);
	else
		print_findings_text(&run.r.findings, stdout);
out_dispose_index:
	release_run(&run);
	clang_disposeIndex(idx);
out_release_roots:
	release_roots(&roots);
	strmap_free(&baseline, free_str);
	findings_release(&proto);
	sl_free(&op.globs);
	sl_free(&op.hm.from);
	sl_free(&op.hm.to);
	return ret;
}
