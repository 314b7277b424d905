// SPDX-License-Identifier: GPL-2.0
/*
 * Findings: collection, filtering, sorting and output (text and JSON).
 */
#include <stdlib.h>
#include <string.h>

#include "findings.h"

const struct finding_type *finding_type(const struct findings *f,
					const char *name)
{
	const struct finding_type *t;

	for (t = f->types; t->name; t++)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

void add_finding(struct findings *f, const char *type, const char *file,
		 unsigned line, const char *symbol, const char *fmt, ...)
{
	const struct finding_type *t = finding_type(f, type);
	struct finding *x;
	struct strbuf sb = { 0 };
	va_list ap;
	int n;

	if (!t)
		die("unknown finding type '%s'", type);
	if (sl_has(&f->ignore, type))
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	sb.buf = xmalloc(n + 1);
	va_start(ap, fmt);
	vsnprintf(sb.buf, n + 1, fmt, ap);
	va_end(ap);

	ALLOC_GROW(f->v, f->n + 1, f->alloc);
	x = &f->v[f->n++];
	x->type = t;
	x->file = xstrdup(file ? file : "");
	x->line = line;
	x->symbol = xstrdup(symbol ? symbol : "");
	x->message = sb.buf;
}

int count_errors(const struct findings *f)
{
	int i, n = 0;

	for (i = 0; i < f->n; i++)
		if (f->v[i].type->severity == SEV_ERROR)
			n++;
	return n;
}

void list_types(const struct finding_type *types, FILE *out)
{
	for (; types->name; types++)
		fprintf(out, "%-22s %-5s %s\n", types->name,
			types->severity == SEV_ERROR ? "error" : "note",
			types->help);
}

int set_ignore(struct findings *f, const char *list)
{
	char *copy = xstrdup(list), *tok, *save = NULL;
	int ret = 0;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!finding_type(f, tok)) {
			ret = error("unknown finding type '%s'", tok);
			break;
		}
		sl_add(&f->ignore, tok);
	}
	free(copy);
	return ret;
}

static int cmp_finding(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;
	int c;

	if (x->type->severity != y->type->severity)
		return x->type->severity - y->type->severity;
	c = strcmp(x->file, y->file);
	if (c)
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	c = strcmp(x->type->name, y->type->name);
	return c ? c : strcmp(x->symbol, y->symbol);
}

void sort_findings(struct findings *f)
{
	if (f->n)
		qsort(f->v, f->n, sizeof(*f->v), cmp_finding);
}

void print_findings_text(const struct findings *f, FILE *out)
{
	int i;

	for (i = 0; i < f->n; i++) {
		const struct finding *x = &f->v[i];

		fprintf(out, "%s:%u: %s: %s: %s\n", x->file, x->line,
			x->type->severity == SEV_ERROR ? "error" : "note",
			x->type->name, x->message);
	}
}

void findings_release(struct findings *f)
{
	int i;

	for (i = 0; i < f->n; i++) {
		free(f->v[i].file);
		free(f->v[i].symbol);
		free(f->v[i].message);
	}
	free(f->v);
	sl_free(&f->ignore);
	f->v = NULL;
	f->n = f->alloc = 0;
}

/* ---------------------------------------------------------------------
 * JSON
 */

static void json_escape(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void json_key(struct json *j, const char *key)
{
	if (j->depth > 0) {
		if (!j->first[j->depth])
			fputc(',', j->out);
		j->first[j->depth] = false;
		fprintf(j->out, "\n%*s", 2 * j->depth, "");
	}
	if (key) {
		json_escape(j->out, key);
		fputs(": ", j->out);
	}
}

void json_open(struct json *j, const char *key, char bracket)
{
	json_key(j, key);
	fputc(bracket, j->out);
	j->depth++;
	j->first[j->depth] = true;
}

void json_close(struct json *j, char bracket)
{
	bool empty = j->first[j->depth];

	j->depth--;
	if (!empty)
		fprintf(j->out, "\n%*s", 2 * j->depth, "");
	fputc(bracket, j->out);
	if (!j->depth)
		fputc('\n', j->out);
}

void json_str(struct json *j, const char *key, const char *val)
{
	json_key(j, key);
	if (val)
		json_escape(j->out, val);
	else
		fputs("null", j->out);
}

void json_int(struct json *j, const char *key, long val)
{
	json_key(j, key);
	fprintf(j->out, "%ld", val);
}

void json_bool(struct json *j, const char *key, bool val)
{
	json_key(j, key);
	fputs(val ? "true" : "false", j->out);
}

void json_counts(struct json *j, const struct findings *f)
{
	const struct finding_type *t;

	json_open(j, "counts", '{');
	for (t = f->types; t->name; t++) {
		int i, n = 0;

		for (i = 0; i < f->n; i++)
			if (f->v[i].type == t)
				n++;
		if (n)
			json_int(j, t->name, n);
	}
	json_close(j, '}');
}

void json_findings(struct json *j, const struct findings *f)
{
	int i;

	json_open(j, "findings", '[');
	for (i = 0; i < f->n; i++) {
		const struct finding *x = &f->v[i];

		json_open(j, NULL, '{');
		json_str(j, "file", x->file);
		json_int(j, "line", x->line);
		json_str(j, "message", x->message);
		json_str(j, "severity", x->type->severity == SEV_ERROR ?
			 "error" : "note");
		json_str(j, "symbol", x->symbol);
		json_str(j, "type", x->type->name);
		json_close(j, '}');
	}
	json_close(j, ']');
}
