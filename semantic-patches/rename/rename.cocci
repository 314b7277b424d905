// SPDX-License-Identifier: GPL-2.0
/// Rename the function OLD to NEW: its definitions, its prototypes, its
/// calls and every other use of its name as an expression (function
/// pointers, initialisers).  kmove generates one copy of these rules per
/// entry of the rename map, OLD and NEW filled in; comments that name the
/// function are renamed by kmove itself, as Coccinelle does not rewrite
/// comments, and move-verifier --renames proves the result.
//
// Confidence: High
// Options: --no-includes --include-headers
// Keywords: rename

virtual patch

@depends on patch@
type T;
@@
  T
- OLD
+ NEW
  (...) {...}

@depends on patch@
type T;
@@
  T
- OLD
+ NEW
  (...);

@depends on patch@
@@
- OLD
+ NEW
