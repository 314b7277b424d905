// SPDX-License-Identifier: GPL-2.0
/*
 * The files of a tree: the split's set, the module's .c files and
 * headers, revisions extracted from git, and compile flags.
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
#include <clang-c/CXCompilationDatabase.h>

#include "checker.h"

/* The files of the split; files including the new header join them. */
static const char *const default_set[] = {
	"arch/x86/kvm/mmu/mmu.c", "arch/x86/kvm/mmu/shadow_mmu.c",
	"arch/x86/kvm/mmu/shadow_mmu.h", "arch/x86/kvm/mmu/mmu_internal.h",
	"arch/x86/kvm/mmu/paging_tmpl.h", "arch/x86/kvm/debugfs.c", NULL,
};

#define NEW_HEADER "shadow_mmu.h"

/* kvm.ko, kvm-intel.ko and kvm-amd.ko: who may use what the set defines. */
static const char *const module_globs[] = {
	"arch/x86/kvm/*.[ch]", "arch/x86/kvm/*/*.[ch]", "virt/kvm/*.[ch]", NULL,
};

static const char *const walk_roots[] = { "arch/x86/kvm", "virt/kvm", NULL };

bool is_dir(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISDIR(st.st_mode);
}

bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcmp(s + n - k, suffix);
}

const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

static bool match_any(const char *const *globs, int n, const char *rel)
{
	int i;

	for (i = 0; n < 0 ? globs[i] != NULL : i < n; i++)
		if (!fnmatch(globs[i], rel, FNM_PATHNAME))
			return true;
	return false;
}

static struct {
	size_t rootlen;
	struct strlist *out;
} walk;

static int walk_fn(const char *path, const struct stat *st, int type,
		   struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_F && (has_suffix(path, ".c") || has_suffix(path, ".h")))
		sl_add(walk.out, path + walk.rootlen + 1);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_tree(const char *root, struct strlist *out)
{
	int i;

	walk.rootlen = strlen(root);
	walk.out = out;
	for (i = 0; walk_roots[i]; i++) {
		char *dir = xasprintf("%s/%s", root, walk_roots[i]);
		int ret = 0;

		if (is_dir(dir))
			ret = nftw(dir, walk_fn, 16, FTW_PHYS);
		free(dir);
		if (ret)
			return error("cannot read '%s': %s", root, strerror(errno));
	}
	if (!out->n)
		return error("no arch/x86/kvm sources in '%s'", root);
	qsort(out->v, out->n, sizeof(*out->v), cmp_str);
	return 0;
}

/* Does the file say #include "...shadow_mmu.h" (or <...>)? */
static bool includes_new_header(const char *path)
{
	char *buf, *p, *next;
	size_t len;
	bool hit = false;

	if (read_file(path, &buf, &len))
		return false;
	for (p = buf; p && !hit; p = next) {
		char *q = p + strspn(p, " \t"), *name;

		next = strchr(p, '\n');
		if (next)
			*next++ = '\0';
		if (*q != '#')
			continue;
		q += 1 + strspn(q + 1, " \t");
		if (strncmp(q, "include", 7))
			continue;
		name = strstr(q, NEW_HEADER);
		hit = name && name[-1] && strchr("\"</", name[-1]) &&
		      name[strlen(NEW_HEADER)] &&
		      strchr("\">", name[strlen(NEW_HEADER)]);
	}
	free(buf);
	return hit;
}

/* A header of the set without include guard is code included in place. */
static bool is_template(const char *path)
{
	struct file_model fm;
	bool tmpl;

	if (file_model_load(&fm, path, NULL))
		return false;
	tmpl = fm.guard < 0;
	file_model_free(&fm);
	return tmpl;
}

static bool in_set(const char *rel, const char *path,
		   const struct strlist *globs)
{
	if (globs->n ? match_any((const char *const *)globs->v, globs->n, rel) :
	    match_any(default_set, -1, rel))
		return true;
	return strcmp(base_name(rel), NEW_HEADER) && includes_new_header(path);
}

static void classify(struct tree *t, const char *rel,
		     const struct strlist *globs)
{
	char *path = xasprintf("%s/%s", t->root, rel);
	bool set = in_set(rel, path, globs);
	bool c_file = has_suffix(rel, ".c");

	if (set)
		sl_add(&t->set, rel);
	if (set && !c_file && is_template(path))
		sl_add(&t->templates, rel);
	if (c_file && (set || match_any(module_globs, -1, rel)))
		sl_add(&t->module, rel);
	else if (!c_file)
		sl_add(&t->headers, rel);
	free(path);
}

int tree_scan(struct tree *t, const char *root, const struct strlist *globs)
{
	struct strlist all = { 0 };
	int i, ret = -1;

	memset(t, 0, sizeof(*t));
	t->root = realpath(root, NULL);
	if (!t->root || !is_dir(t->root))
		return error("cannot find directory '%s'", root);
	if (list_tree(t->root, &all))
		goto out_free_all;
	for (i = 0; i < all.n; i++)
		classify(t, all.v[i], globs);
	if (!t->set.n)
		error("no file of the split in '%s'", root);
	else
		ret = 0;
out_free_all:
	sl_free(&all);
	return ret;
}

void tree_release(struct tree *t)
{
	free(t->root);
	sl_free(&t->set);
	sl_free(&t->module);
	sl_free(&t->headers);
	sl_free(&t->templates);
	memset(t, 0, sizeof(*t));
}

int get_flags(const struct flag_source *fs, const char *root, const char *rel,
	      struct cflags *fl)
{
	if (fs->compdb)
		return cflags_from_compdb(fl, fs->compdb, rel, root);
	cflags_from_argv(fl, fs->argc, fs->argv);
	return 0;
}

static struct strlist compdb_files;
static bool compdb_loaded;

static void load_compdb_files(const char *dir)
{
	CXCompilationDatabase_Error err;
	CXCompilationDatabase db;
	CXCompileCommands all;
	unsigned n, i;

	compdb_loaded = true;
	db = clang_CompilationDatabase_fromDirectory(dir, &err);
	if (err != CXCompilationDatabase_NoError)
		return;
	all = clang_CompilationDatabase_getAllCompileCommands(db);
	n = clang_CompileCommands_getSize(all);
	for (i = 0; i < n; i++) {
		CXCompileCommand cmd = clang_CompileCommands_getCommand(all, i);
		CXString f = clang_CompileCommand_getFilename(cmd);

		sl_add(&compdb_files, clang_getCString(f));
		clang_disposeString(f);
	}
	clang_CompileCommands_dispose(all);
	clang_CompilationDatabase_dispose(db);
}

/* Is `rel` built?  With flags from "--" every file is. */
bool compdb_has(const struct flag_source *fs, const char *rel)
{
	char *tail;
	int i;
	bool hit = false;

	if (!fs->compdb)
		return true;
	if (!compdb_loaded)
		load_compdb_files(fs->compdb);
	tail = xasprintf("/%s", rel);
	for (i = 0; i < compdb_files.n && !hit; i++)
		hit = has_suffix(compdb_files.v[i], tail);
	free(tail);
	return hit;
}

/* `rev` of the git tree `repo`, arch/x86/kvm and virt/kvm, into `dir`. */
int extract_revision(const char *repo, const char *rev, const char *dir)
{
	char *qr = shell_quote(repo), *qv = shell_quote(rev);
	char *qd = shell_quote(dir), *cmd;
	int ret;

	cmd = xasprintf("git -C %s rev-parse -q --verify %s^{commit} >/dev/null",
			qr, qv);
	if (run_shell(cmd)) {
		ret = error("unknown revision '%s' in '%s'", rev, repo);
		goto out_free;
	}
	free(cmd);
	cmd = xasprintf("mkdir -p %s && git -C %s archive %s -- %s | tar -x -C %s",
			qd, qr, qv, "arch/x86/kvm virt/kvm", qd);
	ret = run_shell(cmd) ? error("cannot extract '%s' of '%s'", rev, repo) : 0;
out_free:
	free(cmd);
	free(qr);
	free(qv);
	free(qd);
	return ret;
}

char *make_temp_dir(const char *tag)
{
	const char *tmp = getenv("TMPDIR");
	char *dir = xasprintf("%s/export-checker-%s.XXXXXX", tmp && *tmp ? tmp : "/tmp",
			      tag);

	if (!mkdtemp(dir)) {
		error("cannot create a temporary directory: %s", strerror(errno));
		free(dir);
		return NULL;
	}
	return dir;
}

void remove_dir(const char *dir)
{
	char *q = shell_quote(dir);
	char *cmd = xasprintf("rm -rf %s", q);

	if (run_shell(cmd))
		warning("cannot remove '%s'", dir);
	free(cmd);
	free(q);
}
