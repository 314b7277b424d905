// SPDX-License-Identifier: GPL-2.0
/*
 * Carve a C file into top-level entities.
 *
 * Pass 1 tokenises the whole file with libclang's raw lexer (comments and
 * inactive branches included).  Pass 2 walks the tokens once: directive
 * lines become one entity each, comment runs are attached to the entity
 * that follows them on the next line or stand alone, and C declarations
 * run to a depth-0 ';' or to the '}' that closes a function body.  Pass 3
 * asks libclang which names each entity defines, which is the only way to
 * see the names behind BUILD_MMU_ROLE_ACCESSOR() or FNAME().
 */
#include <stdlib.h>
#include <string.h>

#include "entity.h"

const char *const ent_kind_name[EK_NR] = {
	[EK_FUNC] = "func",
	[EK_PROTO] = "proto",
	[EK_VAR] = "var",
	[EK_STRUCT] = "struct",
	[EK_UNION] = "union",
	[EK_ENUM] = "enum",
	[EK_TYPEDEF] = "typedef",
	[EK_DECL] = "decl",
	[EK_MACROCALL] = "macrocall",
	[EK_EXPORT] = "export",
	[EK_MACRO] = "macro",
	[EK_UNDEF] = "undef",
	[EK_INCLUDE] = "include",
	[EK_DIRECTIVE] = "directive",
	[EK_COND] = "cond",
	[EK_COMMENT] = "comment",
};

/* Identifiers that look like a declarator name but are attributes. */
static const char *const attribute_words[] = {
	"__attribute__", "__printf", "__scanf", "__aligned", "__section",
	"__alias", "__acquires", "__releases", "__must_hold", "__malloc",
	"__alloc_size", "__assume_aligned", "__cond_acquires",
	"__no_sanitize_or_inline", "__diag_ignore", "_Alignas",
	"__read_mostly", "__ro_after_init", "__initdata", "__initconst",
	"__maybe_unused", "__used", "__always_unused", "__percpu", "__rcu",
	"__user", "__iomem", "__force", "__packed", "__weak", "__refdata",
	"__cacheline_aligned", "__cacheline_aligned_in_smp", "__init",
	"__exit", "__must_check", "__cold", "__noreturn", "noinline",
	"__noinline", "__always_inline", "__visible", "asmlinkage",
	"__page_aligned_bss", "__page_aligned_data", "__exitdata", NULL,
};

bool tok_is(const struct file_model *fm, int i, const char *s)
{
	unsigned len;
	const char *t;

	if (i < 0 || i >= fm->ntok)
		return false;
	t = tok_text(fm, i, &len);
	return strlen(s) == len && !memcmp(t, s, len);
}

static char *tok_dup(const struct file_model *fm, int i)
{
	unsigned len;
	const char *t = tok_text(fm, i, &len);

	return xstrndup(t, len);
}

static bool is_attribute_word(const struct file_model *fm, int i)
{
	int k;

	for (k = 0; attribute_words[k]; k++)
		if (tok_is(fm, i, attribute_words[k]))
			return true;
	return false;
}

/* ---------------------------------------------------------------------
 * Pass 1: tokens
 */

static enum tok_kind map_kind(CXTokenKind k)
{
	switch (k) {
	case CXToken_Punctuation:
		return TK_PUNCT;
	case CXToken_Keyword:
		return TK_KEYWORD;
	case CXToken_Identifier:
		return TK_IDENT;
	case CXToken_Literal:
		return TK_LITERAL;
	default:
		return TK_COMMENT;
	}
}

static int tokenize(struct file_model *fm, CXTranslationUnit tu, CXFile file)
{
	CXSourceRange range;
	CXToken *toks;
	unsigned n, i, last_line = 0;

	range = clang_getRange(clang_getLocationForOffset(tu, file, 0),
			       clang_getLocationForOffset(tu, file, fm->len));
	clang_tokenize(tu, range, &toks, &n);
	fm->tok = xcalloc(n + 1, sizeof(*fm->tok));
	for (i = 0; i < n; i++) {
		CXSourceRange ext = clang_getTokenExtent(tu, toks[i]);
		unsigned line, off, eoff;
		struct token *t = &fm->tok[fm->ntok];

		clang_getSpellingLocation(clang_getRangeStart(ext), NULL,
					  &line, NULL, &off);
		clang_getSpellingLocation(clang_getRangeEnd(ext), NULL, NULL,
					  NULL, &eoff);
		/* a token after a line splice starts at the backslash */
		while (off + 1 < eoff && fm->buf[off] == '\\' &&
		       (fm->buf[off + 1] == '\n' || fm->buf[off + 1] == '\r')) {
			off += fm->buf[off + 1] == '\r' ? 3 : 2;
			line++;
			while (off < eoff && (fm->buf[off] == ' ' || fm->buf[off] == '\t'))
				off++;
		}
		if (eoff > fm->len || off >= eoff)
			continue;
		t->kind = map_kind(clang_getTokenKind(toks[i]));
		t->start = off;
		t->end = eoff;
		t->line = line;
		t->bol = !fm->ntok || line != last_line;
		last_line = line;
		fm->ntok++;
	}
	clang_disposeTokens(tu, toks, n);
	return 0;
}

/* ---------------------------------------------------------------------
 * Pass 2: carving
 */

struct carver {
	struct file_model *fm;
	int ent_alloc;
	int cond_stack[64];	/* current branch entity per nesting level */
	int depth;
};

static unsigned line_start(const struct file_model *fm, unsigned off)
{
	while (off > 0 && fm->buf[off - 1] != '\n')
		off--;
	return off;
}

static unsigned line_end(const struct file_model *fm, unsigned off)
{
	while (off < fm->len && fm->buf[off] != '\n')
		off++;
	return off < fm->len ? off + 1 : off;
}

/* Only blanks between the start of the line and `off`? */
static bool first_on_line(const struct file_model *fm, unsigned off)
{
	unsigned s = line_start(fm, off);

	for (; s < off; s++)
		if (fm->buf[s] != ' ' && fm->buf[s] != '\t')
			return false;
	return true;
}

/* Only blanks between `off` and the end of the line? */
static bool last_on_line(const struct file_model *fm, unsigned off)
{
	for (; off < fm->len && fm->buf[off] != '\n'; off++)
		if (fm->buf[off] != ' ' && fm->buf[off] != '\t' &&
		    fm->buf[off] != '\r')
			return false;
	return true;
}

static void index_lines(struct file_model *fm)
{
	size_t i;
	int alloc = 0;

	ALLOC_GROW(fm->line_off, 1, alloc);
	fm->line_off[fm->nlines++] = 0;
	for (i = 0; i < fm->len; i++) {
		if (fm->buf[i] != '\n' || i + 1 >= fm->len)
			continue;
		ALLOC_GROW(fm->line_off, fm->nlines + 1, alloc);
		fm->line_off[fm->nlines++] = i + 1;
	}
}

unsigned line_of(const struct file_model *fm, unsigned off)
{
	int lo = 0, hi = fm->nlines - 1;

	while (lo < hi) {
		int mid = (lo + hi + 1) / 2;

		if (fm->line_off[mid] <= off)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo + 1;
}

static struct entity *new_entity(struct carver *c, enum ent_kind kind)
{
	struct file_model *fm = c->fm;
	struct entity *e;

	ALLOC_GROW(fm->ent, fm->nent + 1, c->ent_alloc);
	e = &fm->ent[fm->nent++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->cond = c->depth ? c->cond_stack[c->depth - 1] : -1;
	e->group = e->endif = -1;
	e->ctok = -1;
	e->active = true;
	return e;
}

/* End of a directive: the end of its logical line (continuations, comments). */
static int directive_end(const struct file_model *fm, int t)
{
	unsigned line = fm->tok[t].line;
	int i;

	for (i = t + 1; i < fm->ntok; i++) {
		const struct token *tk = &fm->tok[i];
		unsigned prev_end = fm->tok[i - 1].end, k;
		bool cont = false;

		if (tk->line == line)
			continue;
		/* a line break between i-1 and i: continued with '\'? */
		for (k = prev_end; k < tk->start; k++)
			if (fm->buf[k] == '\\')
				cont = true;
		if (!cont)
			break;
		line = tk->line;
	}
	return i;
}

static char *join_tokens(const struct file_model *fm, int from, int to,
			 bool spaces)
{
	struct strbuf sb = { 0 };
	int i;

	for (i = from; i < to; i++) {
		unsigned len;
		const char *t;

		if (fm->tok[i].kind == TK_COMMENT)
			continue;
		t = tok_text(fm, i, &len);
		if (spaces && sb.len)
			sb_addc(&sb, ' ');
		sb_add(&sb, t, len);
	}
	return sb_detach(&sb);
}

static void carve_directive(struct carver *c, int t, int end)
{
	struct file_model *fm = c->fm;
	struct entity *e;
	int d = t + 1;
	enum ent_kind kind = EK_DIRECTIVE;
	bool open = false, branch = false, close = false, had_group;

	if (tok_is(fm, d, "define")) {
		kind = EK_MACRO;
	} else if (tok_is(fm, d, "undef")) {
		kind = EK_UNDEF;
	} else if (tok_is(fm, d, "include")) {
		kind = EK_INCLUDE;
	} else if (tok_is(fm, d, "if") || tok_is(fm, d, "ifdef") ||
		   tok_is(fm, d, "ifndef")) {
		kind = EK_COND;
		open = true;
	} else if (tok_is(fm, d, "elif") || tok_is(fm, d, "else")) {
		kind = EK_COND;
		branch = true;
	} else if (tok_is(fm, d, "endif")) {
		kind = EK_COND;
		close = true;
	}

	had_group = c->depth > 0;
	if ((branch || close) && had_group)
		c->depth--;	/* the branch or endif sits outside its group */
	e = new_entity(c, kind);
	e->tok = t;
	e->ntok = end - t;
	if (kind == EK_MACRO || kind == EK_UNDEF)
		e->name = d + 1 < end ? tok_dup(fm, d + 1) : xstrdup("");
	else if (kind == EK_INCLUDE)
		e->name = join_tokens(fm, d + 1, end, false);
	else
		e->name = join_tokens(fm, t, end, true);

	if (open) {
		e->group = fm->nent - 1;
		if (c->depth < (int)(sizeof(c->cond_stack) / sizeof(int)))
			c->cond_stack[c->depth++] = fm->nent - 1;
	} else if (branch || close) {
		/* an unbalanced #else or #endif is a group of its own */
		int prev = had_group ? c->cond_stack[c->depth] : fm->nent - 1;

		e->group = fm->ent[prev].group >= 0 ? fm->ent[prev].group :
			   fm->nent - 1;
		if (branch && c->depth < 64)
			c->cond_stack[c->depth++] = fm->nent - 1;
		else if (close)
			fm->ent[e->group].endif = fm->nent - 1;
	}
}

static bool kind_is_tag(const struct file_model *fm, int i)
{
	return tok_is(fm, i, "struct") || tok_is(fm, i, "union") ||
	       tok_is(fm, i, "enum");
}

/* Skip a balanced group starting at the opening token `i`; returns index after it. */
static int skip_group(const struct file_model *fm, int i, int end)
{
	int depth = 0;

	for (; i < end; i++) {
		unsigned len;
		const char *s = tok_text(fm, i, &len);

		if (fm->tok[i].kind != TK_PUNCT || len != 1)
			continue;
		if (*s == '(' || *s == '[' || *s == '{')
			depth++;
		else if (*s == ')' || *s == ']' || *s == '}')
			if (--depth == 0)
				return i + 1;
	}
	return end;
}

/* Next non-comment token at or after i, below end (or end). */
static int next_code(const struct file_model *fm, int i, int end)
{
	while (i < end && fm->tok[i].kind == TK_COMMENT)
		i++;
	return i;
}

static bool is_ident(const struct file_model *fm, int i)
{
	return fm->tok[i].kind == TK_IDENT || fm->tok[i].kind == TK_KEYWORD;
}

/*
 * Find the declarator name of a function or prototype: the identifier in
 * front of the first depth-0 parameter list, skipping attributes.  A name
 * made by a macro (FNAME(x)(...)) is returned as "FNAME(x)".
 */
static char *declarator_name(const struct file_model *fm, int from, int end,
			     int *paren)
{
	int i = from;

	while (i < end) {
		i = next_code(fm, i, end);
		if (i >= end)
			break;
		if (tok_is(fm, i, "(") || tok_is(fm, i, "[") ||
		    tok_is(fm, i, "{")) {
			int prev = i - 1, after;

			while (prev >= from && fm->tok[prev].kind == TK_COMMENT)
				prev--;
			after = skip_group(fm, i, end);
			if (tok_is(fm, i, "(") && prev >= from &&
			    is_ident(fm, prev) && !is_attribute_word(fm, prev)) {
				after = next_code(fm, after, end);
				*paren = i;
				if (tok_is(fm, after, "(")) {
					char *inner = join_tokens(fm, i, skip_group(fm, i, end), false);
					char *n = xasprintf("%.*s%s",
						(int)(fm->tok[prev].end - fm->tok[prev].start),
						fm->buf + fm->tok[prev].start, inner);

					free(inner);
					*paren = after;
					return n;
				}
				return tok_dup(fm, prev);
			}
			i = after;
			continue;
		}
		if (tok_is(fm, i, "=") || tok_is(fm, i, ";"))
			break;
		i++;
	}
	*paren = -1;
	return NULL;
}

/* Last depth-0 identifier before the first depth-0 token in `stops`. */
static char *last_ident_before(const struct file_model *fm, int from, int end,
			       const char *stop)
{
	int i = from, last = -1;

	while (i < end) {
		if (fm->tok[i].kind == TK_COMMENT) {
			i++;
			continue;
		}
		if (stop && tok_is(fm, i, stop))
			break;
		if (tok_is(fm, i, "(") || tok_is(fm, i, "[") ||
		    tok_is(fm, i, "{")) {
			i = skip_group(fm, i, end);
			continue;
		}
		if (fm->tok[i].kind == TK_IDENT && !is_attribute_word(fm, i))
			last = i;
		i++;
	}
	return last >= 0 ? tok_dup(fm, last) : NULL;
}

static bool has_depth0(const struct file_model *fm, int from, int end,
		       const char *what)
{
	int i = from;

	while (i < end) {
		if (tok_is(fm, i, "(") || tok_is(fm, i, "[") ||
		    tok_is(fm, i, "{")) {
			i = skip_group(fm, i, end);
			continue;
		}
		if (tok_is(fm, i, what))
			return true;
		i++;
	}
	return false;
}

/* Typedef name: "(*name)" for function-pointer types, else the last identifier. */
static char *typedef_name(const struct file_model *fm, int from, int end)
{
	int i;

	for (i = from; i + 3 < end; i++)
		if (tok_is(fm, i, "(") && tok_is(fm, i + 1, "*") &&
		    fm->tok[i + 2].kind == TK_IDENT && tok_is(fm, i + 3, ")"))
			return tok_dup(fm, i + 2);
	return last_ident_before(fm, from, end, ";");
}

static bool all_upper(const struct file_model *fm, int i)
{
	unsigned len, k;
	const char *s = tok_text(fm, i, &len);

	for (k = 0; k < len; k++)
		if (s[k] >= 'a' && s[k] <= 'z')
			return false;
	return true;
}

static void classify_decl(struct file_model *fm, struct entity *e, bool body)
{
	int from = next_code(fm, e->tok, e->tok + e->ntok);
	int end = e->tok + e->ntok, paren, i;
	char *name = NULL;

	for (i = from; i < end; i++) {
		if (tok_is(fm, i, "(") || tok_is(fm, i, "{") || tok_is(fm, i, "="))
			break;
		if (tok_is(fm, i, "static"))
			e->is_static = true;
		else if (tok_is(fm, i, "extern"))
			e->is_extern = true;
		/* __always_inline functions are exposed, not moved to headers */
		else if (tok_is(fm, i, "inline") || tok_is(fm, i, "__inline") ||
			 tok_is(fm, i, "__inline__"))
			e->is_inline = true;
	}

	if (body) {
		e->kind = EK_FUNC;
		e->name = declarator_name(fm, from, end, &paren);
	} else if (tok_is(fm, from, "typedef")) {
		e->kind = EK_TYPEDEF;
		e->name = typedef_name(fm, from, end);
	} else if (kind_is_tag(fm, from) && !has_depth0(fm, from, end, "=") &&
		   (tok_is(fm, from + 2, "{") || tok_is(fm, from + 1, "{") ||
		    tok_is(fm, from + 2, ";"))) {
		bool def = !tok_is(fm, from + 2, ";");
		int close = skip_group(fm, tok_is(fm, from + 1, "{") ? from + 1 : from + 2, end);
		char *var = def ? last_ident_before(fm, close, end, ";") : NULL;

		if (var) {
			e->kind = EK_VAR;
			e->name = var;
		} else {
			e->kind = !def ? EK_DECL : tok_is(fm, from, "struct") ?
				  EK_STRUCT : tok_is(fm, from, "union") ?
				  EK_UNION : EK_ENUM;
			if (tok_is(fm, from + 1, "{"))
				e->name = join_tokens(fm, from, from + 4 < end ? from + 4 : end, true);
			else
				e->name = join_tokens(fm, from, from + 2, true);
		}
	} else if (has_depth0(fm, from, end, "=")) {
		e->kind = EK_VAR;
		e->name = last_ident_before(fm, from, end, "=");
	} else if ((name = declarator_name(fm, from, end, &paren))) {
		int first = next_code(fm, from, end);
		int after = next_code(fm, skip_group(fm, paren, end), end);
		bool lone = (paren == first + 1) ||
			    (paren == first + 2 && tok_is(fm, first, "static") &&
			     all_upper(fm, first + 1));

		if (lone && tok_is(fm, after, ";")) {
			int nm = paren - 1;

			free(name);
			if (!strncmp(fm->buf + fm->tok[nm].start,
				     "EXPORT_SYMBOL", 13)) {
				e->kind = EK_EXPORT;
				e->name = last_ident_before(fm, paren + 1, end, ")");
			} else {
				e->kind = EK_MACROCALL;
				e->name = join_tokens(fm, nm, after, false);
			}
		} else {
			e->kind = EK_PROTO;
			e->name = name;
		}
	} else {
		e->kind = e->is_extern ? EK_PROTO : EK_VAR;
		e->name = last_ident_before(fm, from, end, ";");
	}
	if (!e->name)
		e->name = join_tokens(fm, from, end < from + 6 ? end : from + 6, true);
	if (e->kind == EK_VAR && e->is_extern)
		e->kind = EK_PROTO;
}

/* Carve one declaration starting at t; returns the index after it. */
static int carve_decl(struct carver *c, int t)
{
	struct file_model *fm = c->fm;
	struct entity *e = new_entity(c, EK_DECL);
	int i, depth = 0, last_close = -1;
	bool body = false, saw_assign = false;

	for (i = t; i < fm->ntok; i++) {
		unsigned len;
		const char *s = tok_text(fm, i, &len);

		if (fm->tok[i].kind == TK_COMMENT)
			continue;
		if (fm->tok[i].bol && *s == '#' && len == 1) {
			i = directive_end(fm, i) - 1;
			continue;
		}
		if (fm->tok[i].kind != TK_PUNCT)
			continue;
		if (len == 1 && (*s == '(' || *s == '[')) {
			depth++;
		} else if (len == 1 && (*s == ')' || *s == ']')) {
			depth--;
			if (!depth)
				last_close = i;
		} else if (len == 1 && *s == '{') {
			/* a body follows a parameter list, never a tag */
			if (!depth && !saw_assign && last_close >= 0)
				body = true;
			depth++;
		} else if (len == 1 && *s == '}') {
			if (--depth == 0 && body)
				break;
		} else if (!depth && len == 1 && *s == '=') {
			saw_assign = true;
		} else if (!depth && len == 1 && *s == ';') {
			break;
		}
		if (depth < 0)
			break;
	}
	if (i >= fm->ntok)
		i = fm->ntok - 1;
	e->tok = t;
	e->ntok = i + 1 - t;
	classify_decl(fm, e, body);
	return i + 1;
}

/* Fill in byte extents and absorb trailing same-line comments. */
static int finish_entity(struct carver *c, struct entity *e)
{
	struct file_model *fm = c->fm;
	int last = e->tok + e->ntok - 1;
	int first = e->nctok ? e->ctok : e->tok;

	while (last + 1 < fm->ntok && fm->tok[last + 1].kind == TK_COMMENT &&
	       fm->tok[last + 1].line == fm->tok[last].line &&
	       !fm->tok[last + 1].bol) {
		last++;
		e->ntok++;
	}
	e->start = fm->tok[first].start;
	if (first_on_line(fm, e->start))
		e->start = line_start(fm, e->start);
	e->code_start = fm->tok[e->tok].start;
	if (first_on_line(fm, e->code_start))
		e->code_start = line_start(fm, e->code_start);
	e->end = fm->tok[last].end;
	if (last_on_line(fm, e->end))
		e->end = line_end(fm, e->end);
	e->line = line_of(fm, e->start);
	e->end_line = line_of(fm, e->end ? e->end - 1 : 0);
	return last + 1;
}

/* Is there a blank line (or more) between byte offsets a and b? */
static bool blank_line_between(const struct file_model *fm, unsigned a,
			       unsigned b)
{
	int nl = 0;

	for (; a < b; a++) {
		if (fm->buf[a] == '\n')
			nl++;
		else if (fm->buf[a] != ' ' && fm->buf[a] != '\t' &&
			 fm->buf[a] != '\r')
			nl = 0;
		if (nl >= 2)
			return true;
	}
	return false;
}

static bool is_cond_directive(const struct file_model *fm, int t)
{
	return tok_is(fm, t + 1, "if") || tok_is(fm, t + 1, "ifdef") ||
	       tok_is(fm, t + 1, "ifndef") || tok_is(fm, t + 1, "elif") ||
	       tok_is(fm, t + 1, "else") || tok_is(fm, t + 1, "endif");
}

static bool is_directive_start(const struct file_model *fm, int t)
{
	return t < fm->ntok && fm->tok[t].bol && tok_is(fm, t, "#");
}

static void carve(struct file_model *fm)
{
	struct carver c = { .fm = fm };
	int t = 0;

	while (t < fm->ntok) {
		int cstart = -1, ncom = 0;
		struct entity *e;

		/* a run of comments with no blank line inside */
		while (t < fm->ntok && fm->tok[t].kind == TK_COMMENT) {
			if (ncom && blank_line_between(fm, fm->tok[t - 1].end,
						       fm->tok[t].start))
				break;
			if (!ncom)
				cstart = t;
			ncom++;
			t++;
		}
		if (ncom && (t >= fm->ntok || fm->tok[t].kind == TK_COMMENT ||
			     blank_line_between(fm, fm->tok[t - 1].end,
						fm->tok[t].start) ||
			     (is_directive_start(fm, t) &&
			      is_cond_directive(fm, t)))) {
			e = new_entity(&c, EK_COMMENT);
			e->tok = cstart;
			e->ntok = ncom;
			e->name = NULL;
			finish_entity(&c, e);
			continue;
		}
		if (t >= fm->ntok)
			break;
		if (is_directive_start(fm, t)) {
			int end = directive_end(fm, t);

			carve_directive(&c, t, end);
			e = &fm->ent[fm->nent - 1];
			t = end;
		} else {
			t = carve_decl(&c, t);
			e = &fm->ent[fm->nent - 1];
		}
		if (ncom) {
			e->ctok = cstart;
			e->nctok = ncom;
		}
		t = finish_entity(&c, e);
	}
}

/* Standalone comments are named by their first words. */
static void name_comments(struct file_model *fm)
{
	int i;

	for (i = 0; i < fm->nent; i++) {
		struct entity *e = &fm->ent[i];
		char *text, *p;

		if (e->kind != EK_COMMENT || e->name)
			continue;
		text = entity_comment(fm, e);
		if (!text) {
			e->name = xstrdup("");
			continue;
		}
		p = text;
		while (*p == '/' || *p == '*' || *p == ' ')
			p++;
		e->name = xstrndup(p, strlen(p) > 40 ? 40 : strlen(p));
		free(text);
	}
}

static void detect_guard(struct file_model *fm)
{
	int first = -1, second = -1, last = -1, i;

	fm->guard = -1;
	for (i = 0; i < fm->nent; i++) {
		if (fm->ent[i].kind == EK_COMMENT)
			continue;
		if (first < 0)
			first = i;
		else if (second < 0)
			second = i;
		last = i;
	}
	if (first < 0 || second < 0)
		return;
	if (fm->ent[first].kind != EK_COND || !tok_is(fm, fm->ent[first].tok + 1, "ifndef"))
		return;
	if (fm->ent[second].kind != EK_MACRO || fm->ent[first].endif != last)
		return;
	if (!tok_is(fm, fm->ent[first].tok + 2, fm->ent[second].name))
		return;
	fm->guard = first;
}

/* ---------------------------------------------------------------------
 * Pass 3: what libclang knows
 */

/*
 * A file included several times (paging_tmpl.h) yields one run of
 * top-level cursors per inclusion, each starting again at a low offset.
 */
struct include_run {
	char *path;
	unsigned last_off;
	int run;
};

struct name_visit {
	struct file_model *fm;
	CXTranslationUnit tu;
	CXFile file;
	struct include_run *runs;
	int nruns, alloc;
};

static struct include_run *find_run(struct name_visit *v, const char *path)
{
	int i;

	for (i = 0; i < v->nruns; i++)
		if (!strcmp(v->runs[i].path, path))
			return &v->runs[i];
	ALLOC_GROW(v->runs, v->nruns + 1, v->alloc);
	v->runs[v->nruns].path = xstrdup(path);
	v->runs[v->nruns].last_off = 0;
	v->runs[v->nruns].run = -1;
	return &v->runs[v->nruns++];
}

static struct entity *entity_at(struct file_model *fm, unsigned off)
{
	int lo = 0, hi = fm->nent - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		struct entity *e = &fm->ent[mid];

		if (off < e->start)
			hi = mid - 1;
		else if (off >= e->end)
			lo = mid + 1;
		else
			return e;
	}
	return NULL;
}

static bool is_named_decl(enum CXCursorKind k)
{
	return k == CXCursor_FunctionDecl || k == CXCursor_VarDecl ||
	       k == CXCursor_StructDecl || k == CXCursor_UnionDecl ||
	       k == CXCursor_EnumDecl || k == CXCursor_TypedefDecl;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* The run-th "#include "NAME"" of the file whose basename is `name`. */
static struct entity *nth_include(struct file_model *fm, const char *name,
				  int run)
{
	int i;

	for (i = 0; i < fm->nent; i++) {
		struct entity *e = &fm->ent[i];
		size_t n;

		if (e->kind != EK_INCLUDE || e->name[0] != '"')
			continue;
		n = strlen(e->name);
		if (n < 2 || strncmp(base_name(e->name + 1), name, strlen(name)) ||
		    base_name(e->name + 1)[strlen(name)] != '"')
			continue;
		if (run-- == 0)
			return e;
	}
	return NULL;
}

static void add_def(struct entity *e, const char *name)
{
	if (name[0] && !sl_has(&e->defs, name))
		sl_add(&e->defs, name);
}

static enum CXChildVisitResult name_visitor(CXCursor cur, CXCursor parent,
					    CXClientData data)
{
	struct name_visit *v = data;
	CXSourceLocation loc = clang_getCursorLocation(cur);
	CXFile file;
	unsigned off;
	CXString sp;
	const char *name;
	struct entity *e = NULL;

	(void)parent;
	if (!is_named_decl(clang_getCursorKind(cur)))
		return CXChildVisit_Continue;
	clang_getExpansionLocation(loc, &file, NULL, NULL, &off);
	if (!file)
		return CXChildVisit_Continue;
	sp = clang_getCursorSpelling(cur);
	name = clang_getCString(sp);
	if (clang_File_isEqual(file, v->file)) {
		e = entity_at(v->fm, off);
	} else {
		CXString fn;
		const char *path;
		struct include_run *r;

		/* only a template (no include guard) belongs to its #include */
		if (clang_isFileMultipleIncludeGuarded(v->tu, file))
			goto out_dispose;
		fn = clang_getFileName(file);
		path = clang_getCString(fn);
		r = find_run(v, path);

		if (r->run < 0 || off <= r->last_off)
			r->run++;
		r->last_off = off;
		e = nth_include(v->fm, base_name(path), r->run);
		clang_disposeString(fn);
	}
	if (e && name && e->kind != EK_COMMENT)
		add_def(e, name);
out_dispose:
	clang_disposeString(sp);
	return CXChildVisit_Continue;
}

static void mark_inactive(struct file_model *fm, CXTranslationUnit tu,
			  CXFile file)
{
	CXSourceRangeList *sk = clang_getSkippedRanges(tu, file);
	unsigned i;
	int k;

	if (!sk)
		return;
	for (i = 0; i < sk->count; i++) {
		unsigned s, end;

		clang_getSpellingLocation(clang_getRangeStart(sk->ranges[i]),
					  NULL, NULL, NULL, &s);
		clang_getSpellingLocation(clang_getRangeEnd(sk->ranges[i]),
					  NULL, NULL, NULL, &end);
		for (k = 0; k < fm->nent; k++) {
			struct entity *e = &fm->ent[k];
			unsigned at = fm->tok[e->tok].start;

			if (at > s && at < end && e->kind != EK_COND)
				e->active = false;
		}
	}
	clang_disposeSourceRangeList(sk);
}

static void collect_names(struct file_model *fm, CXTranslationUnit tu,
			  CXFile file)
{
	struct name_visit v = { .fm = fm, .tu = tu, .file = file };
	int i;

	for (i = 0; i < fm->nent; i++) {
		struct entity *e = &fm->ent[i];

		if (e->name && e->kind != EK_COMMENT && e->kind != EK_COND &&
		    e->kind != EK_INCLUDE && e->kind != EK_MACROCALL &&
		    e->kind != EK_EXPORT && e->kind != EK_DIRECTIVE)
			add_def(e, e->name);
	}
	if (tu)
		clang_visitChildren(clang_getTranslationUnitCursor(tu),
				    name_visitor, &v);
	for (i = 0; i < v.nruns; i++)
		free(v.runs[i].path);
	free(v.runs);
}

/* ---------------------------------------------------------------------
 * Loading
 */

int file_model_load(struct file_model *fm, const char *path,
		    CXTranslationUnit tu)
{
	CXIndex idx = NULL;
	CXTranslationUnit own = NULL;
	CXFile file;
	int ret = -1;

	memset(fm, 0, sizeof(*fm));
	fm->path = xstrdup(path);
	fm->guard = -1;
	if (read_file(path, &fm->buf, &fm->len))
		return -1;
	if (!tu) {
		const char *args[] = { "-x", "c", "-fsyntax-only", "-w" };
		enum CXErrorCode err;

		idx = clang_createIndex(0, 0);
		err = clang_parseTranslationUnit2(idx, path, args, 4, NULL, 0,
				CXTranslationUnit_SkipFunctionBodies |
				CXTranslationUnit_KeepGoing, &own);
		if (err != CXError_Success) {
			error("cannot tokenise '%s' (libclang error %d)", path, err);
			goto out_dispose_index;
		}
		tu = own;
	}
	file = clang_getFile(tu, path);
	if (!file) {
		error("'%s' is not part of the translation unit", path);
		goto out_dispose_tu;
	}
	index_lines(fm);
	tokenize(fm, tu, file);
	carve(fm);
	name_comments(fm);
	detect_guard(fm);
	if (!own)
		mark_inactive(fm, tu, file);
	collect_names(fm, own ? NULL : tu, file);
	ret = 0;
out_dispose_tu:
	if (own)
		clang_disposeTranslationUnit(own);
out_dispose_index:
	if (idx)
		clang_disposeIndex(idx);
	return ret;
}

void file_model_free(struct file_model *fm)
{
	int i;

	for (i = 0; i < fm->nent; i++) {
		free(fm->ent[i].name);
		sl_free(&fm->ent[i].defs);
	}
	free(fm->ent);
	free(fm->tok);
	free(fm->line_off);
	free(fm->buf);
	free(fm->path);
	memset(fm, 0, sizeof(*fm));
}

/* ---------------------------------------------------------------------
 * Queries
 */

static char *branch_text(const struct file_model *fm, int b)
{
	const struct entity *br = &fm->ent[b];
	const struct entity *open = &fm->ent[br->group >= 0 ? br->group : b];

	if (open == br)
		return xstrdup(open->name);
	return xasprintf("%s / %s", open->name, br->name);
}

char *cond_chain(const struct file_model *fm, int branch)
{
	struct strbuf sb = { 0 };
	int chain[64], n = 0, i;

	while (branch >= 0 && n < 64) {
		const struct entity *br = &fm->ent[branch];
		int open = br->group >= 0 ? br->group : branch;

		if (open != fm->guard)
			chain[n++] = branch;
		branch = fm->ent[open].cond;
	}
	for (i = n - 1; i >= 0; i--) {
		char *t = branch_text(fm, chain[i]);

		if (sb.len)
			sb_adds(&sb, " && ");
		sb_adds(&sb, t);
		free(t);
	}
	return sb_detach(&sb);
}

void add_normalised(struct strbuf *sb, const char *s, size_t n)
{
	size_t i;
	bool space = false;

	for (i = 0; i < n; i++) {
		char ch = s[i];

		if (ch == '\n') {
			/* a reflowed block comment moves its " * " prefixes */
			while (i + 1 < n && (s[i + 1] == ' ' || s[i + 1] == '\t'))
				i++;
			if (i + 2 < n && s[i + 1] == '*' && s[i + 2] != '/')
				i++;
			space = true;
			continue;
		}
		if (ch == ' ' || ch == '\t' || ch == '\r') {
			space = true;
			continue;
		}
		if (space && sb->len)
			sb_addc(sb, ' ');
		space = false;
		sb_addc(sb, ch);
	}
}

char *entity_comment(const struct file_model *fm, const struct entity *e)
{
	struct strbuf sb = { 0 };
	int from = e->kind == EK_COMMENT ? e->tok : e->ctok;
	int n = e->kind == EK_COMMENT ? e->ntok : e->nctok;
	int i;

	if (from < 0 || !n)
		return NULL;
	for (i = from; i < from + n; i++) {
		unsigned len;
		const char *t = tok_text(fm, i, &len);

		if (sb.len)
			sb_addc(&sb, ' ');
		add_normalised(&sb, t, len);
	}
	return sb_detach(&sb);
}

void entity_refs(const struct file_model *fm, const struct entity *e,
		 struct strlist *out)
{
	int i;

	for (i = e->tok; i < e->tok + e->ntok; i++) {
		char *name;

		if (fm->tok[i].kind != TK_IDENT)
			continue;
		if (i > e->tok && (tok_is(fm, i - 1, ".") || tok_is(fm, i - 1, "->")))
			continue;
		if (i > e->tok && kind_is_tag(fm, i - 1)) {
			unsigned len;
			const char *kw = tok_text(fm, i - 1, &len);

			name = xasprintf("%.*s %.*s", (int)len, kw,
					 (int)(fm->tok[i].end - fm->tok[i].start),
					 fm->buf + fm->tok[i].start);
		} else {
			name = tok_dup(fm, i);
		}
		if (sl_has(out, name))
			free(name);
		else
			sl_add_nodup(out, name);
	}
}

bool entity_defines(const struct entity *e, const char *name)
{
	return sl_has(&e->defs, name) || (e->name && !strcmp(e->name, name));
}

char *entity_label(const struct entity *e)
{
	return xasprintf("%s %s", ent_kind_name[e->kind], e->name ? e->name : "");
}
