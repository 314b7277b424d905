/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KMOVE_ENTITY_H
#define KMOVE_ENTITY_H

/*
 * The entity model: one C file carved into its top-level pieces.
 *
 * The carving works on libclang's raw token stream of the whole file, so
 * code in preprocessor-inactive branches is carved exactly like active
 * code, and comments are tokens too.  libclang's AST only adds what the
 * tokens cannot say: which names a macro-generated definition creates
 * (BUILD_MMU_ROLE_ACCESSOR, FNAME()) and which code is inactive.
 *
 * Conditional directives (#if/#ifdef/#elif/#else/#endif) are structure,
 * not entities to be matched: every entity records the innermost branch
 * it sits in, and cond_chain() spells the whole chain for comparison.
 */

#include <stdbool.h>
#include <clang-c/Index.h>

#include "util.h"

enum tok_kind {
	TK_PUNCT,
	TK_KEYWORD,
	TK_IDENT,
	TK_LITERAL,
	TK_COMMENT,
};

struct token {
	unsigned char kind;
	bool bol;		/* first token on its line */
	unsigned start, end;	/* byte offsets into the file buffer */
	unsigned line;
};

enum ent_kind {
	EK_FUNC,	/* function definition */
	EK_PROTO,	/* function prototype or extern declaration */
	EK_VAR,		/* variable definition */
	EK_STRUCT,
	EK_UNION,
	EK_ENUM,
	EK_TYPEDEF,
	EK_DECL,	/* any other declaration (struct foo;) */
	EK_MACROCALL,	/* top-level macro invocation: module_param(...); */
	EK_EXPORT,	/* EXPORT_SYMBOL*(name); */
	EK_MACRO,	/* #define */
	EK_UNDEF,
	EK_INCLUDE,
	EK_DIRECTIVE,	/* #pragma, #error, ... */
	EK_COND,	/* #if, #ifdef, #ifndef, #elif, #else, #endif */
	EK_COMMENT,	/* standalone comment block */
	EK_NR,
};

struct entity {
	enum ent_kind kind;
	char *name;		/* matching key within its kind */
	struct strlist defs;	/* names it defines, incl. macro-generated */
	int tok, ntok;		/* code tokens (with inner comments) */
	int ctok, nctok;	/* attached leading comment tokens */
	unsigned start, end;	/* byte extent: whole lines, incl. comment */
	unsigned code_start;	/* byte offset where the code part starts */
	unsigned line, end_line;
	int cond;		/* innermost enclosing branch (EK_COND), -1 */
	int group;		/* EK_COND: the opening #if of its group */
	int endif;		/* EK_COND opening: its #endif */
	bool active;		/* false inside a preprocessor-skipped range */
	bool is_static;
	bool is_inline;
	bool is_extern;
};

struct file_model {
	char *path;		/* as given */
	char *buf;
	size_t len;
	struct token *tok;
	int ntok;
	struct entity *ent;
	int nent;
	int guard;		/* the include guard's #ifndef, or -1 */
	unsigned *line_off;	/* byte offset of each line */
	int nlines;
};

extern const char *const ent_kind_name[EK_NR];

/*
 * Carve `path`.  `tu` is a translation unit that contains the file (its
 * main file or an included one); if NULL the file is tokenised on its own
 * and everything counts as active.  Returns 0 or -1 after an error.
 */
int file_model_load(struct file_model *fm, const char *path,
		    CXTranslationUnit tu);
void file_model_free(struct file_model *fm);

/* Text of a token, and comparison helpers. */
static inline const char *tok_text(const struct file_model *fm, int i,
				   unsigned *len)
{
	*len = fm->tok[i].end - fm->tok[i].start;
	return fm->buf + fm->tok[i].start;
}

bool tok_is(const struct file_model *fm, int i, const char *s);

/* 1-based line number of a byte offset. */
unsigned line_of(const struct file_model *fm, unsigned off);

/* "#ifdef CONFIG_X86_64 / #else && #ifdef MMU_DEBUG", "" at top level. */
char *cond_chain(const struct file_model *fm, int branch);

/*
 * Append comment text normalised for whitespace: runs of blanks become one
 * space, and the " * " that starts a block comment's line is a blank too,
 * so that a reflowed comment compares equal.
 */
void add_normalised(struct strbuf *sb, const char *s, size_t n);

/* Comment text normalised for whitespace (NULL if none attached). */
char *entity_comment(const struct file_model *fm, const struct entity *e);

/*
 * Identifiers an entity's code refers to, in order of first use, without
 * member names (after . or ->); struct/union/enum tags as "struct x".
 */
void entity_refs(const struct file_model *fm, const struct entity *e,
		 struct strlist *out);

/* Is the entity matched by the kind-agnostic name `name`? */
bool entity_defines(const struct entity *e, const char *name);

/* Short description for messages: "func mmu_spte_set". */
char *entity_label(const struct entity *e);

#endif
