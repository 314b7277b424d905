// SPDX-License-Identifier: GPL-2.0
/*
 * Compile flags (from compile_commands.json or the command line) and
 * libclang parsing with error checking.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <clang-c/CXCompilationDatabase.h>

#include "tu.h"

/* gcc-only flags of a kernel build; a trailing '*' matches a prefix. */
static const char *const gcc_only[] = {
	"-fconserve-stack", "-fno-allow-store-data-races",
	"-mindirect-branch=*", "-mindirect-branch-register",
	"-mindirect-branch-cs-prefix",
	"-mfunction-return=*", "-mrecord-mcount", "-fno-ipa-sra",
	"-mpreferred-stack-boundary=*", "-mno-fp-ret-in-387",
	"-fno-var-tracking-assignments", "-fno-inline-functions-called-once",
	"-falign-jumps=*", "-falign-loops=*", "-fmin-function-alignment=*",
	"-fno-tree-loop-im", "-fsanitize-coverage=*", "-fplugin=*",
	"-fplugin-arg-*", "-mharden-sls=*", "-fzero-call-used-regs=*",
	"-fno-code-hoisting", "-Wno-alloc-size-larger-than",
	"-mskip-rax-setup", "-fno-stack-clash-protection",
	"-fstack-clash-protection", "-fno-delete-null-pointer-checks",
	"-ftrivial-auto-var-init=*", "-mstack-protector-guard*",
	"-fpatchable-function-entry=*", "-fcf-protection=*",
	"-Werror*", "-W*", "-g*", "-pg", "-fdiagnostics-color*",
	"-fmacro-prefix-map=*", "-ffile-prefix-map=*", "-MD", "-MMD",
	"-Wp,*", NULL,
};

/* Flags that take the next argument and are dropped with it. */
static const char *const drop_with_arg[] = { "-o", "-MF", "-MT", "-MQ", NULL };

static bool flag_matches(const char *arg, const char *pat)
{
	size_t n = strlen(pat);

	if (n && pat[n - 1] == '*')
		return !strncmp(arg, pat, n - 1);
	return !strcmp(arg, pat);
}

static bool is_gcc_only(const char *arg)
{
	int i;

	for (i = 0; gcc_only[i]; i++)
		if (flag_matches(arg, gcc_only[i]))
			return true;
	return false;
}

static bool is_drop_with_arg(const char *arg)
{
	int i;

	for (i = 0; drop_with_arg[i]; i++)
		if (!strcmp(arg, drop_with_arg[i]))
			return true;
	return false;
}

static bool path_exists(const char *p)
{
	struct stat st;

	return !stat(p, &st);
}

/* "-I<srctree>/arch/x86/kvm" -> "-I<root>/arch/x86/kvm" when present there. */
static char *redirect(const char *arg, const char *srctree, const char *root)
{
	static const char *const prefixes[] = { "-I", "-include", "-isystem", "" };
	size_t sl = strlen(srctree);
	int i;

	if (!root || !sl)
		return xstrdup(arg);
	for (i = 0; i < 4; i++) {
		size_t pl = strlen(prefixes[i]);
		const char *p = arg + pl;
		char *cand;

		if (strncmp(arg, prefixes[i], pl) || strncmp(p, srctree, sl) ||
		    (p[sl] != '/' && p[sl]))
			continue;
		cand = xasprintf("%s%s", root, p + sl);
		if (path_exists(cand)) {
			char *r = xasprintf("%s%s", prefixes[i], cand);

			free(cand);
			return r;
		}
		free(cand);
	}
	return xstrdup(arg);
}

static void add_filtered(struct cflags *fl, CXCompileCommand cmd,
			 const char *srctree, const char *root)
{
	unsigned n = clang_CompileCommand_getNumArgs(cmd), i;
	CXString file = clang_CompileCommand_getFilename(cmd);
	const char *fname = clang_getCString(file);

	for (i = 1; i < n; i++) {
		CXString s = clang_CompileCommand_getArg(cmd, i);
		const char *a = clang_getCString(s);

		if (is_drop_with_arg(a)) {
			i++;
		} else if (!strcmp(a, "-c") || is_gcc_only(a) ||
			   !strcmp(a, fname) ||
			   (strlen(a) > 2 && !strcmp(a + strlen(a) - 2, ".c") &&
			    a[0] != '-')) {
			/* dropped */
		} else {
			sl_add_nodup(&fl->args, redirect(a, srctree, root));
		}
		clang_disposeString(s);
	}
	clang_disposeString(file);
	sl_add(&fl->args, "-w");
	sl_add(&fl->args, "-Wno-unknown-warning-option");
}

static bool ends_with_path(const char *path, const char *rel)
{
	size_t pl = strlen(path), rl = strlen(rel);

	return pl > rl && !strcmp(path + pl - rl, rel) && path[pl - rl - 1] == '/';
}

static bool same_dir(const char *path, const char *rel)
{
	const char *slash = strrchr(rel, '/');
	char *dir;
	bool ok;

	if (!slash)
		return false;
	dir = xasprintf("/%.*s/", (int)(slash - rel), rel);
	ok = strstr(path, dir) && !strchr(strstr(path, dir) + strlen(dir), '/');
	free(dir);
	return ok;
}

int cflags_from_compdb(struct cflags *fl, const char *compdb_dir,
		       const char *rel, const char *root)
{
	CXCompilationDatabase_Error err;
	CXCompilationDatabase db;
	CXCompileCommands all;
	unsigned n, i, pass;
	int ret = -1;

	memset(fl, 0, sizeof(*fl));
	db = clang_CompilationDatabase_fromDirectory(compdb_dir, &err);
	if (err != CXCompilationDatabase_NoError)
		return error("cannot load '%s/compile_commands.json'", compdb_dir);
	all = clang_CompilationDatabase_getAllCompileCommands(db);
	n = clang_CompileCommands_getSize(all);
	/* pass 0: the file itself; pass 1: a neighbour in its directory */
	for (pass = 0; pass < 2 && ret; pass++) {
		for (i = 0; i < n; i++) {
			CXCompileCommand cmd = clang_CompileCommands_getCommand(all, i);
			CXString f = clang_CompileCommand_getFilename(cmd);
			CXString d = clang_CompileCommand_getDirectory(cmd);
			const char *path = clang_getCString(f);
			bool hit = pass ? same_dir(path, rel) : ends_with_path(path, rel);

			if (hit) {
				const char *base = pass ? strrchr(rel, '/') : rel;
				size_t tail = pass ? strlen(strrchr(path, '/')) +
					      (size_t)(base - rel) + 1 : strlen(rel) + 1;
				char *srctree = xstrndup(path, strlen(path) - tail);

				fl->workdir = xstrdup(clang_getCString(d));
				add_filtered(fl, cmd, srctree, root);
				free(srctree);
				ret = 0;
			}
			clang_disposeString(f);
			clang_disposeString(d);
			if (!ret)
				break;
		}
	}
	if (ret)
		error("no compile command for '%s' in '%s/compile_commands.json'",
		      rel, compdb_dir);
	clang_CompileCommands_dispose(all);
	clang_CompilationDatabase_dispose(db);
	return ret;
}

void cflags_from_argv(struct cflags *fl, int argc, char **argv)
{
	int i;

	memset(fl, 0, sizeof(*fl));
	for (i = 0; i < argc; i++)
		sl_add(&fl->args, argv[i]);
	sl_add(&fl->args, "-w");
}

void cflags_release(struct cflags *fl)
{
	sl_free(&fl->args);
	free(fl->workdir);
	fl->workdir = NULL;
}

static const char *describe_failure(enum CXErrorCode err)
{
	switch (err) {
	case CXError_Crashed:
		return "libclang crashed";
	case CXError_InvalidArguments:
		return "invalid arguments";
	case CXError_ASTReadError:
		return "AST read error";
	default:
		return "failure";
	}
}

static int check_diagnostics(CXTranslationUnit tu, const char *path)
{
	unsigned n = clang_getNumDiagnostics(tu), i;
	int errors = 0;

	for (i = 0; i < n; i++) {
		CXDiagnostic d = clang_getDiagnostic(tu, i);

		if (clang_getDiagnosticSeverity(d) >= CXDiagnostic_Error) {
			CXString s = clang_formatDiagnostic(d,
				clang_defaultDiagnosticDisplayOptions());

			if (errors++ < 5)
				fprintf(stderr, "%s\n", clang_getCString(s));
			clang_disposeString(s);
		}
		clang_disposeDiagnostic(d);
	}
	if (errors)
		return error("cannot parse '%s': %d error%s", path, errors,
			     errors == 1 ? "" : "s");
	return 0;
}

int tu_parse(CXIndex idx, const char *path, const struct cflags *fl,
	     bool skip_bodies, bool keep_going, CXTranslationUnit *out)
{
	unsigned opts = CXTranslationUnit_KeepGoing |
			CXTranslationUnit_DetailedPreprocessingRecord;
	const char **argv;
	enum CXErrorCode err;
	char *wd = NULL;
	int argc = 0, i;

	argv = xcalloc(fl->args.n + 2, sizeof(*argv));
	if (fl->workdir) {
		wd = xasprintf("-working-directory=%s", fl->workdir);
		argv[argc++] = wd;
	}
	for (i = 0; i < fl->args.n; i++)
		argv[argc++] = fl->args.v[i];
	if (skip_bodies)
		opts |= CXTranslationUnit_SkipFunctionBodies;
	err = clang_parseTranslationUnit2(idx, path, argv, argc, NULL, 0, opts,
					  out);
	free(argv);
	free(wd);
	if (err != CXError_Success) {
		*out = NULL;
		return error("cannot parse '%s': %s", path, describe_failure(err));
	}
	if (!keep_going && check_diagnostics(*out, path)) {
		clang_disposeTranslationUnit(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}
