// SPDX-License-Identifier: GPL-2.0
/*
 * move: cut selected entities out of one file and paste them, byte for
 * byte and in their original order, into another.
 *
 * Each entity travels with its attached comment and the blank lines that
 * follow it.  The #if/#ifdef structure around the selected entities is
 * rebuilt in the destination from copies of the original directive
 * lines; a conditional group whose every entity left is removed from the
 * source, one that keeps something stays.  A destination header receives
 * the text just before its include guard's #endif.
 *
 * Also here: delete (cut without pasting) and unstatic (drop 'static'
 * from definitions whose name a macro makes, like FNAME(x), which a
 * semantic patch cannot match).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "split.h"

/* Bytes of the gap after entity i (whitespace up to the next entity). */
static unsigned gap_end(const struct file_model *fm, int i)
{
	unsigned end = fm->ent[i].end, k;

	if (i + 1 < fm->nent)
		return fm->ent[i + 1].start;
	for (k = end; k < fm->len; k++)
		if (fm->buf[k] != '\n' && fm->buf[k] != ' ' && fm->buf[k] != '\t')
			return k;
	return fm->len;
}

static void add_range(struct strbuf *sb, const struct file_model *fm,
		      unsigned from, unsigned to)
{
	sb_add(sb, fm->buf + from, to - from);
}

/* The chain of branches around entity i, outermost first, guard excluded. */
static int chain_of(const struct file_model *fm, int branch, int *out)
{
	int tmp[64], n = 0, i;

	while (branch >= 0 && n < 64) {
		const struct entity *br = &fm->ent[branch];
		int open = br->group >= 0 ? br->group : branch;

		if (open != fm->guard)
			tmp[n++] = branch;
		branch = fm->ent[open].cond;
	}
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

static int group_of(const struct file_model *fm, int branch)
{
	return fm->ent[branch].group >= 0 ? fm->ent[branch].group : branch;
}

/* #else and #endif follow the code they close without a blank line. */
static void add_directive(struct strbuf *sb, const struct file_model *fm,
			  int d)
{
	if (!tok_is(fm, fm->ent[d].tok + 1, "if") &&
	    !tok_is(fm, fm->ent[d].tok + 1, "ifdef") &&
	    !tok_is(fm, fm->ent[d].tok + 1, "ifndef"))
		while (sb->len >= 2 && sb->buf[sb->len - 1] == '\n' &&
		       sb->buf[sb->len - 2] == '\n')
			sb->len--;
	add_range(sb, fm, fm->ent[d].code_start, fm->ent[d].end);
	if (tok_is(fm, fm->ent[d].tok + 1, "endif"))
		sb_addc(sb, '\n');
}

/* Emit the text of the selected entities with their #if structure. */
static void build_paste(const struct file_model *fm, const bool *sel,
			struct strbuf *out)
{
	int open[64], nopen = 0, i;

	for (i = 0; i < fm->nent; i++) {
		int want[64], nwant, common = 0, k;

		if (!sel[i])
			continue;
		nwant = chain_of(fm, fm->ent[i].cond, want);
		while (common < nopen && common < nwant &&
		       group_of(fm, open[common]) == group_of(fm, want[common]) &&
		       open[common] == want[common])
			common++;
		/* same group, other branch: switch with the branch line */
		if (common < nopen && common < nwant &&
		    group_of(fm, open[common]) == group_of(fm, want[common])) {
			for (k = nopen - 1; k > common; k--)
				add_directive(out, fm, fm->ent[group_of(fm, open[k])].endif);
			add_directive(out, fm, want[common]);
			open[common] = want[common];
			nopen = common + 1;
			common++;
		} else {
			for (k = nopen - 1; k >= common; k--)
				add_directive(out, fm, fm->ent[group_of(fm, open[k])].endif);
			nopen = common;
		}
		for (k = common; k < nwant; k++) {
			int g = group_of(fm, want[k]);

			add_directive(out, fm, g);
			if (want[k] != g)
				add_directive(out, fm, want[k]);
			open[nopen++] = want[k];
		}
		add_range(out, fm, fm->ent[i].start, gap_end(fm, i));
	}
	while (nopen > 0)
		add_directive(out, fm, fm->ent[group_of(fm, open[--nopen])].endif);
}

/* An #else left with nothing before its #endif goes too. */
static void drop_empty_else(const struct file_model *fm, bool *cut)
{
	int i, k;

	for (i = 0; i < fm->nent; i++) {
		const struct entity *e = &fm->ent[i];
		bool empty = true;

		if (e->kind != EK_COND || cut[i] || e->group == i || e->group < 0 ||
		    !tok_is(fm, e->tok + 1, "else"))
			continue;
		for (k = i + 1; k < fm->ent[e->group].endif; k++)
			if (!cut[k])
				empty = false;
		if (empty)
			cut[i] = true;
	}
}

/* Mark conditional groups left with no entity for removal too. */
static void drop_empty_groups(const struct file_model *fm, bool *cut)
{
	int i, k;
	bool changed = true;

	while (changed) {
		changed = false;
		for (i = 0; i < fm->nent; i++) {
			const struct entity *g = &fm->ent[i];
			bool any = false, had = false;

			if (g->kind != EK_COND || g->group != i || g->endif < 0 ||
			    cut[i])
				continue;
			for (k = i + 1; k < g->endif; k++) {
				if (fm->ent[k].kind == EK_COND)
					continue;
				had = true;
				if (!cut[k])
					any = true;
			}
			if (!had || any)
				continue;
			for (k = i; k <= g->endif; k++)
				cut[k] = true;
			changed = true;
		}
	}
	drop_empty_else(fm, cut);
}

static void build_rest(const struct file_model *fm, const bool *cut,
		       struct strbuf *out)
{
	unsigned pos = 0;
	int i, j;

	for (i = 0; i < fm->nent; i++) {
		if (!cut[i])
			continue;
		for (j = i; j + 1 < fm->nent && cut[j + 1]; j++)
			;
		add_range(out, fm, pos, fm->ent[i].start);
		pos = gap_end(fm, j);
		/*
		 * A run cut from between two kept neighbours (not directives),
		 * the first of which it followed without a blank line: the
		 * blank lines after it stay, they part the first from the
		 * second.
		 */
		if (i > 0 && j + 1 < fm->nent &&
		    fm->ent[i - 1].kind != EK_COND &&
		    fm->ent[j + 1].kind != EK_COND &&
		    fm->ent[i - 1].end == fm->ent[i].start)
			pos = fm->ent[j].end;
		i = j;
	}
	add_range(out, fm, pos, fm->len);
	/* the last entity gone: no blank line left at the end of the file */
	while (out->len > 1 && out->buf[out->len - 1] == '\n' &&
	       out->buf[out->len - 2] == '\n')
		out->len--;
}

/*
 * Insert `text` before the entity `before` defines, else before a
 * header's guard #endif, else at the end of the file.
 */
static char *paste_into(const struct file_model *dst, const char *text,
			int before)
{
	struct strbuf sb = { 0 };
	unsigned at = dst->len;
	size_t tl = strlen(text);

	if (before >= 0)
		at = dst->ent[before].start;
	else if (dst->guard >= 0 && dst->ent[dst->guard].endif >= 0)
		at = dst->ent[dst->ent[dst->guard].endif].start;
	add_range(&sb, dst, 0, at);
	while (sb.len && sb.buf[sb.len - 1] == '\n')
		sb.len--;
	if (sb.len)
		sb_adds(&sb, "\n\n");
	while (tl && text[tl - 1] == '\n')
		tl--;
	sb_add(&sb, text, tl);
	sb_addc(&sb, '\n');
	if (at < dst->len) {
		sb_addc(&sb, '\n');
		add_range(&sb, dst, at, dst->len);
	}
	return sb_detach(&sb);
}

static int select_entities(const struct file_model *fm,
			   const struct strlist *sel, bool *out)
{
	struct strlist seen = { 0 };
	int i, n = 0, ret = 0;

	for (i = 0; i < fm->nent; i++) {
		out[i] = selected(sel, fm, &fm->ent[i]);
		if (out[i]) {
			char *key = xasprintf("%s %s", ent_kind_name[fm->ent[i].kind],
					      fm->ent[i].name);

			if (!sl_has(&seen, key))
				sl_add(&seen, key);
			free(key);
			n++;
		}
	}
	for (i = 0; i < sel->n; i++)
		if (!sl_has(&seen, sel->v[i]))
			ret = error("cannot find '%s' in '%s'", sel->v[i], fm->path);
	sl_free(&seen);
	return ret ? -1 : n;
}

static const char move_usage[] =
	"usage: kmove-split move --from SRC (--to DST [--before NAME] | --delete)\n"
	"                        --select FILE\n";

/*
 * The definition of name in fm (a function's, else the first entity that
 * defines it), or -1 after an error: also when it sits inside an #if,
 * where what is pasted before it would land.
 */
static int entity_named(const struct file_model *fm, const char *name)
{
	int i, hit = -1;

	for (i = 0; i < fm->nent; i++) {
		const struct entity *e = &fm->ent[i];

		if (e->kind == EK_COND || !entity_defines(e, name))
			continue;
		if (e->kind == EK_FUNC) {
			hit = i;
			break;
		}
		if (hit < 0)
			hit = i;
	}
	if (hit < 0)
		return error("'%s': nothing defines '%s'", fm->path, name);
	if (fm->ent[hit].cond >= 0 && fm->ent[hit].cond != fm->guard)
		return error("'%s': '%s' is inside #if, paste before something "
			     "else", fm->path, name);
	return hit;
}

int cmd_move(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "select", required_argument, NULL, 's' },
		{ "delete", no_argument, NULL, 'd' },
		{ "before", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	const char *from = NULL, *to = NULL, *selpath = NULL, *before = NULL;
	int at = -1;
	struct file_model src, dst;
	struct strbuf paste = { 0 }, rest = { 0 };
	struct strlist sel = { 0 };
	bool del = false, *cut;
	char *merged = NULL;
	int c, ret = 2;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f': from = optarg; break;
		case 't': to = optarg; break;
		case 's': selpath = optarg; break;
		case 'd': del = true; break;
		case 'b': before = optarg; break;
		default:
			fputs(move_usage, stderr);
			return 2;
		}
	}
	if (!from || !selpath || (!to && !del) || (del && before)) {
		fputs(move_usage, stderr);
		return 2;
	}
	if (read_selection(selpath, &sel))
		return 2;
	if (file_model_load(&src, from, NULL))
		goto out_free_sel;
	memset(&dst, 0, sizeof(dst));
	if (to && file_model_load(&dst, to, NULL))
		goto out_free_src;
	if (to && before && (at = entity_named(&dst, before)) < 0) {
		file_model_free(&dst);
		goto out_free_src;
	}
	cut = xcalloc(src.nent + 1, sizeof(bool));
	if (select_entities(&src, &sel, cut) < 0)
		goto out_free_cut;
	build_paste(&src, cut, &paste);
	drop_empty_groups(&src, cut);
	build_rest(&src, cut, &rest);
	if (to) {
		merged = paste_into(&dst, paste.buf ? paste.buf : "", at);
		if (write_file_atomic(to, merged, strlen(merged)))
			goto out_free_cut;
	}
	if (write_file_atomic(from, rest.buf ? rest.buf : "", rest.len))
		goto out_free_cut;
	ret = 0;
out_free_cut:
	free(cut);
	free(merged);
	sb_release(&paste);
	sb_release(&rest);
	if (to)
		file_model_free(&dst);
out_free_src:
	file_model_free(&src);
out_free_sel:
	sl_free(&sel);
	return ret;
}

/* Remove 'static' and the blanks after it from each selected definition. */
int cmd_unstatic(int argc, char **argv)
{
	struct file_model fm;
	struct strlist sel = { 0 };
	struct strbuf out = { 0 };
	unsigned pos = 0;
	int i, hits = 0, ret = 2;

	if (argc != 3) {
		fputs("usage: kmove-split unstatic FILE SELECTION\n", stderr);
		return 2;
	}
	if (read_selection(argv[2], &sel))
		return 2;
	if (file_model_load(&fm, argv[1], NULL))
		goto out_free_sel;
	for (i = 0; i < fm.nent; i++) {
		struct entity *e = &fm.ent[i];
		int t;

		if (!selected(&sel, &fm, e) || !e->is_static)
			continue;
		for (t = e->tok; t < e->tok + e->ntok; t++)
			if (tok_is(&fm, t, "static"))
				break;
		add_range(&out, &fm, pos, fm.tok[t].start);
		pos = fm.tok[t].end;
		while (pos < fm.len && (fm.buf[pos] == ' ' || fm.buf[pos] == '\t'))
			pos++;
		hits++;
	}
	add_range(&out, &fm, pos, fm.len);
	if (hits != sel.n) {
		error("'%s': %d of %d selected definitions are static", argv[1],
		      hits, sel.n);
		goto out_free;
	}
	if (write_file_atomic(argv[1], out.buf, out.len))
		goto out_free;
	ret = 0;
out_free:
	sb_release(&out);
	file_model_free(&fm);
out_free_sel:
	sl_free(&sel);
	return ret;
}

/*
 * users NAMES FILE...: for each name, "def=FILE" for the files defining
 * it, then the files whose code refers to it outside its own definition
 * and declarations.  Lexical, so inactive
 * branches count.
 */
int cmd_users(int argc, char **argv)
{
	struct strlist names = { 0 };
	struct file_model *fms;
	int i, f, e, nf = argc - 2;

	if (argc < 3) {
		fputs("usage: kmove-split users NAMES FILE...\n", stderr);
		return 2;
	}
	if (read_selection(argv[1], &names))
		return 2;
	fms = xcalloc(nf, sizeof(*fms));
	for (f = 0; f < nf; f++)
		if (file_model_load(&fms[f], argv[f + 2], NULL))
			return 2;
	for (i = 0; i < names.n; i++) {
		printf("%s", names.v[i]);
		for (f = 0; f < nf; f++)
			for (e = 0; e < fms[f].nent; e++)
				if ((fms[f].ent[e].kind == EK_FUNC ||
				     fms[f].ent[e].kind == EK_VAR) &&
				    fms[f].ent[e].name &&
				    !strcmp(fms[f].ent[e].name, names.v[i]))
					printf("\tdef=%s", argv[f + 2]);
		for (f = 0; f < nf; f++) {
			bool used = false;

			for (e = 0; e < fms[f].nent && !used; e++) {
				struct entity *en = &fms[f].ent[e];
				struct strlist refs = { 0 };

				if (en->kind == EK_PROTO || en->kind == EK_COMMENT ||
				    (en->name && !strcmp(en->name, names.v[i]) &&
				     en->kind != EK_INCLUDE))
					continue;
				entity_refs(&fms[f], en, &refs);
				used = sl_has(&refs, names.v[i]);
				sl_free(&refs);
			}
			if (used)
				printf("\t%s", argv[f + 2]);
		}
		putchar('\n');
	}
	for (f = 0; f < nf; f++)
		file_model_free(&fms[f]);
	free(fms);
	sl_free(&names);
	return 0;
}

/*
 * declare FILE NAMES: a function made static again may be used before its
 * definition, where its header prototype used to cover it.  Insert a
 * static forward declaration before the first entity that uses it.
 */
int cmd_declare(int argc, char **argv)
{
	struct file_model fm;
	struct strlist names = { 0 };
	char **decl_before;
	struct strbuf out = { 0 };
	unsigned pos = 0;
	int i, k, ret = 2;

	if (argc != 3) {
		fputs("usage: kmove-split declare FILE NAMES\n", stderr);
		return 2;
	}
	if (read_selection(argv[2], &names))
		return 2;
	if (file_model_load(&fm, argv[1], NULL))
		goto out_free_names;
	decl_before = xcalloc(fm.nent + 1, sizeof(char *));
	for (i = 0; i < names.n; i++) {
		int def = -1, first = -1;

		for (k = 0; k < fm.nent && def < 0; k++) {
			struct entity *e = &fm.ent[k];
			struct strlist refs = { 0 };

			if (e->kind == EK_FUNC && e->name &&
			    !strcmp(e->name, names.v[i])) {
				def = k;
				break;
			}
			if (e->kind == EK_PROTO && e->name &&
			    !strcmp(e->name, names.v[i]))
				break;	/* already declared */
			entity_refs(&fm, e, &refs);
			/* a macro body is no use: it expands where it is used */
			if (first < 0 && e->kind != EK_COMMENT &&
			    e->kind != EK_MACRO && sl_has(&refs, names.v[i]))
				first = k;
			sl_free(&refs);
		}
		if (def >= 0 && first >= 0) {
			char *p = make_prototype(&fm, &fm.ent[def], NULL, NULL,
						 "static ");
			struct strbuf sb = { 0 };

			if (decl_before[first])
				sb_adds(&sb, decl_before[first]);
			sb_addf(&sb, "%s\n", p);
			free(decl_before[first]);
			decl_before[first] = sb_detach(&sb);
			free(p);
			printf("%s\n", names.v[i]);
		}
	}
	for (i = 0; i < fm.nent; i++) {
		if (!decl_before[i])
			continue;
		add_range(&out, &fm, pos, fm.ent[i].start);
		sb_adds(&out, decl_before[i]);
		sb_addc(&out, '\n');
		pos = fm.ent[i].start;
		free(decl_before[i]);
	}
	add_range(&out, &fm, pos, fm.len);
	free(decl_before);
	if (write_file_atomic(argv[1], out.buf ? out.buf : "", out.len))
		goto out_free;
	ret = 0;
out_free:
	sb_release(&out);
	file_model_free(&fm);
out_free_names:
	sl_free(&names);
	return ret;
}
