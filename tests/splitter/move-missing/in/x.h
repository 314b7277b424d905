/* SPDX-License-Identifier: GPL-2.0 */
#ifndef X_H
#define X_H

int other(void);

#endif /* X_H */
