// SPDX-License-Identifier: GPL-2.0
/*
 * Diagnostics funnel, allocation wrappers and small containers shared by
 * the kmove tools.  Every message goes through vreport() so that the
 * format ("prog: severity: message") is the same everywhere.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "util.h"

const char *prog_name = "kmove";
int verbose;

static void vreport(const char *severity, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: %s: ", prog_name, severity);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("error", fmt, ap);
	va_end(ap);
	return -1;
}

void warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("warning", fmt, ap);
	va_end(ap);
}

void info(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	vreport("info", fmt, ap);
	va_end(ap);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("fatal", fmt, ap);
	va_end(ap);
	exit(2);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("out of memory");
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (!p)
		die("out of memory");
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	struct strbuf sb = { 0 };
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	sb.buf = xmalloc(n + 1);
	va_start(ap, fmt);
	vsnprintf(sb.buf, n + 1, fmt, ap);
	va_end(ap);
	return sb.buf;
}

void sb_add(struct strbuf *sb, const char *s, size_t n)
{
	ALLOC_GROW(sb->buf, sb->len + n + 1, sb->alloc);
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void sb_adds(struct strbuf *sb, const char *s)
{
	sb_add(sb, s, strlen(s));
}

void sb_addc(struct strbuf *sb, char c)
{
	sb_add(sb, &c, 1);
}

void sb_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	ALLOC_GROW(sb->buf, sb->len + n + 1, sb->alloc);
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, n + 1, fmt, ap);
	va_end(ap);
	sb->len += n;
}

char *sb_detach(struct strbuf *sb)
{
	char *p = sb->buf ? sb->buf : xstrdup("");

	sb->buf = NULL;
	sb->len = sb->alloc = 0;
	return p;
}

void sb_release(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->alloc = 0;
}

int read_file(const char *path, char **buf, size_t *len)
{
	struct strbuf sb = { 0 };
	char chunk[65536];
	FILE *f;
	size_t n;

	f = fopen(path, "rb");
	if (!f)
		return error("cannot open '%s': %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		sb_add(&sb, chunk, n);
	if (ferror(f)) {
		fclose(f);
		sb_release(&sb);
		return error("cannot read '%s'", path);
	}
	fclose(f);
	*len = sb.len;
	*buf = sb_detach(&sb);
	return 0;
}

int write_file_atomic(const char *path, const char *buf, size_t len)
{
	char *tmp = xasprintf("%s.kmove-tmp", path);
	FILE *f;
	int ret = -1;

	f = fopen(tmp, "wb");
	if (!f) {
		error("cannot write '%s': %s", path, strerror(errno));
		goto out_free_tmp;
	}
	if (fwrite(buf, 1, len, f) != len || fclose(f)) {
		error("cannot write '%s'", path);
		unlink(tmp);
		goto out_free_tmp;
	}
	if (rename(tmp, path)) {
		error("cannot rename '%s': %s", tmp, strerror(errno));
		unlink(tmp);
		goto out_free_tmp;
	}
	ret = 0;
out_free_tmp:
	free(tmp);
	return ret;
}

void sl_add_nodup(struct strlist *sl, char *s)
{
	ALLOC_GROW(sl->v, sl->n + 1, sl->alloc);
	sl->v[sl->n++] = s;
}

void sl_add(struct strlist *sl, const char *s)
{
	sl_add_nodup(sl, xstrdup(s));
}

bool sl_has(const struct strlist *sl, const char *s)
{
	int i;

	for (i = 0; i < sl->n; i++)
		if (!strcmp(sl->v[i], s))
			return true;
	return false;
}

void sl_free(struct strlist *sl)
{
	int i;

	for (i = 0; i < sl->n; i++)
		free(sl->v[i]);
	free(sl->v);
	sl->v = NULL;
	sl->n = sl->alloc = 0;
}

char *shell_quote(const char *s)
{
	struct strbuf sb = { 0 };

	sb_addc(&sb, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			sb_adds(&sb, "'\\''");
		else
			sb_addc(&sb, *s);
	}
	sb_addc(&sb, '\'');
	return sb_detach(&sb);
}

int run_shell(const char *cmd)
{
	int st = system(cmd);

	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st))
		return -1;
	return 0;
}
