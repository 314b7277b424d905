// SPDX-License-Identifier: GPL-2.0
/*
 * The two sides of a comparison: revisions of a git tree extracted to
 * plain directories, the file set picked by glob, and each file carved
 * with the flags of the kernel's own build.
 */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fnmatch.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "verifier.h"

int materialize(const char *tree, const char *rev, const char *dir,
		const char *paths)
{
	char *qt = shell_quote(tree), *qr = shell_quote(rev);
	char *qd = shell_quote(dir), *cmd;
	int ret;

	cmd = xasprintf("git -C %s rev-parse -q --verify %s^{commit} >/dev/null",
			qt, qr);
	if (run_shell(cmd)) {
		ret = error("unknown revision '%s' in '%s'", rev, tree);
		goto out_free;
	}
	free(cmd);
	cmd = xasprintf("rm -rf %s && mkdir -p %s && git -C %s archive %s -- %s | tar -x -C %s",
			qd, qd, qt, qr, paths, qd);
	ret = run_shell(cmd) ? error("cannot extract '%s' of '%s'", rev, tree) : 0;
out_free:
	free(cmd);
	free(qt);
	free(qr);
	free(qd);
	return ret;
}

static struct {
	const char *root;
	struct strlist *globs;
	struct strlist *out;
} walk;

static int walk_fn(const char *path, const struct stat *st, int type,
		   struct FTW *ftw)
{
	const char *rel = path + strlen(walk.root);
	int i;

	(void)st;
	(void)ftw;
	if (type != FTW_F)
		return 0;
	while (*rel == '/')
		rel++;
	for (i = 0; i < walk.globs->n; i++)
		if (!fnmatch(walk.globs->v[i], rel, FNM_PATHNAME)) {
			sl_add(walk.out, rel);
			break;
		}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int list_files(const char *root, struct strlist *globs, struct strlist *out)
{
	walk.root = root;
	walk.globs = globs;
	walk.out = out;
	if (nftw(root, walk_fn, 16, FTW_PHYS))
		return error("cannot read '%s': %s", root, strerror(errno));
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), cmp_str);
	return 0;
}

/* "keep=FILE,FILE": files where the old name is not the renamed entity. */
static int read_keep(const char *field, struct rename *rn)
{
	char *list, *tok, *save = NULL;

	if (strncmp(field, "keep=", 5))
		return -1;
	list = xstrdup(field + 5);
	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save))
		sl_add(&rn->keep, tok);
	free(list);
	return 0;
}

/* One rename per line: "old new [STEP] [keep=FILE,...]". */
int read_renames(const char *path, struct verify_opts *o)
{
	char *buf, *line, *save = NULL;
	size_t len;
	unsigned lineno = 0;
	int ret = 0;

	if (read_file(path, &buf, &len))
		return -1;
	for (line = strtok_r(buf, "\n", &save); line && !ret;
	     line = strtok_r(NULL, "\n", &save)) {
		char from[256], to[256], f3[512], f4[512];
		struct rename *rn;
		int n;

		lineno++;
		if (line[strspn(line, " \t")] == '#' || !line[strspn(line, " \t")])
			continue;
		n = sscanf(line, "%255s %255s %511s %511s", from, to, f3, f4);
		if (n < 2)
			return error("%s:%u: expected 'old new'", path, lineno);
		ALLOC_GROW(o->renames, o->nrenames + 1, o->alloc);
		rn = &o->renames[o->nrenames++];
		memset(rn, 0, sizeof(*rn));
		rn->from = xstrdup(from);
		rn->to = xstrdup(to);
		if (n == 4 && read_keep(f4, rn))
			ret = error("%s:%u: expected 'keep=FILE,...'", path, lineno);
		else if (n == 3 && !strncmp(f3, "keep=", 5))
			read_keep(f3, rn);
	}
	free(buf);
	return ret;
}

/* One entity per line, "KIND NAME" or "NAME"; the name is the last word. */
int read_declared(const char *path, struct verify_opts *o)
{
	char *buf, *line, *save = NULL;
	size_t len;

	if (read_file(path, &buf, &len))
		return -1;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *end = line + strlen(line), *word;

		while (end > line && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (line[strspn(line, " \t")] == '#' || end == line)
			continue;
		word = end;
		while (word > line && word[-1] != ' ' && word[-1] != '\t')
			word--;
		sl_add(&o->declared, word);
	}
	free(buf);
	return 0;
}

static bool is_c_file(const char *p)
{
	size_t n = strlen(p);

	return n > 2 && !strcmp(p + n - 2, ".c");
}

static int get_flags(const struct flag_source *fs, const char *root,
		     const char *rel, struct cflags *fl)
{
	if (fs->compdb)
		return cflags_from_compdb(fl, fs->compdb, rel, root);
	cflags_from_argv(fl, fs->argc, fs->argv);
	return 0;
}

/* Parse the .c files; every header is carved inside a TU that includes it. */
/*
 * Did the translation unit read the file?  clang_getFile() also knows
 * files it only looked up; their tokens would come out empty.
 */
static bool tu_includes(CXTranslationUnit tu, const char *path)
{
	CXFile f = clang_getFile(tu, path);

	return f && clang_getFileContents(tu, f, NULL);
}

int side_load(struct side *s, CXIndex idx, const struct flag_source *fs)
{
	CXTranslationUnit *tus;
	int i, k, ret = -1;

	s->n = s->files.n;
	s->fm = xcalloc(s->n, sizeof(*s->fm));
	s->present = xcalloc(s->n, sizeof(*s->present));
	tus = xcalloc(s->n, sizeof(*tus));
	for (i = 0; i < s->n; i++) {
		char *path = xasprintf("%s/%s", s->root, s->files.v[i]);
		struct cflags fl;
		struct stat st;

		s->present[i] = !stat(path, &st);
		if (s->present[i] && is_c_file(path)) {
			if (get_flags(fs, s->root, s->files.v[i], &fl) ||
			    tu_parse(idx, path, &fl, true, false, &tus[i])) {
				free(path);
				goto out_dispose;
			}
			cflags_release(&fl);
		}
		free(path);
	}
	for (i = 0; i < s->n; i++) {
		char *path = xasprintf("%s/%s", s->root, s->files.v[i]);
		CXTranslationUnit tu = tus[i];

		if (!s->present[i]) {
			free(path);
			continue;
		}
		for (k = 0; !tu && k < s->n; k++)
			if (tus[k] && tu_includes(tus[k], path))
				tu = tus[k];
		if (file_model_load(&s->fm[i], path, tu)) {
			free(path);
			goto out_dispose;
		}
		free(s->fm[i].path);
		s->fm[i].path = xstrdup(s->files.v[i]);
		free(path);
	}
	ret = 0;
out_dispose:
	for (i = 0; i < s->n; i++)
		if (tus[i])
			clang_disposeTranslationUnit(tus[i]);
	free(tus);
	return ret;
}

void side_release(struct side *s)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (s->present[i])
			file_model_free(&s->fm[i]);
	free(s->fm);
	free(s->present);
	sl_free(&s->files);
	free(s->root);
}
