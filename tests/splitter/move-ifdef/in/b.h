/* SPDX-License-Identifier: GPL-2.0 */
#ifndef B_H
#define B_H
int common(int x);
#endif
