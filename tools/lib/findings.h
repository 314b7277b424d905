/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KMOVE_FINDINGS_H
#define KMOVE_FINDINGS_H

/*
 * Findings of a checker and their two output formats.  Every finding has
 * a stable TYPE from the tool's table; notes explain what was allowed and
 * never change the exit status.
 */

#include <stdio.h>

#include "util.h"

enum severity { SEV_ERROR, SEV_NOTE };

struct finding_type {
	const char *name;
	enum severity severity;
	const char *help;	/* one line for --list-types */
};

struct finding {
	const struct finding_type *type;
	char *file;
	unsigned line;
	char *symbol;
	char *message;
};

struct findings {
	const char *tool;
	const struct finding_type *types;	/* NULL-name terminated */
	struct strlist ignore;
	struct finding *v;
	int n, alloc;
};

const struct finding_type *finding_type(const struct findings *f,
					const char *name);
void add_finding(struct findings *f, const char *type, const char *file,
		 unsigned line, const char *symbol, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
int count_errors(const struct findings *f);
void list_types(const struct finding_type *types, FILE *out);
/* Parse "--ignore A,B"; unknown names are an error. */
int set_ignore(struct findings *f, const char *list);
void sort_findings(struct findings *f);
void print_findings_text(const struct findings *f, FILE *out);
void findings_release(struct findings *f);

/* A tiny JSON writer: keys are written in the order given (keep them sorted). */
struct json {
	FILE *out;
	int depth;
	bool first[32];
};

void json_open(struct json *j, const char *key, char bracket);
void json_close(struct json *j, char bracket);
void json_str(struct json *j, const char *key, const char *val);
void json_int(struct json *j, const char *key, long val);
void json_bool(struct json *j, const char *key, bool val);
void json_findings(struct json *j, const struct findings *f);
void json_counts(struct json *j, const struct findings *f);

#endif
