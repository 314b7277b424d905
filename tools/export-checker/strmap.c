// SPDX-License-Identifier: GPL-2.0
/*
 * A string-keyed hash map with open addressing: USRs, identifiers and
 * paths of a whole module, tens of thousands of each.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checker.h"

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static unsigned find_slot(char **keys, unsigned cap, const char *key)
{
	unsigned i = hash_str(key) & (cap - 1);

	while (keys[i] && strcmp(keys[i], key))
		i = (i + 1) & (cap - 1);
	return i;
}

static void grow(struct strmap *m)
{
	unsigned cap = m->cap ? m->cap * 2 : 1024, i;
	char **keys = xcalloc(cap, sizeof(*keys));
	void **vals = xcalloc(cap, sizeof(*vals));

	for (i = 0; i < m->cap; i++) {
		unsigned k;

		if (!m->keys[i])
			continue;
		k = find_slot(keys, cap, m->keys[i]);
		keys[k] = m->keys[i];
		vals[k] = m->vals[i];
	}
	free(m->keys);
	free(m->vals);
	m->keys = keys;
	m->vals = vals;
	m->cap = cap;
}

void **strmap_slot(struct strmap *m, const char *key)
{
	unsigned i;

	if (2 * (m->n + 1) > m->cap)
		grow(m);
	i = find_slot(m->keys, m->cap, key);
	if (!m->keys[i]) {
		m->keys[i] = xstrdup(key);
		m->n++;
	}
	return &m->vals[i];
}

void *strmap_get(const struct strmap *m, const char *key)
{
	unsigned i;

	if (!m->cap)
		return NULL;
	i = find_slot(m->keys, m->cap, key);
	return m->keys[i] ? m->vals[i] : NULL;
}

void strmap_free(struct strmap *m, void (*free_val)(void *))
{
	unsigned i;

	for (i = 0; i < m->cap; i++) {
		if (!m->keys[i])
			continue;
		free(m->keys[i]);
		if (free_val && m->vals[i])
			free_val(m->vals[i]);
	}
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}
