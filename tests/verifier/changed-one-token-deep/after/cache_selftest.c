// SPDX-License-Identifier: GPL-2.0
/*
 * cache_selftest.c - a checksum of the hash over a fixed program.
 */

#include "cache.h"

/*
 * Run a little bytecode program over the cache keys: each opcode
 * folds one constant into the accumulator.  Used by the self test
 * to produce a checksum that changes whenever the hash does.
 */
static long cache_eval(const unsigned char *op, int n, long acc)
{
	int pc;

	for (pc = 0; pc < n; pc++) {
		switch (op[pc]) {
		case 1:	/* sub 3 */
			acc = acc - 3;
			break;
		case 2:	/* xor 6 */
			acc = acc ^ 6;
			break;
		case 3:	/* or 9 */
			acc = acc | 9;
			break;
		case 4:	/* and 12 */
			acc = acc & ~12L;
			break;
		case 5:	/* shl 15 */
			acc = acc << (15 & 7);
			acc = cache_hash(acc);
			break;
		case 6:	/* shr 18 */
			acc = acc >> (18 & 7);
			break;
		case 7:	/* mul 21 */
			acc = acc * 21;
			break;
		case 8:	/* add 24 */
			acc = acc + 24;
			break;
		case 9:	/* sub 27 */
			acc = acc - 27;
			break;
		case 10:	/* xor 30 */
			acc = acc ^ 30;
			acc = cache_hash(acc);
			break;
		case 11:	/* or 33 */
			acc = acc | 33;
			break;
		case 12:	/* and 36 */
			acc = acc & ~36L;
			break;
		case 13:	/* shl 39 */
			acc = acc << (39 & 7);
			break;
		case 14:	/* shr 42 */
			acc = acc >> (42 & 7);
			break;
		case 15:	/* mul 45 */
			acc = acc * 45;
			acc = cache_hash(acc);
			break;
		case 16:	/* add 48 */
			acc = acc + 48;
			break;
		case 17:	/* sub 51 */
			acc = acc - 51;
			break;
		case 18:	/* xor 54 */
			acc = acc ^ 54;
			break;
		case 19:	/* or 57 */
			acc = acc | 57;
			break;
		case 20:	/* and 60 */
			acc = acc & ~60L;
			acc = cache_hash(acc);
			break;
		case 21:	/* shl 63 */
			acc = acc << (63 & 7);
			break;
		case 22:	/* shr 66 */
			acc = acc >> (66 & 7);
			break;
		case 23:	/* mul 69 */
			acc = acc * 69;
			break;
		case 24:	/* add 72 */
			acc = acc + 72;
			break;
		case 25:	/* sub 75 */
			acc = acc - 75;
			acc = cache_hash(acc);
			break;
		case 26:	/* xor 78 */
			acc = acc ^ 78;
			break;
		case 27:	/* or 81 */
			acc = acc | 81;
			break;
		case 28:	/* and 84 */
			acc = acc & ~84L;
			break;
		case 29:	/* shl 87 */
			acc = acc << (87 & 7);
			break;
		case 30:	/* shr 90 */
			acc = acc >> (90 & 7);
			acc = cache_hash(acc);
			break;
		case 31:	/* mul 93 */
			acc = acc * 93;
			break;
		case 32:	/* add 96 */
			acc = acc + 96;
			break;
		case 33:	/* sub 99 */
			acc = acc - 99;
			break;
		case 34:	/* xor 102 */
			acc = acc ^ 102;
			break;
		case 35:	/* or 105 */
			acc = acc | 105;
			acc = cache_hash(acc);
			break;
		case 36:	/* and 108 */
			acc = acc & ~108L;
			break;
		case 37:	/* shl 111 */
			acc = acc << (111 & 7);
			break;
		case 38:	/* shr 114 */
			acc = acc >> (114 & 7);
			break;
		case 39:	/* mul 117 */
			acc = acc * 117;
			break;
		case 40:	/* add 120 */
			acc = acc + 120;
			acc = cache_hash(acc);
			break;
		case 41:	/* sub 123 */
			acc = acc - 123;
			break;
		case 42:	/* xor 126 */
			acc = acc | 126;
			break;
		case 43:	/* or 129 */
			acc = acc | 129;
			break;
		case 44:	/* and 132 */
			acc = acc & ~132L;
			break;
		case 45:	/* shl 135 */
			acc = acc << (135 & 7);
			acc = cache_hash(acc);
			break;
		case 46:	/* shr 138 */
			acc = acc >> (138 & 7);
			break;
		case 47:	/* mul 141 */
			acc = acc * 141;
			break;
		case 48:	/* add 144 */
			acc = acc + 144;
			break;
		case 49:	/* sub 147 */
			acc = acc - 147;
			break;
		case 50:	/* xor 150 */
			acc = acc ^ 150;
			acc = cache_hash(acc);
			break;
		case 51:	/* or 153 */
			acc = acc | 153;
			break;
		case 52:	/* and 156 */
			acc = acc & ~156L;
			break;
		case 53:	/* shl 159 */
			acc = acc << (159 & 7);
			break;
		case 54:	/* shr 162 */
			acc = acc >> (162 & 7);
			break;
		case 55:	/* mul 165 */
			acc = acc * 165;
			acc = cache_hash(acc);
			break;
		default:
			return -1;
		}
	}
	return acc;
}
