/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KMOVE_UTIL_H
#define KMOVE_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Set by main(); every diagnostic starts with it. */
extern const char *prog_name;
extern int verbose;

/* Print "prog: error: msg" to stderr and return -1, for `return error(...)`. */
int error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Out of memory and other impossible states: exit 2. */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grow an array to hold at least `need` elements of `size` bytes. */
#define ALLOC_GROW(p, need, alloc)					\
	do {								\
		if ((need) > (alloc)) {					\
			(alloc) = (alloc) ? (alloc) * 2 : 16;		\
			if ((alloc) < (need))				\
				(alloc) = (need);			\
			(p) = xrealloc((p), (alloc) * sizeof(*(p)));	\
		}							\
	} while (0)

struct strbuf {
	char *buf;
	size_t len;
	size_t alloc;
};

void sb_add(struct strbuf *sb, const char *s, size_t n);
void sb_adds(struct strbuf *sb, const char *s);
void sb_addc(struct strbuf *sb, char c);
void sb_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hand the buffer over to the caller (never NULL). */
char *sb_detach(struct strbuf *sb);
void sb_release(struct strbuf *sb);

/* Read a whole file; returns 0 or -1 after printing why. */
int read_file(const char *path, char **buf, size_t *len);
/* Write a file through a temporary name and rename(): never half-written. */
int write_file_atomic(const char *path, const char *buf, size_t len);

/* 's' quoted for sh; run a shell command, -1 unless it exits 0. */
char *shell_quote(const char *s);
int run_shell(const char *cmd);

/* A list of strings. */
struct strlist {
	char **v;
	int n;
	int alloc;
};

void sl_add(struct strlist *sl, const char *s);
void sl_add_nodup(struct strlist *sl, char *s);
bool sl_has(const struct strlist *sl, const char *s);
void sl_free(struct strlist *sl);

#endif
