// SPDX-License-Identifier: GPL-2.0
/*
 * Inputs of the splitter: the manifest, the source file carved with the
 * kernel's flags, template headers (paging_tmpl.h) included by it, and
 * selection lists.  Also the prototype writer.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "split.h"

static const char *const dests[] = { "shadow", "common", "paging", NULL };

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static bool known_kind(const char *k)
{
	int i;

	for (i = 0; i < EK_NR; i++)
		if (!strcmp(ent_kind_name[i], k))
			return true;
	return false;
}

int manifest_read(struct manifest *m, const char *path)
{
	char *buf, *p, *next;
	size_t len;
	unsigned lineno = 0;
	int ret = 0;

	memset(m, 0, sizeof(*m));
	m->path = xstrdup(path);
	if (read_file(path, &buf, &len))
		return -1;
	for (p = buf; p && *p; p = next) {
		char *line, *dest, *kind, *name;
		struct mline *l;
		int i;

		next = strchr(p, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		if (strchr(p, '#'))
			*strchr(p, '#') = '\0';
		line = trim(p);
		if (!*line)
			continue;
		dest = strtok(line, " \t");
		kind = strtok(NULL, " \t");
		name = strtok(NULL, "");
		for (i = 0; dests[i] && strcmp(dests[i], dest); i++)
			;
		if (!dests[i] || !kind || !name || !known_kind(kind)) {
			ret = error("%s:%u: malformed manifest line: expected 'shadow|common|paging KIND NAME'",
				    path, lineno);
			break;
		}
		ALLOC_GROW(m->v, m->n + 1, m->alloc);
		l = &m->v[m->n++];
		l->dest = xstrdup(dest);
		l->kind = xstrdup(kind);
		l->name = xstrdup(trim(name));
		l->lineno = lineno;
		l->hits = 0;
	}
	free(buf);
	return ret;
}

bool mline_matches(const struct mline *l, const struct file_model *fm,
		   const struct entity *e)
{
	(void)fm;
	if (strcmp(ent_kind_name[e->kind], l->kind) || !e->name)
		return false;
	return !strcmp(e->name, l->name);
}

void manifest_release(struct manifest *m)
{
	int i;

	for (i = 0; i < m->n; i++) {
		free(m->v[i].dest);
		free(m->v[i].kind);
		free(m->v[i].name);
	}
	free(m->v);
	free(m->path);
}

/* A quoted include of a file next to the source with no include guard. */
static char *template_path(const char *src, const struct entity *e)
{
	const char *slash = strrchr(src, '/');
	size_t n = strlen(e->name);
	struct stat st;
	char *p;

	if (e->kind != EK_INCLUDE || e->name[0] != '"' || n < 3)
		return NULL;
	p = xasprintf("%.*s%.*s", slash ? (int)(slash - src + 1) : 0, src,
		      (int)(n - 2), e->name + 1);
	if (stat(p, &st)) {
		free(p);
		return NULL;
	}
	return p;
}

static void load_templates(struct source *s)
{
	struct file_model *fm = &s->fm;
	int i, k;

	s->tmpl_of = xmalloc(fm->nent * sizeof(int));
	s->tmpl = xcalloc(fm->nent + 1, sizeof(*s->tmpl));
	for (i = 0; i < fm->nent; i++) {
		char *p = template_path(fm->path, &fm->ent[i]);

		s->tmpl_of[i] = -1;
		if (!p)
			continue;
		for (k = 0; k < s->ntmpl; k++)
			if (!strcmp(s->tmpl[k].path, p))
				break;
		if (k == s->ntmpl) {
			if (file_model_load(&s->tmpl[k], p, NULL)) {
				free(p);
				continue;
			}
			if (s->tmpl[k].guard >= 0) {
				file_model_free(&s->tmpl[k]);
				free(p);
				continue;
			}
			s->ntmpl++;
		}
		s->tmpl_of[i] = k;
		free(p);
	}
}

int source_load(struct source *s, const char *path, const char *compdb,
		const char *rel, int argc, char **argv)
{
	CXIndex idx = clang_createIndex(0, 0);
	CXTranslationUnit tu = NULL;
	struct cflags fl;
	int ret = -1;

	memset(s, 0, sizeof(*s));
	if (compdb) {
		if (cflags_from_compdb(&fl, compdb, rel ? rel : path, NULL))
			goto out_dispose_index;
	} else {
		cflags_from_argv(&fl, argc, argv);
	}
	/* a header alone need not compile: only its tokens matter then */
	if (tu_parse(idx, path, &fl, true,
		     strlen(path) > 2 && !strcmp(path + strlen(path) - 2, ".h"), &tu))
		goto out_release_flags;
	if (file_model_load(&s->fm, path, tu))
		goto out_dispose_tu;
	load_templates(s);
	s->side = xcalloc(s->fm.nent + 1, sizeof(*s->side));
	s->unclassified = xcalloc(s->fm.nent + 1, sizeof(bool));
	ret = 0;
out_dispose_tu:
	clang_disposeTranslationUnit(tu);
out_release_flags:
	cflags_release(&fl);
out_dispose_index:
	clang_disposeIndex(idx);
	return ret;
}

void source_release(struct source *s)
{
	int i;

	for (i = 0; i < s->ntmpl; i++)
		file_model_free(&s->tmpl[i]);
	free(s->tmpl);
	free(s->tmpl_of);
	free(s->side);
	free(s->unclassified);
	file_model_free(&s->fm);
}

bool selected(const struct strlist *sel, const struct file_model *fm,
	      const struct entity *e)
{
	char *key;
	bool hit;

	if (!e->name || e->kind == EK_COND)
		return false;
	key = xasprintf("%s %s", ent_kind_name[e->kind], e->name);
	hit = sl_has(sel, key);
	free(key);
	(void)fm;
	return hit;
}

int read_selection(const char *path, struct strlist *sel)
{
	char *buf, *p, *next;
	size_t len;

	if (read_file(path, &buf, &len))
		return -1;
	for (p = buf; p && *p; p = next) {
		next = strchr(p, '\n');
		if (next)
			*next++ = '\0';
		p = trim(p);
		if (*p && *p != '#')
			sl_add(sel, p);
	}
	free(buf);
	return 0;
}

/* ---------------------------------------------------------------------
 * Prototypes
 */

/* A prototype is no inline definition: these words stay on the body. */
static bool is_inline_word(const struct file_model *fm, int i)
{
	return tok_is(fm, i, "inline") || tok_is(fm, i, "__inline") ||
	       tok_is(fm, i, "__inline__") || tok_is(fm, i, "__always_inline");
}

/* Tokens from `from` to `to` joined with one space where there was space. */
static void join_source(struct strbuf *sb, const struct file_model *fm,
			int from, int to, int skip)
{
	int i;

	for (i = from; i < to; i++) {
		unsigned len;
		const char *t;

		if (fm->tok[i].kind == TK_COMMENT || i == skip ||
		    is_inline_word(fm, i))
			continue;
		t = tok_text(fm, i, &len);
		if (sb->len && i > from && fm->tok[i].start > fm->tok[i - 1].end &&
		    sb->buf[sb->len - 1] != '(' && sb->buf[sb->len - 1] != ' ' &&
		    sb->buf[sb->len - 1] != '*')
			sb_addc(sb, ' ');
		sb_add(sb, t, len);
	}
}

/* Wrap "type name(a, b, c);" at 80 columns, aligning to the open paren. */
static char *wrap(const char *s)
{
	struct strbuf sb = { 0 };
	const char *paren = strchr(s, '(');
	size_t col, start = 0, n = strlen(s);

	if (n <= 80 || !paren)
		return xstrdup(s);
	col = paren - s + 1;
	while (n - start > (start ? 80 - col : 80)) {
		size_t limit = start + (start ? 80 - col : 80), cut = 0, i;

		for (i = start; i < limit && i < n; i++)
			if (s[i] == ',' && s[i + 1] == ' ')
				cut = i + 1;
		if (!cut || cut <= start)
			break;
		sb_add(&sb, s + start, cut - start);
		sb_addc(&sb, '\n');
		for (i = 0; i < col / 8; i++)
			sb_addc(&sb, '\t');
		for (i = 0; i < col % 8; i++)
			sb_addc(&sb, ' ');
		start = cut + 1;
	}
	sb_adds(&sb, s + start);
	return sb_detach(&sb);
}

static int find_static(const struct file_model *fm, const struct entity *e)
{
	int i;

	for (i = e->tok; i < e->tok + e->ntok; i++) {
		if (tok_is(fm, i, "(") || tok_is(fm, i, "{") || tok_is(fm, i, "="))
			break;
		if (tok_is(fm, i, "static"))
			return i;
	}
	return -1;
}

char *make_prototype(const struct file_model *fm, const struct entity *e,
		     const char *macro_name, const char *real_name,
		     const char *prefix)
{
	struct strbuf sb = { 0 };
	char *text, *out;
	int i, body = -1, depth = 0;

	for (i = e->tok; i < e->tok + e->ntok; i++) {
		if (tok_is(fm, i, "(") || tok_is(fm, i, "["))
			depth++;
		else if (tok_is(fm, i, ")") || tok_is(fm, i, "]"))
			depth--;
		else if (!depth && tok_is(fm, i, "{")) {
			body = i;
			break;
		}
	}
	if (body < 0)
		return NULL;
	if (prefix)
		sb_adds(&sb, prefix);
	join_source(&sb, fm, e->tok, body, find_static(fm, e));
	text = sb_detach(&sb);
	if (macro_name && real_name) {
		char *at = strstr(text, macro_name);

		if (at) {
			char *t = xasprintf("%.*s%s%s", (int)(at - text), text,
					    real_name, at + strlen(macro_name));

			free(text);
			text = t;
		}
	}
	sb_adds(&sb, text);
	sb_addc(&sb, ';');
	free(text);
	text = sb_detach(&sb);
	out = wrap(text);
	free(text);
	return out;
}

char *make_extern(const struct file_model *fm, const struct entity *e)
{
	struct strbuf sb = { 0 };
	int i, end = e->tok + e->ntok;
	char *text, *out;

	for (i = e->tok; i < e->tok + e->ntok; i++)
		if (tok_is(fm, i, "=") || tok_is(fm, i, ";")) {
			end = i;
			break;
		}
	sb_adds(&sb, "extern ");
	join_source(&sb, fm, e->tok, end, find_static(fm, e));
	sb_addc(&sb, ';');
	text = sb_detach(&sb);
	out = wrap(text);
	free(text);
	return out;
}
