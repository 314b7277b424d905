// SPDX-License-Identifier: GPL-2.0
/// Make functions file-local again once nothing outside their file uses
/// them: add 'static' to their definitions and forward declarations.
/// NAMES is replaced by the list of names computed by kmove from the
/// users of each exposed function.
//
// Confidence: High
// Options: --no-includes --include-headers
// Keywords: static, linkage

virtual patch

@fn depends on patch@
identifier f = {NAMES};
type T;
@@
+ static
  T f(...) {...}
