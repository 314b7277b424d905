// SPDX-License-Identifier: GPL-2.0
/*
 * move-verifier: prove that a C code move lost and changed nothing.
 *
 *   move-verifier --tree DIR --from REV --to REV [--compdb DIR] [options]
 *   move-verifier --before DIR --after DIR [options] [-- FLAGS...]
 *
 * Exit status: 0 clean, 1 findings, 2 trouble.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "verifier.h"

#define VERSION "1.0"

static const char *const default_globs[] = {
	"arch/x86/kvm/mmu/*.[ch]", "arch/x86/kvm/debugfs.c", NULL,
};

static const char usage_text[] =
	"usage: move-verifier --tree DIR --from REV --to REV [--compdb DIR] [options]\n"
	"   or: move-verifier --before DIR --after DIR [options] [-- FLAGS...]\n"
	"\n"
	"  --files GLOB        files to compare (repeatable; default\n"
	"                      arch/x86/kvm/mmu/*.[ch] and arch/x86/kvm/debugfs.c)\n"
	"  --renames FILE      rename map, one 'old new' per line\n"
	"  --declare FILE      entities a step may change, add or drop, one\n"
	"                      'KIND NAME' or 'NAME' per line\n"
	"  --keep-lines        the declared functions may move code between\n"
	"                      them, never lose a line of it (an extraction)\n"
	"  --no-detect-renames do not pair bodies that differ only in their name\n"
	"  --compdb DIR        directory of compile_commands.json (kernel build)\n"
	"  --workdir DIR       where revisions are extracted (default: a temp dir)\n"
	"  --manifest FILE     write the move manifest of a clean move\n"
	"  --all-files         also compare files that did not change\n"
	"  --format text|json  output format (default text)\n"
	"  --ignore TYPE,...   drop findings of these types\n"
	"  --list-types        list the finding types\n"
	"  -v, --verbose       progress on stderr\n"
	"  -h, --help          this text\n";

struct options {
	const char *tree, *from, *to, *before, *after;
	const char *renames, *declare, *manifest, *workdir, *format;
	struct strlist globs;
	struct flag_source fs;
	bool all_files;
};

static int usage_error(const char *msg)
{
	if (msg)
		error("%s", msg);
	fputs(usage_text, stderr);
	return 2;
}

enum { OPT_TREE = 256, OPT_FROM, OPT_TO, OPT_BEFORE, OPT_AFTER, OPT_FILES,
       OPT_RENAMES, OPT_NODETECT, OPT_COMPDB, OPT_WORKDIR, OPT_MANIFEST,
       OPT_ALL, OPT_FORMAT, OPT_IGNORE, OPT_LIST, OPT_DECLARE,
       OPT_KEEP_LINES };

static const struct option long_opts[] = {
	{ "tree", required_argument, NULL, OPT_TREE },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "to", required_argument, NULL, OPT_TO },
	{ "before", required_argument, NULL, OPT_BEFORE },
	{ "after", required_argument, NULL, OPT_AFTER },
	{ "files", required_argument, NULL, OPT_FILES },
	{ "renames", required_argument, NULL, OPT_RENAMES },
	{ "declare", required_argument, NULL, OPT_DECLARE },
	{ "keep-lines", no_argument, NULL, OPT_KEEP_LINES },
	{ "no-detect-renames", no_argument, NULL, OPT_NODETECT },
	{ "compdb", required_argument, NULL, OPT_COMPDB },
	{ "workdir", required_argument, NULL, OPT_WORKDIR },
	{ "manifest", required_argument, NULL, OPT_MANIFEST },
	{ "all-files", no_argument, NULL, OPT_ALL },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "ignore", required_argument, NULL, OPT_IGNORE },
	{ "list-types", no_argument, NULL, OPT_LIST },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static bool is_dir(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISDIR(st.st_mode);
}

/* The union of the files of both sides that match the globs. */
static void pick_files(struct options *op, struct side *b, struct side *a)
{
	struct strlist lb = { 0 }, la = { 0 };
	int i;

	list_files(b->root, &op->globs, &lb);
	list_files(a->root, &op->globs, &la);
	for (i = 0; i < lb.n; i++)
		sl_add(&b->files, lb.v[i]);
	for (i = 0; i < la.n; i++)
		if (!sl_has(&b->files, la.v[i]))
			sl_add(&b->files, la.v[i]);
	sl_free(&lb);
	sl_free(&la);
}

static bool same_content(const char *p, const char *q)
{
	char *x = NULL, *y = NULL;
	size_t lx, ly;
	bool same = false;
	struct stat st;

	if (stat(p, &st) || stat(q, &st))
		return false;
	if (!read_file(p, &x, &lx) && !read_file(q, &y, &ly))
		same = lx == ly && !memcmp(x, y, lx);
	free(x);
	free(y);
	return same;
}

/* Files that did not change cannot have lost anything: leave them out. */
static void drop_unchanged(struct side *b, struct side *a,
			   struct verify_opts *vo)
{
	struct strlist keep = { 0 };
	int i;

	for (i = 0; i < b->files.n; i++) {
		char *p = xasprintf("%s/%s", b->root, b->files.v[i]);
		char *q = xasprintf("%s/%s", a->root, b->files.v[i]);

		if (!same_content(p, q))
			sl_add(&keep, b->files.v[i]);
		else
			sl_add(&vo->unchanged, b->files.v[i]);
		free(p);
		free(q);
	}
	sl_free(&b->files);
	b->files = keep;
}

static void print_json(const struct options *op, struct side *b,
		       struct side *a, struct verify_result *r, int status)
{
	struct json j = { .out = stdout };
	int i;

	json_open(&j, NULL, '{');
	json_str(&j, "after", op->tree ? op->to : op->after);
	json_str(&j, "before", op->tree ? op->from : op->before);
	json_counts(&j, &r->findings);
	json_findings(&j, &r->findings);
	json_open(&j, "matched", '[');
	for (i = 0; i < r->nmatches; i++) {
		struct match *m = &r->matches[i];
		struct entity *eb = &b->fm[m->bf].ent[m->be];
		struct entity *ea = &a->fm[m->af].ent[m->ae];
		char *from = xasprintf("%s:%u", b->files.v[m->bf], eb->line);
		char *to = xasprintf("%s:%u", a->files.v[m->af], ea->line);

		json_open(&j, NULL, '{');
		json_str(&j, "from", from);
		json_str(&j, "kind", ent_kind_name[eb->kind]);
		json_str(&j, "name", eb->name);
		json_str(&j, "to", to);
		json_close(&j, '}');
		free(from);
		free(to);
	}
	json_close(&j, ']');
	json_str(&j, "status", status == 0 ? "clean" : "findings");
	json_str(&j, "tool", "move-verifier");
	json_str(&j, "version", VERSION);
	json_close(&j, '}');
}

static int write_manifest(const char *path, struct side *b, struct side *a,
			  struct verify_result *r)
{
	struct strbuf sb = { 0 };
	int i, ret;

	sb_adds(&sb, "# KIND NAME FROM_FILE:LINE -> TO_FILE:LINE\n");
	for (i = 0; i < r->nmatches; i++) {
		struct match *m = &r->matches[i];
		struct entity *eb = &b->fm[m->bf].ent[m->be];
		struct entity *ea = &a->fm[m->af].ent[m->ae];

		if (!strcmp(b->files.v[m->bf], a->files.v[m->af]))
			continue;
		sb_addf(&sb, "%s %s %s:%u -> %s:%u\n", ent_kind_name[eb->kind],
			eb->name, b->files.v[m->bf], eb->line,
			a->files.v[m->af], ea->line);
	}
	ret = write_file_atomic(path, sb.buf, sb.len);
	sb_release(&sb);
	return ret;
}

static int parse_args(int argc, char **argv, struct options *op,
		      struct verify_opts *vo, struct findings *f)
{
	int c;

	while ((c = getopt_long(argc, argv, "vh", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_TREE: op->tree = optarg; break;
		case OPT_FROM: op->from = optarg; break;
		case OPT_TO: op->to = optarg; break;
		case OPT_BEFORE: op->before = optarg; break;
		case OPT_AFTER: op->after = optarg; break;
		case OPT_FILES: sl_add(&op->globs, optarg); break;
		case OPT_RENAMES: op->renames = optarg; break;
		case OPT_DECLARE: op->declare = optarg; break;
		case OPT_KEEP_LINES: vo->keep_lines = true; break;
		case OPT_NODETECT: vo->detect_renames = false; break;
		case OPT_COMPDB: op->fs.compdb = optarg; break;
		case OPT_WORKDIR: op->workdir = optarg; break;
		case OPT_MANIFEST: op->manifest = optarg; break;
		case OPT_ALL: op->all_files = true; break;
		case OPT_FORMAT: op->format = optarg; break;
		case OPT_IGNORE:
			if (set_ignore(f, optarg))
				return 2;
			break;
		case OPT_LIST:
			list_types(verifier_types, stdout);
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
	if (op->tree && (!op->from || !op->to))
		return usage_error("--tree needs --from and --to");
	if (!op->tree && (!op->before || !op->after))
		return usage_error("give --tree DIR --from REV --to REV or --before DIR --after DIR");
	if (op->tree && op->before)
		return usage_error("--tree and --before/--after exclude each other");
	if (op->tree && !op->fs.compdb && !op->fs.argc)
		return usage_error("--tree needs compile flags: --compdb DIR (see 'make verify') or -- FLAGS");
	return 0;
}

static int prepare_sides(struct options *op, struct side *b, struct side *a,
			 char **tmp)
{
	if (op->tree) {
		const char *paths = "arch/x86/kvm";

		if (!is_dir(op->tree))
			return error("cannot find kernel tree '%s'", op->tree);
		if (!op->workdir) {
			*tmp = xstrdup("/tmp/move-verifier.XXXXXX");
			if (!mkdtemp(*tmp))
				return error("cannot create a temporary directory");
			op->workdir = *tmp;
		}
		b->root = xasprintf("%s/before", op->workdir);
		a->root = xasprintf("%s/after", op->workdir);
		if (materialize(op->tree, op->from, b->root, paths) ||
		    materialize(op->tree, op->to, a->root, paths))
			return -1;
	} else {
		if (!is_dir(op->before))
			return error("cannot find directory '%s'", op->before);
		if (!is_dir(op->after))
			return error("cannot find directory '%s'", op->after);
		b->root = realpath(op->before, NULL);
		a->root = realpath(op->after, NULL);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct options op = { .format = "text" };
	struct verify_opts vo = { .detect_renames = true };
	struct verify_result r = { .findings = { .tool = "move-verifier",
						 .types = verifier_types } };
	struct side b = { .label = "before" }, a = { .label = "after" };
	char *tmp = NULL;
	CXIndex idx;
	int ret, i;

	prog_name = "move-verifier";
	ret = parse_args(argc, argv, &op, &vo, &r.findings);
	if (ret)
		return ret;
	if (!op.globs.n)
		for (i = 0; default_globs[i]; i++)
			sl_add(&op.globs, default_globs[i]);
	if (op.renames && read_renames(op.renames, &vo))
		return 2;
	if (op.declare && read_declared(op.declare, &vo))
		return 2;
	if (prepare_sides(&op, &b, &a, &tmp))
		return 2;
	pick_files(&op, &b, &a);
	/* a rename must be checked in every file, changed or not */
	if (!op.all_files && !vo.nrenames)
		drop_unchanged(&b, &a, &vo);
	vo.after_root = a.root;
	for (i = 0; i < b.files.n; i++)
		sl_add(&a.files, b.files.v[i]);
	info("comparing %d file(s)", b.files.n);

	idx = clang_createIndex(0, 0);
	if (side_load(&b, idx, &op.fs) || side_load(&a, idx, &op.fs)) {
		ret = 2;
		goto out_dispose_index;
	}
	verify(&b, &a, &vo, &r);
	ret = count_errors(&r.findings) ? 1 : 0;
	if (!strcmp(op.format, "json"))
		print_json(&op, &b, &a, &r, ret);
	else
		print_findings_text(&r.findings, stdout);
	if (!ret && op.manifest && write_manifest(op.manifest, &b, &a, &r))
		ret = 2;
out_dispose_index:
	clang_disposeIndex(idx);
	if (tmp) {
		char *cmd = xasprintf("rm -rf '%s'", tmp);

		if (system(cmd))
			warning("cannot remove '%s'", tmp);
		free(cmd);
		free(tmp);
	}
	return ret;
}
