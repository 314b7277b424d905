// SPDX-License-Identifier: GPL-2.0
/// Make functions and variables visible to another file of the split:
/// drop 'static' from their definitions and forward declarations.
/// NAMES is replaced by the list of names computed by 'kmove-split plan';
/// the prototypes themselves are written into the headers by kmove.
//
// Confidence: High
// Options: --no-includes --include-headers
// Keywords: static, linkage, expose

virtual patch

@fn depends on patch@
identifier f = {NAMES};
type T;
@@
- static
  T f(...) {...}

@var depends on patch@
identifier v = {NAMES};
type T;
@@
- static
  T v;

@var_init depends on patch@
identifier v = {NAMES};
type T;
expression E;
@@
- static
  T v = E;
