// SPDX-License-Identifier: GPL-2.0
/// Make pages available (reclaim shadow pages) only on the Shadow MMU
/// path of a direct page fault: the TDP MMU does not use the pages that
/// make_mmu_pages_available() frees.
///
/// patch:   a fault handler that reclaims before choosing between
///          kvm_tdp_mmu_map() and the Shadow MMU's direct map reclaims on
///          the Shadow MMU branch only.
/// context: matches where a path from make_mmu_pages_available() reaches
///          kvm_tdp_mmu_map(), that is, where the change is still to do.
//
// Confidence: High
// Options: --no-includes
// Keywords: page fault, shadow MMU, TDP MMU

virtual patch
virtual context

@depends on patch@
identifier vcpu, fault, out, map;
expression r, tdp;
@@
- r = make_mmu_pages_available(vcpu);
- if (r)
-	goto out;
- if (tdp)
-	r = kvm_tdp_mmu_map(vcpu, fault);
- else
-	r = map(vcpu, fault);
+ if (tdp) {
+	r = kvm_tdp_mmu_map(vcpu, fault);
+ } else {
+	r = make_mmu_pages_available(vcpu);
+	if (r)
+		goto out;
+	r = map(vcpu, fault);
+ }

@depends on context exists@
@@
* make_mmu_pages_available(...)
  ...
* kvm_tdp_mmu_map(...)
