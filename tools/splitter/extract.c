// SPDX-License-Identifier: GPL-2.0
/*
 * extract: cut a run of statements out of a function into a new function
 * and call it in their place.
 *
 * The statements travel as whole lines, byte for byte; only their
 * indentation changes, by the depth they leave behind.  Labels in the
 * first column stay there.  What the statements need of the function
 * they leave is worked out from libclang's AST and checked:
 *
 *   - a local used only by the statements moves with them (its
 *     declaration line goes to the top of the new function);
 *   - a variable named as a parameter of the new function is passed by
 *     value, so the statements may not assign it if it is read later;
 *   - the --result variable is declared in the new function as in the
 *     old one, returned, and assigned from the call;
 *   - anything else is refused, as are a return, a break or continue
 *     out of the statements, and a goto across their boundary.
 *
 * The result starts in the new function from its declaration's value, so
 * it may not be used before the statements (nor elsewhere in a loop around
 * them), and that initialiser may not call anything.  What the checks do
 * not see is a result carried from one pass of a surrounding loop to the
 * next inside the statements themselves; the step's author does (07's
 * loop breaks right after them).
 *
 * The new function is placed before the old one, so that it needs no
 * declaration, or after --after NAME; a following 'move' can carry it to
 * another file.
 */
#include <ctype.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "split.h"

#define MAX_COLS 80

struct var {
	CXCursor cur;
	char *name;
	unsigned off;			/* the declarator */
	unsigned dstart, dend;		/* its declaration statement */
	bool param;
	char *type;			/* as the compiler spells it */
	bool ref_in, ref_out, ref_before, ref_after, ref_loop, written;
	bool written_out;		/* assigned outside the statements */
	bool moves;			/* its declaration goes with them */
	bool copied;			/* the result: declared in both */
};

struct ref {
	int var;
	unsigned off;
	bool macro_arg;			/* written as an argument of a macro */
};

/* Statements that matter for control flow. */
struct ctl {
	enum CXCursorKind kind;
	unsigned off, end;
	char *label;			/* label and goto statements */
};

struct scan {
	const struct file_model *fm;
	CXFile file;
	unsigned fstart, fend;		/* the function */
	struct var *v;
	int nv, av;
	struct ref *r;
	int nr, ar;
	struct ctl *c;
	int nc, ac;
};

struct region {
	unsigned start, end;		/* whole lines */
	unsigned first, last;		/* their line numbers */
	unsigned depth;			/* tabs before the first statement */
	unsigned loop_start, loop_end;	/* innermost loop around it, or 0 */
};

struct proto {
	char *head;			/* as given, whitespace collapsed */
	char *name;
	char *ret;			/* the return type */
	struct strlist params;
	struct strlist ptypes;		/* their types */
	bool is_static;
};

static bool file_off(CXSourceLocation loc, CXFile want, unsigned *off)
{
	CXFile f;
	unsigned line, col;

	clang_getFileLocation(loc, &f, &line, &col, off);
	return f && clang_File_isEqual(f, want);
}

static int var_of(const struct scan *sc, CXCursor c)
{
	int i;

	for (i = 0; i < sc->nv; i++)
		if (clang_equalCursors(sc->v[i].cur, c))
			return i;
	return -1;
}

static char *spelling(CXCursor c)
{
	CXString s = clang_getCursorSpelling(c);
	char *r = xstrdup(clang_getCString(s));

	clang_disposeString(s);
	return r;
}

static char *type_spelling(CXType t)
{
	CXString s = clang_getTypeSpelling(t);
	char *r = xstrdup(clang_getCString(s));

	clang_disposeString(s);
	return r;
}

static void add_var(struct scan *sc, CXCursor c, CXCursor parent)
{
	CXSourceRange ext = clang_getCursorExtent(
		clang_getCursorKind(parent) == CXCursor_DeclStmt ? parent : c);
	struct var *v;
	unsigned off;

	if (!file_off(clang_getCursorLocation(c), sc->file, &off))
		return;
	ALLOC_GROW(sc->v, sc->nv + 1, sc->av);
	v = &sc->v[sc->nv++];
	memset(v, 0, sizeof(*v));
	v->cur = c;
	v->name = spelling(c);
	v->off = off;
	v->param = clang_getCursorKind(c) == CXCursor_ParmDecl;
	v->type = type_spelling(clang_getCursorType(c));
	file_off(clang_getRangeStart(ext), sc->file, &v->dstart);
	file_off(clang_getRangeEnd(ext), sc->file, &v->dend);
}

static void add_ctl(struct scan *sc, CXCursor c, enum CXCursorKind k)
{
	CXSourceRange ext = clang_getCursorExtent(c);
	struct ctl *t;

	ALLOC_GROW(sc->c, sc->nc + 1, sc->ac);
	t = &sc->c[sc->nc++];
	memset(t, 0, sizeof(*t));
	t->kind = k;
	file_off(clang_getRangeStart(ext), sc->file, &t->off);
	file_off(clang_getRangeEnd(ext), sc->file, &t->end);
	if (k == CXCursor_LabelStmt)
		t->label = spelling(c);
}

static enum CXChildVisitResult goto_label(CXCursor c, CXCursor parent,
					  CXClientData data)
{
	char **label = data;

	(void)parent;
	if (clang_getCursorKind(c) == CXCursor_LabelRef) {
		*label = spelling(c);
		return CXChildVisit_Break;
	}
	return CXChildVisit_Continue;
}

static enum CXChildVisitResult visit(CXCursor c, CXCursor parent,
				     CXClientData data)
{
	struct scan *sc = data;
	enum CXCursorKind k = clang_getCursorKind(c);
	int i;

	switch (k) {
	case CXCursor_VarDecl:
	case CXCursor_ParmDecl:
		add_var(sc, c, parent);
		break;
	case CXCursor_DeclRefExpr:
		i = var_of(sc, clang_getCursorReferenced(c));
		if (i >= 0) {
			CXSourceLocation loc = clang_getCursorLocation(c);
			unsigned exp;

			ALLOC_GROW(sc->r, sc->nr + 1, sc->ar);
			sc->r[sc->nr].var = i;
			clang_getExpansionLocation(loc, NULL, NULL, NULL, &exp);
			if (file_off(loc, sc->file, &sc->r[sc->nr].off)) {
				sc->r[sc->nr].macro_arg = exp != sc->r[sc->nr].off;
				sc->nr++;
			}
		}
		break;
	case CXCursor_ForStmt:
	case CXCursor_WhileStmt:
	case CXCursor_DoStmt:
	case CXCursor_SwitchStmt:
	case CXCursor_BreakStmt:
	case CXCursor_ContinueStmt:
	case CXCursor_ReturnStmt:
	case CXCursor_LabelStmt:
		add_ctl(sc, c, k);
		break;
	case CXCursor_GotoStmt:
		add_ctl(sc, c, k);
		clang_visitChildren(c, goto_label, &sc->c[sc->nc - 1].label);
		break;
	default:
		break;
	}
	return CXChildVisit_Recurse;
}

struct find_fn {
	const char *name;
	CXFile file;
	CXCursor found;
	int n;
};

static enum CXChildVisitResult find_function(CXCursor c, CXCursor parent,
					     CXClientData data)
{
	struct find_fn *ff = data;
	unsigned off;
	char *name;

	(void)parent;
	if (clang_getCursorKind(c) != CXCursor_FunctionDecl ||
	    !clang_isCursorDefinition(c) ||
	    !file_off(clang_getCursorLocation(c), ff->file, &off))
		return CXChildVisit_Continue;
	name = spelling(c);
	if (!strcmp(name, ff->name)) {
		ff->found = c;
		ff->n++;
	}
	free(name);
	return CXChildVisit_Continue;
}

/* ---- tokens and statements -------------------------------------------- */

static int next_code(const struct file_model *fm, int i)
{
	for (i++; i < fm->ntok && fm->tok[i].kind == TK_COMMENT; i++)
		;
	return i;
}

/* The bracket that closes the one at i, or -1. */
static int closing(const struct file_model *fm, int i, int lim)
{
	int depth = 0;

	for (; i < lim; i = next_code(fm, i)) {
		if (tok_is(fm, i, "(") || tok_is(fm, i, "[") ||
		    tok_is(fm, i, "{"))
			depth++;
		else if (tok_is(fm, i, ")") || tok_is(fm, i, "]") ||
			 tok_is(fm, i, "}"))
			if (--depth == 0)
				return i;
	}
	return -1;
}

static bool is_keyword(const struct file_model *fm, int i, const char *const *kw)
{
	for (; *kw; kw++)
		if (tok_is(fm, i, *kw))
			return true;
	return false;
}

/* The code token after k if it is s, else -1. */
static int next_is(const struct file_model *fm, int k, const char *s)
{
	k = next_code(fm, k);
	return tok_is(fm, k, s) ? k : -1;
}

/* The token after the labels (name and colon) that start at token i. */
static int skip_labels(const struct file_model *fm, int i)
{
	while (i < fm->ntok && fm->tok[i].kind == TK_IDENT &&
	       tok_is(fm, next_code(fm, i), ":"))
		i = next_code(fm, next_code(fm, i));
	return i;
}

/* The last token of the statement that starts at token i, or -1. */
static int stmt_end(const struct file_model *fm, int i, int lim)
{
	static const char *const cond[] = { "if", "for", "while", "switch", NULL };
	int j, k;

	if (i >= lim)
		return -1;
	i = skip_labels(fm, i);
	if (tok_is(fm, i, "{"))
		return closing(fm, i, lim);
	if (is_keyword(fm, i, cond)) {
		j = next_is(fm, i, "(");
		if (j >= 0)
			j = closing(fm, j, lim);
		if (j < 0)
			return -1;
		k = stmt_end(fm, next_code(fm, j), lim);
		if (k >= 0 && tok_is(fm, i, "if") &&
		    tok_is(fm, next_code(fm, k), "else"))
			k = stmt_end(fm, next_code(fm, next_code(fm, k)), lim);
		return k;
	}
	if (tok_is(fm, i, "do")) {
		k = stmt_end(fm, next_code(fm, i), lim);
		if (k >= 0)
			k = next_is(fm, k, "while");
		if (k >= 0)
			k = next_is(fm, k, "(");
		if (k >= 0)
			k = closing(fm, k, lim);
		if (k >= 0)
			k = next_is(fm, k, ";");
		return k;
	}
	for (j = i; j < lim; j = next_code(fm, j)) {
		if (tok_is(fm, j, ";"))
			return j;
		if (tok_is(fm, j, "}") || tok_is(fm, j, ")") ||
		    tok_is(fm, j, "]"))
			return -1;
		if (!tok_is(fm, j, "(") && !tok_is(fm, j, "[") &&
		    !tok_is(fm, j, "{"))
			continue;
		k = closing(fm, j, lim);
		if (k < 0)
			return -1;
		/* a loop macro: for_each_x(...) followed by its body */
		if (j == next_code(fm, i) && fm->tok[i].kind == TK_IDENT &&
		    tok_is(fm, j, "(") && tok_is(fm, next_code(fm, k), "{"))
			return closing(fm, next_code(fm, k), lim);
		j = k;
	}
	return -1;
}

static void collapse(struct strbuf *sb, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n') {
			if (sb->len && sb->buf[sb->len - 1] != ' ')
				sb_addc(sb, ' ');
			continue;
		}
		sb_addc(sb, s[i]);
	}
	while (sb->len && sb->buf[sb->len - 1] == ' ')
		sb->len--;
}

static unsigned line_start(const struct file_model *fm, unsigned line)
{
	return fm->line_off[line - 1];
}

static unsigned line_end(const struct file_model *fm, unsigned line)
{
	return (int)line < fm->nlines ? fm->line_off[line] : fm->len;
}

/* Does the line of token t, whitespace collapsed, start with `text`? */
static bool line_starts(const struct file_model *fm, int t, const char *text)
{
	struct strbuf a = { 0 }, b = { 0 };
	unsigned l = fm->tok[t].line;
	bool hit;

	collapse(&a, fm->buf + fm->tok[t].start, line_end(fm, l) - fm->tok[t].start);
	collapse(&b, text, strlen(text));
	hit = a.buf && b.buf && !strncmp(a.buf, b.buf, b.len);
	sb_release(&a);
	sb_release(&b);
	return hit;
}

/* The first token of the one line of tokens [from, to) starting with text. */
static int find_line(const struct file_model *fm, int from, int to,
		     const char *text, const char *fn, const char *opt)
{
	int t, hit = -1, n = 0;

	for (t = from; t < to; t++) {
		if (!fm->tok[t].bol || !line_starts(fm, t, text))
			continue;
		if (!n++)
			hit = t;
	}
	if (n != 1) {
		error("%s '%s' matches %d lines of %s()", opt, text, n, fn);
		return -1;
	}
	return hit;
}

/* ---- the region --------------------------------------------------------- */

static unsigned leading_tabs(const struct file_model *fm, unsigned line)
{
	unsigned o = line_start(fm, line), n = 0;

	while (o + n < fm->len && fm->buf[o + n] == '\t')
		n++;
	return n;
}

/* Is token t on a preprocessor directive line? */
static bool on_directive(const struct file_model *fm, int t)
{
	while (t > 0 && !fm->tok[t].bol)
		t--;
	return tok_is(fm, t, "#");
}

/* Does a statement start at code token c: after ';', '{', '}' or a label? */
static bool starts_statement(const struct file_model *fm, int open, int c)
{
	int p = c - 1;

	while (p > open && (fm->tok[p].kind == TK_COMMENT || on_directive(fm, p)))
		p--;
	return p == open || tok_is(fm, p, ";") || tok_is(fm, p, "{") ||
	       tok_is(fm, p, "}") || tok_is(fm, p, ":");
}

/*
 * The statement on the line --through names, reached from the one after
 * `end` by whole statements of the same block: its last token, or -1.
 */
static int walk_through(const struct file_model *fm, int end, int close,
			const char *fn, const char *from, const char *through)
{
	int t, k;

	t = find_line(fm, end + 1, close, through, fn, "--through");
	if (t < 0)
		return -1;
	if (fm->tok[t].kind == TK_COMMENT)
		t = next_code(fm, t);
	for (k = next_code(fm, end); k < t && k < close; k = next_code(fm, end)) {
		if (skip_labels(fm, k) == t) {
			k = t;
			break;
		}
		end = stmt_end(fm, k, close);
		if (end < 0)
			break;
	}
	if (k != t)
		return error("--through '%s' is not a statement after --from "
			     "'%s' in the same block", through, from);
	return stmt_end(fm, t, close);
}

/* The statements must be whole lines: no comment crosses their edges. */
static int check_edges(const struct file_model *fm, int s, int end,
		       const char *fn)
{
	unsigned l1 = fm->tok[s].line, l2 = fm->tok[end].line;
	int t;

	if (s > 0 && fm->tok[s - 1].end > line_start(fm, l1))
		return error("%s(): a comment runs into line %u, where the "
			     "statements start", fn, l1);
	if (end + 1 < fm->ntok && fm->tok[end + 1].line == l2 &&
	    fm->tok[end + 1].end > line_end(fm, l2))
		return error("%s(): a comment runs on past line %u, where the "
			     "statements end", fn, l2);
	t = next_code(fm, end);
	if (t < fm->ntok && fm->tok[t].line == l2)
		return error("%s(): the statements end in the middle of line %u",
			     fn, l2);
	for (t = s; t <= end; t++)
		if (fm->tok[t].bol && tok_is(fm, t, "#"))
			return error("%s(): line %u is a preprocessor directive: "
				     "extract moves no #if structure", fn,
				     fm->tok[t].line);
	return 0;
}

static int find_region(const struct file_model *fm, const struct entity *e,
		       const char *fn, const char *from, const char *through,
		       struct region *rg)
{
	int open, close, s, c, end;

	for (open = e->tok; open < e->tok + e->ntok; open++)
		if (tok_is(fm, open, "{"))
			break;
	close = closing(fm, open, e->tok + e->ntok);
	if (close < 0)
		return error("%s(): cannot find its body", fn);
	s = find_line(fm, open + 1, close, from, fn, "--from");
	if (s < 0)
		return -1;
	c = fm->tok[s].kind == TK_COMMENT ? next_code(fm, s) : s;
	end = stmt_end(fm, c, close);
	if (end < 0 || !starts_statement(fm, open, c))
		return error("%s(): no whole statement starts at '%s'", fn, from);
	if (through)
		end = walk_through(fm, end, close, fn, from, through);
	if (end < 0 || check_edges(fm, s, end, fn))
		return -1;
	rg->first = fm->tok[s].line;
	rg->last = fm->tok[end].line;
	rg->start = line_start(fm, rg->first);
	rg->end = line_end(fm, rg->last);
	rg->depth = leading_tabs(fm, fm->tok[c].line);
	if (!rg->depth)
		return error("%s(): line %u is not indented with tabs", fn,
			     rg->first);
	return 0;
}

static bool in_region(const struct region *rg, unsigned off)
{
	return off >= rg->start && off < rg->end;
}

/* ---- what the statements need ----------------------------------------- */

static int tok_at(const struct file_model *fm, unsigned off)
{
	int lo = 0, hi = fm->ntok - 1;

	while (lo < hi) {
		int mid = (lo + hi + 1) / 2;

		if (fm->tok[mid].start <= off)
			lo = mid;
		else
			hi = mid - 1;
	}
	return fm->tok[lo].start == off ? lo : -1;
}

/* Is the variable referred to at off assigned there (or its address taken)? */
static bool is_write(const struct file_model *fm, unsigned off)
{
	static const char *const after[] = {
		"=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=",
		">>=", "++", "--", NULL,
	};
	static const char *const before[] = { "++", "--", NULL };
	int t = tok_at(fm, off), p;

	if (t < 0)
		return true;	/* cannot tell: assume the worst */
	if (is_keyword(fm, next_code(fm, t), after))
		return true;
	/* a member or an element of the variable itself: assume written */
	if (tok_is(fm, next_code(fm, t), ".") || tok_is(fm, next_code(fm, t), "["))
		return true;
	for (p = t - 1; p >= 0 && fm->tok[p].kind == TK_COMMENT; p--)
		;
	if (p < 0)
		return false;
	if (is_keyword(fm, p, before))
		return true;
	/* &x and &x.y, but not a & x or &x->y */
	if (tok_is(fm, p, "&") && !tok_is(fm, next_code(fm, t), "->")) {
		int q = p - 1;

		while (q >= 0 && fm->tok[q].kind == TK_COMMENT)
			q--;
		/* after ')' it may be a cast: (unsigned long *)&x */
		return q < 0 || (fm->tok[q].kind == TK_PUNCT &&
				 !tok_is(fm, q, "]"));
	}
	return false;
}

/*
 * Is the variable at off a whole argument of a macro, which may assign it
 * (swap(a, b), list_for_each_entry(pos, ...))?
 */
static bool whole_argument(const struct file_model *fm, unsigned off)
{
	int t = tok_at(fm, off), p;

	if (t < 0)
		return true;
	for (p = t - 1; p >= 0 && fm->tok[p].kind == TK_COMMENT; p--)
		;
	return p >= 0 && (tok_is(fm, p, "(") || tok_is(fm, p, ",")) &&
	       (tok_is(fm, next_code(fm, t), ",") ||
		tok_is(fm, next_code(fm, t), ")"));
}

static void innermost_loop(const struct scan *sc, struct region *rg)
{
	int i;

	for (i = 0; i < sc->nc; i++) {
		const struct ctl *t = &sc->c[i];

		if (t->kind != CXCursor_ForStmt && t->kind != CXCursor_WhileStmt &&
		    t->kind != CXCursor_DoStmt)
			continue;
		if (t->off < rg->start && t->end >= rg->end &&
		    t->off >= rg->loop_start) {
			rg->loop_start = t->off;
			rg->loop_end = t->end;
		}
	}
}

static void mark_refs(struct scan *sc, const struct region *rg)
{
	int i;

	for (i = 0; i < sc->nr; i++) {
		struct var *v = &sc->v[sc->r[i].var];
		unsigned off = sc->r[i].off;

		if (in_region(rg, off)) {
			v->ref_in = true;
			if (is_write(sc->fm, off) ||
			    (sc->r[i].macro_arg && whole_argument(sc->fm, off)))
				v->written = true;
			continue;
		}
		v->ref_out = true;
		if (is_write(sc->fm, off) ||
		    (sc->r[i].macro_arg && whole_argument(sc->fm, off)))
			v->written_out = true;
		if (off < rg->start)
			v->ref_before = true;
		if (off >= rg->end)
			v->ref_after = true;
		if (rg->loop_end && off >= rg->loop_start && off < rg->loop_end)
			v->ref_loop = true;
	}
}

static int check_control(const struct scan *sc, const struct region *rg,
			 const char *fn)
{
	int i, j;

	for (i = 0; i < sc->nc; i++) {
		const struct ctl *t = &sc->c[i];
		unsigned l = line_of(sc->fm, t->off);
		bool inside = in_region(rg, t->off);

		if (t->kind == CXCursor_ReturnStmt && inside)
			return error("%s(): line %u returns from inside the "
				     "statements", fn, l);
		if ((t->kind == CXCursor_BreakStmt ||
		     t->kind == CXCursor_ContinueStmt) && inside) {
			unsigned best = 0;

			for (j = 0; j < sc->nc; j++) {
				const struct ctl *o = &sc->c[j];

				if ((o->kind == CXCursor_ForStmt ||
				     o->kind == CXCursor_WhileStmt ||
				     o->kind == CXCursor_DoStmt ||
				     (o->kind == CXCursor_SwitchStmt &&
				      t->kind == CXCursor_BreakStmt)) &&
				    o->off <= t->off && o->end > t->off &&
				    o->off >= best)
					best = o->off;
			}
			if (!in_region(rg, best))
				return error("%s(): line %u leaves a loop the "
					     "statements are in", fn, l);
		}
		if (t->kind != CXCursor_GotoStmt || !t->label)
			continue;
		for (j = 0; j < sc->nc; j++) {
			const struct ctl *o = &sc->c[j];

			if (o->kind == CXCursor_LabelStmt &&
			    !strcmp(o->label, t->label) &&
			    in_region(rg, o->off) != inside)
				return error("%s(): 'goto %s' on line %u crosses "
					     "the edge of the statements", fn,
					     t->label, l);
		}
	}
	return 0;
}

/* Every declaration [dstart, dend) must be whole lines of its own. */
static int whole_lines(const struct file_model *fm, const struct var *v,
		       unsigned *from, unsigned *to)
{
	unsigned l1 = line_of(fm, v->dstart), l2 = line_of(fm, v->dend);
	unsigned o;

	for (o = line_start(fm, l1); o < v->dstart; o++)
		if (fm->buf[o] != ' ' && fm->buf[o] != '\t')
			return -1;
	o = v->dend;
	if (o < fm->len && fm->buf[o] == ';')
		o++;
	if (fm->buf[v->dend - 1] != ';' && (o == v->dend))
		return -1;
	for (; o < fm->len && fm->buf[o] != '\n'; o++)
		if (fm->buf[o] != ' ' && fm->buf[o] != '\t')
			return -1;
	*from = line_start(fm, l1);
	*to = line_end(fm, l2);
	return 0;
}

/* Is there a call (a name and an opening parenthesis) in [from, to)? */
static bool calls_in(const struct file_model *fm, unsigned from, unsigned to)
{
	int t;

	for (t = 0; t < fm->ntok && fm->tok[t].start < to; t++)
		if (fm->tok[t].start >= from && fm->tok[t].kind == TK_IDENT &&
		    tok_is(fm, next_code(fm, t), "(") &&
		    fm->tok[next_code(fm, t)].start < to)
			return true;
	return false;
}

static int shares_statement(const struct scan *sc, int i)
{
	int j;

	for (j = 0; j < sc->nv; j++)
		if (j != i && sc->v[j].dstart == sc->v[i].dstart)
			return 1;
	return 0;
}

/*
 * A type as text, for comparison: one blank between words, none around
 * '*', qualifiers of the function ('static', 'inline') left out.
 */
static char *type_text(const char *from, const char *to)
{
	static const char *const drop[] = {
		"static", "inline", "__always_inline", "noinline", NULL,
	};
	struct strbuf sb = { 0 };
	const char *p = from, *w;
	int k;

	while (p < to) {
		if (*p == ' ') {
			p++;
			continue;
		}
		for (w = p; w < to && (isalnum((unsigned char)*w) || *w == '_'); w++)
			;
		if (w == p)
			w = p + 1;
		for (k = 0; drop[k]; k++)
			if ((size_t)(w - p) == strlen(drop[k]) &&
			    !strncmp(p, drop[k], w - p))
				break;
		if (!drop[k]) {
			if (sb.len && sb.buf[sb.len - 1] != '*' && *p != '*' &&
			    *p != '[')
				sb_addc(&sb, ' ');
			sb_add(&sb, p, w - p);
		}
		p = w;
	}
	return sb_detach(&sb);
}

static char *return_type(const char *head, const char *name)
{
	return type_text(head, name);
}

static bool same_type(const char *compiler, const char *given)
{
	char *a = type_text(compiler, compiler + strlen(compiler));
	bool same = !strcmp(a, given);

	free(a);
	return same;
}

/* Is v declared outside the loop the statements are in? */
static bool outside_loop(const struct region *rg, const struct var *v)
{
	return rg->loop_end && v->off < rg->loop_start;
}

static int classify(struct scan *sc, const struct region *rg,
		    const struct proto *np, const char *result, const char *fn)
{
	int i, k;

	for (i = 0; result && i < sc->nv; i++)
		if (!strcmp(sc->v[i].name, result) && sc->v[i].off < rg->start)
			break;
	if (result && i == sc->nv)
		return error("result '%s' is not a local of %s() declared before "
			     "the statements", result, fn);
	if (result && !same_type(sc->v[i].type, np->ret))
		return error("%s() returns '%s', but result '%s' is '%s'",
			     np->name, np->ret, result, sc->v[i].type);
	if (!result && strcmp(np->ret, "void"))
		return error("%s() returns '%s': name the --result it returns",
			     np->name, np->ret);
	for (k = 0; k < np->params.n; k++) {
		for (i = 0; i < sc->nv; i++)
			if (!strcmp(sc->v[i].name, np->params.v[k]) &&
			    sc->v[i].off < rg->start)
				break;
		if (i == sc->nv)
			return error("parameter '%s' of %s() is not a variable "
				     "of %s() before the statements",
				     np->params.v[k], np->name, fn);
		if (same_type(sc->v[i].type, np->ptypes.v[k]))
			continue;
		return error("parameter '%s' of %s() is '%s', but '%s' of %s() "
			     "is '%s'", np->params.v[k], np->name,
			     np->ptypes.v[k], sc->v[i].name, fn, sc->v[i].type);
	}
	for (i = 0; i < sc->nv; i++) {
		struct var *v = &sc->v[i];
		bool is_result = result && !strcmp(v->name, result);

		if (in_region(rg, v->off)) {
			if (v->ref_out)
				return error("'%s' is declared in the statements "
					     "but used after them", v->name);
			continue;
		}
		if (is_result) {
			if (v->param || !v->written)
				return error("result '%s' must be a local of %s() "
					     "that the statements assign",
					     v->name, fn);
			if (v->ref_before || v->ref_loop)
				return error("result '%s' is used before the "
					     "statements: its value would not "
					     "reach %s()", v->name, np->name);
			if (calls_in(sc->fm, v->dstart, v->dend))
				return error("the declaration of result '%s' calls "
					     "a function, which would then run "
					     "twice", v->name);
			v->copied = true;
			continue;
		}
		if (!v->ref_in)
			continue;
		if (sl_has(&np->params, v->name)) {
			if (v->written && (v->ref_after || v->ref_loop ||
					   outside_loop(rg, v)))
				return error("'%s' is assigned in the statements "
					     "and used after them: make it the "
					     "result", v->name);
			continue;
		}
		if (!v->param && !v->ref_out) {
			unsigned a, b;

			if (outside_loop(rg, v))
				return error("'%s' is declared outside the loop "
					     "around the statements: in %s() it "
					     "would start again on every pass",
					     v->name, np->name);

			if (shares_statement(sc, i) || whole_lines(sc->fm, v, &a, &b))
				return error("'%s' moves with the statements but "
					     "its declaration is not a line of its "
					     "own", v->name);
			v->moves = true;
			continue;
		}
		return error("'%s' is used in the statements: pass it to %s(), "
			     "make it the result, or keep it local to them",
			     v->name, np->name);
	}
	/* what a moved or copied initialiser reads must be passed too */
	for (i = 0; i < sc->nr; i++) {
		const struct var *v = &sc->v[sc->r[i].var];

		for (k = 0; k < sc->nv; k++)
			if ((sc->v[k].moves || sc->v[k].copied) &&
			    sc->r[i].off >= sc->v[k].dstart &&
			    sc->r[i].off < sc->v[k].dend &&
			    (!sl_has(&np->params, v->name) || v->written_out))
				return error("the declaration of '%s' reads '%s', "
					     "which is not a parameter of %s() or "
					     "changes before the call",
					     sc->v[k].name, v->name, np->name);
	}
	return 0;
}

/* ---- writing ------------------------------------------------------------ */

static int parse_proto(const char *text, struct proto *np)
{
	struct strbuf sb = { 0 };
	const char *open, *p, *q, *arg;
	int depth = 0;

	memset(np, 0, sizeof(*np));
	collapse(&sb, text, strlen(text));
	np->head = sb_detach(&sb);
	open = strchr(np->head, '(');
	if (!open || np->head[strlen(np->head) - 1] != ')')
		return error("--new '%s' is not 'TYPE NAME(PARAMS)'", text);
	for (q = open; q > np->head && q[-1] == ' '; q--)
		;
	for (p = q; p > np->head && (p[-1] == '_' || isalnum((unsigned char)p[-1])); p--)
		;
	if (p == q || p == np->head)
		return error("--new '%s' is not 'TYPE NAME(PARAMS)'", text);
	np->name = xstrndup(p, q - p);
	np->is_static = !strncmp(np->head, "static ", 7);
	np->ret = return_type(np->head, p);
	for (arg = p = open + 1; *p; p++) {
		if (*p == '(')
			depth++;
		else if ((*p == ',' || *p == ')') && depth == 0) {
			for (q = p; q > arg && !(isalnum((unsigned char)q[-1]) ||
						 q[-1] == '_'); q--)
				;
			for (open = q; open > arg && (isalnum((unsigned char)open[-1]) ||
						       open[-1] == '_'); open--)
				;
			if (q - open && !(q - open == 4 && !strncmp(open, "void", 4))) {
				sl_add_nodup(&np->params, xstrndup(open, q - open));
				sl_add_nodup(&np->ptypes, type_text(arg, open));
			}
			arg = p + 1;
			if (*p == ')') {
				if (p[1])
					return error("--new '%s': nothing may "
						     "follow the parameters", text);
				break;
			}
		} else if (*p == ')') {
			depth--;
		}
	}
	return 0;
}

static unsigned width(const char *s, size_t n)
{
	unsigned w = 0;
	size_t i;

	for (i = 0; i < n; i++)
		w = s[i] == '\t' ? (w + 8) & ~7u : w + 1;
	return w;
}

/*
 * "name(a, b, c)" on lines of at most MAX_COLS, continuation lines
 * aligned with the opening parenthesis, kernel style.
 */
static void add_wrapped(struct strbuf *sb, unsigned tabs, const char *text,
			const char *tail)
{
	const char *open = strchr(text, '('), *p, *arg;
	size_t line0 = sb->len;
	unsigned align, i, depth = 0;

	for (i = 0; i < tabs; i++)
		sb_addc(sb, '\t');
	sb_add(sb, text, open + 1 - text);
	align = width(sb->buf + line0, sb->len - line0);
	for (arg = p = open + 1; *p; p++) {
		size_t n;

		if (*p == '(') {
			depth++;
			continue;
		}
		if (depth && *p == ')') {
			depth--;
			continue;
		}
		if (depth || (*p != ',' && *p != ')'))
			continue;
		n = p + 1 - arg;
		if (arg > open + 1 &&
		    width(sb->buf + line0, sb->len - line0) + n +
		    (*p == ')' ? strlen(tail) : 0) > MAX_COLS) {
			while (sb->len && sb->buf[sb->len - 1] == ' ')
				sb->len--;
			sb_addc(sb, '\n');
			line0 = sb->len;
			for (i = 0; i < align / 8; i++)
				sb_addc(sb, '\t');
			for (i = 0; i < align % 8; i++)
				sb_addc(sb, ' ');
			while (*arg == ' ')
				arg++, n--;
		}
		sb_add(sb, arg, n);
		arg = p + 1;
		if (*p == ')')
			break;
	}
	sb_adds(sb, tail);
	sb_addc(sb, '\n');
}

/* Lines [from, to) with `drop` leading tabs less; labels stay put. */
static int add_reindented(struct strbuf *sb, const struct file_model *fm,
			  unsigned from, unsigned to, unsigned drop)
{
	unsigned l, o, k;

	for (l = line_of(fm, from); from < to; l++, from = o) {
		o = line_end(fm, l);
		for (k = 0; k < drop && from + k < o && fm->buf[from + k] == '\t'; k++)
			;
		/* blank lines, and labels and directives in column 0 */
		if (k < drop && fm->buf[from + k] != '\n' &&
		    !(isalpha((unsigned char)fm->buf[from]) ||
		      fm->buf[from] == '_' || fm->buf[from] == '#'))
			return error("line %u is indented less than the "
				     "statements", l);
		if (k < drop)
			k = 0;
		sb_add(sb, fm->buf + from + k, o - from - k);
	}
	return 0;
}

static int build_function(struct strbuf *sb, const struct scan *sc,
			  const struct region *rg, const struct proto *np,
			  const char *result)
{
	const struct file_model *fm = sc->fm;
	bool decls = false;
	unsigned a, b;
	int i;

	add_wrapped(sb, 0, np->head, "");
	sb_adds(sb, "{\n");
	for (i = 0; i < sc->nv; i++) {
		const struct var *v = &sc->v[i];

		if (!v->moves && !v->copied)
			continue;
		if (whole_lines(fm, v, &a, &b))
			return error("the declaration of '%s' is not a line of "
				     "its own", v->name);
		if (add_reindented(sb, fm, a, b, leading_tabs(fm, line_of(fm, a)) - 1))
			return -1;
		decls = true;
	}
	if (decls)
		sb_addc(sb, '\n');
	if (add_reindented(sb, fm, rg->start, rg->end, rg->depth - 1))
		return -1;
	if (result)
		sb_addf(sb, "\n\treturn %s;\n", result);
	sb_adds(sb, "}\n");
	return 0;
}

static char *call_text(const struct proto *np, const char *result)
{
	struct strbuf sb = { 0 };
	int i;

	if (result)
		sb_addf(&sb, "%s = ", result);
	sb_addf(&sb, "%s(", np->name);
	for (i = 0; i < np->params.n; i++)
		sb_addf(&sb, "%s%s", i ? ", " : "", np->params.v[i]);
	sb_addc(&sb, ')');
	return sb_detach(&sb);
}

struct edit {
	unsigned start, end;
	char *text;
};

static int edit_cmp(const void *a, const void *b)
{
	const struct edit *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static bool blank_line(const struct file_model *fm, unsigned line)
{
	unsigned o;

	if ((int)line > fm->nlines)
		return false;
	for (o = line_start(fm, line); o < line_end(fm, line); o++)
		if (fm->buf[o] != ' ' && fm->buf[o] != '\t' && fm->buf[o] != '\n')
			return false;
	return true;
}

static bool opens_block(const struct file_model *fm, unsigned line)
{
	unsigned o = line_end(fm, line);

	while (o > line_start(fm, line) &&
	       (fm->buf[o - 1] == '\n' || fm->buf[o - 1] == ' ' ||
		fm->buf[o - 1] == '\t'))
		o--;
	return o > line_start(fm, line) && fm->buf[o - 1] == '{';
}

/*
 * Edits that take the moved declarations out.  A block left with a blank
 * line right after its '{' loses that line too.
 */
static int decl_edits(const struct scan *sc, struct edit *ed, int n)
{
	const struct file_model *fm = sc->fm;
	bool *gone = xcalloc(fm->nlines + 2, sizeof(bool));
	unsigned a, b, l, p;
	int i;

	for (i = 0; i < sc->nv; i++) {
		if (!sc->v[i].moves)
			continue;
		whole_lines(fm, &sc->v[i], &a, &b);
		for (l = line_of(fm, a); l <= line_of(fm, b - 1); l++)
			gone[l] = true;
	}
	for (l = 1; (int)l <= fm->nlines; l++) {
		if (!gone[l] || gone[l + 1] || !blank_line(fm, l + 1))
			continue;
		for (p = l; p > 1 && gone[p]; p--)
			;
		if (opens_block(fm, p))
			gone[l + 1] = true;
	}
	for (l = 1; (int)l <= fm->nlines; l++) {
		if (!gone[l])
			continue;
		for (p = l; (int)p < fm->nlines && gone[p + 1]; p++)
			;
		ed[n].start = line_start(fm, l);
		ed[n].end = line_end(fm, p);
		ed[n].text = xstrdup("");
		n++;
		l = p;
	}
	free(gone);
	return n;
}

static int apply(const struct file_model *fm, struct edit *ed, int n,
		 const char *path)
{
	struct strbuf out = { 0 };
	unsigned pos = 0;
	int i, ret;

	qsort(ed, n, sizeof(*ed), edit_cmp);
	for (i = 0; i < n; i++) {
		if (ed[i].start < pos) {
			sb_release(&out);
			return error("overlapping edits at byte %u", ed[i].start);
		}
		sb_add(&out, fm->buf + pos, ed[i].start - pos);
		sb_adds(&out, ed[i].text);
		pos = ed[i].end;
	}
	sb_add(&out, fm->buf + pos, fm->len - pos);
	ret = write_file_atomic(path, out.buf ? out.buf : "", out.len);
	sb_release(&out);
	return ret;
}

/* ---- the command -------------------------------------------------------- */

struct extract_args {
	const char *file, *fn, *from, *through, *newp, *result, *after;
	const char *compdb, *rel;
};

static const struct entity *function_entity(const struct file_model *fm,
					    const char *name)
{
	int i;

	for (i = 0; i < fm->nent; i++)
		if (fm->ent[i].kind == EK_FUNC && fm->ent[i].active &&
		    fm->ent[i].name && !strcmp(fm->ent[i].name, name))
			return &fm->ent[i];
	return NULL;
}

static int scan_function(struct scan *sc, CXTranslationUnit tu,
			 const struct extract_args *a, const struct entity *e)
{
	struct find_fn ff = { a->fn, NULL, clang_getNullCursor(), 0 };
	unsigned off;

	sc->file = clang_getFile(tu, a->file);
	ff.file = sc->file;
	if (!sc->file)
		return error("'%s': not in its translation unit", a->file);
	clang_visitChildren(clang_getTranslationUnitCursor(tu), find_function, &ff);
	if (ff.n != 1)
		return error("'%s': %d definitions of %s()", a->file, ff.n, a->fn);
	/* the AST and the token model must speak of the same definition */
	if (!file_off(clang_getCursorLocation(ff.found), sc->file, &off) ||
	    off < e->start || off >= e->end)
		return error("'%s': the definition of %s() the compiler sees is "
			     "not the one at line %u", a->file, a->fn, e->line);
	clang_visitChildren(ff.found, visit, sc);
	return 0;
}

static void report(const struct scan *sc, const struct region *rg,
		   const struct proto *np, const struct extract_args *a)
{
	int i;

	printf("extract\t%s()\tlines %u-%u\tto %s()\n", a->fn, rg->first,
	       rg->last, np->name);
	for (i = 0; i < sc->nv; i++) {
		const struct var *v = &sc->v[i];

		if (v->moves)
			printf("local\t%s\n", v->name);
		else if (a->result && !strcmp(v->name, a->result) &&
			 !in_region(rg, v->off))
			printf("result\t%s\n", v->name);
	}
	for (i = 0; i < np->params.n; i++)
		printf("param\t%s\n", np->params.v[i]);
}

static int do_extract(const struct extract_args *a, CXTranslationUnit tu)
{
	struct scan sc = { 0 };
	struct file_model fm;
	struct region rg = { 0 };
	struct proto np;
	struct strbuf fn = { 0 }, call = { 0 };
	const struct entity *e, *at;
	struct edit *ed = NULL;
	char *ct = NULL;
	int n = 0, i, ret = -1;

	if (parse_proto(a->newp, &np))
		return -1;
	if (file_model_load(&fm, a->file, tu))
		goto out_proto;
	sc.fm = &fm;
	e = function_entity(&fm, a->fn);
	at = function_entity(&fm, a->after ? a->after : a->fn);
	if (!e || !at) {
		error("'%s': no definition of %s()", a->file,
		      e ? a->after : a->fn);
		goto out_fm;
	}
	if (function_entity(&fm, np.name)) {
		error("'%s': %s() exists already", a->file, np.name);
		goto out_fm;
	}
	if (find_region(&fm, e, a->fn, a->from, a->through, &rg) ||
	    scan_function(&sc, tu, a, e))
		goto out_scan;
	innermost_loop(&sc, &rg);
	mark_refs(&sc, &rg);
	if (check_control(&sc, &rg, a->fn) ||
	    classify(&sc, &rg, &np, a->result, a->fn) ||
	    build_function(&fn, &sc, &rg, &np, a->result))
		goto out_scan;
	ct = call_text(&np, a->result);
	add_wrapped(&call, rg.depth, ct, ";");
	ed = xcalloc(sc.nv + 3, sizeof(*ed));
	n = decl_edits(&sc, ed, 0);
	ed[n].start = rg.start;
	ed[n].end = rg.end;
	ed[n++].text = sb_detach(&call);
	if (a->after) {
		ed[n].start = ed[n].end = at->end;
		ed[n++].text = xasprintf("\n%s", fn.buf);
	} else {
		ed[n].start = ed[n].end = at->start;
		ed[n++].text = xasprintf("%s\n", fn.buf);
	}
	if (apply(&fm, ed, n, a->file))
		goto out_scan;
	report(&sc, &rg, &np, a);
	ret = 0;
out_scan:
	for (i = 0; i < n; i++)
		free(ed[i].text);
	free(ed);
	free(ct);
	sb_release(&fn);
	sb_release(&call);
	for (i = 0; i < sc.nv; i++) {
		free(sc.v[i].name);
		free(sc.v[i].type);
	}
	for (i = 0; i < sc.nc; i++)
		free(sc.c[i].label);
	free(sc.v);
	free(sc.r);
	free(sc.c);
out_fm:
	file_model_free(&fm);
out_proto:
	free(np.head);
	free(np.name);
	free(np.ret);
	sl_free(&np.params);
	sl_free(&np.ptypes);
	return ret;
}

int cmd_extract(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "function", required_argument, NULL, 'F' },
		{ "from", required_argument, NULL, 's' },
		{ "through", required_argument, NULL, 't' },
		{ "new", required_argument, NULL, 'n' },
		{ "result", required_argument, NULL, 'r' },
		{ "after", required_argument, NULL, 'a' },
		{ "compdb", required_argument, NULL, 'c' },
		{ "rel", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	struct extract_args a = { 0 };
	CXIndex idx;
	CXTranslationUnit tu;
	struct cflags fl;
	int c, ret = 2;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f': a.file = optarg; break;
		case 'F': a.fn = optarg; break;
		case 's': a.from = optarg; break;
		case 't': a.through = optarg; break;
		case 'n': a.newp = optarg; break;
		case 'r': a.result = optarg; break;
		case 'a': a.after = optarg; break;
		case 'c': a.compdb = optarg; break;
		case 'R': a.rel = optarg; break;
		default:
			return 2;
		}
	}
	if (!a.file || !a.fn || !a.from || !a.newp) {
		fputs("usage: kmove-split extract --file FILE --function NAME "
		      "--from TEXT [--through TEXT]\n"
		      "       --new PROTOTYPE [--result VAR] [--after NAME] "
		      "[--compdb DIR --rel PATH] [-- FLAGS]\n", stderr);
		return 2;
	}
	if (a.compdb) {
		if (cflags_from_compdb(&fl, a.compdb, a.rel ? a.rel : a.file, NULL))
			return 2;
	} else {
		cflags_from_argv(&fl, argc - optind, argv + optind);
	}
	idx = clang_createIndex(0, 0);
	if (!tu_parse(idx, a.file, &fl, false, false, &tu)) {
		if (!do_extract(&a, tu))
			ret = 0;
		clang_disposeTranslationUnit(tu);
	}
	clang_disposeIndex(idx);
	cflags_release(&fl);
	return ret;
}
