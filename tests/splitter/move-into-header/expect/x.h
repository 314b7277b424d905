/* SPDX-License-Identifier: GPL-2.0 */
#ifndef X_H
#define X_H

int other(void);

/* fits a cache line */
#define SLOTS 14

struct slot {
	int used;
	int data[SLOTS];
};

#endif /* X_H */
