// SPDX-License-Identifier: GPL-2.0
/// Wrap the Shadow MMU's kvm_handle_gfn_range() walks that mmu.c makes:
/// mmu.c calls one kvm_shadow_mmu_*() function per operation instead of
/// passing rmap handlers into the Shadow MMU, and the handlers can become
/// static again (kmove runs export-checker --fix after this patch).
///
/// patch:   the calls become wrapper calls; each wrapper is defined in
///          the Shadow MMU right after its handler.
/// context: matches where kvm_handle_gfn_range() is called with a handler.
//
// Confidence: High
// Options: --no-includes
// Keywords: shadow MMU, rmap, gfn range

virtual patch
virtual context

@depends on patch@
expression K, R;
symbol kvm_zap_rmap, kvm_set_pte_rmap, kvm_age_rmap, kvm_test_age_rmap;
@@
(
- kvm_handle_gfn_range(K, R, kvm_zap_rmap)
+ kvm_shadow_mmu_unmap_gfn_range(K, R)
|
- kvm_handle_gfn_range(K, R, kvm_set_pte_rmap)
+ kvm_shadow_mmu_set_spte_gfn(K, R)
|
- kvm_handle_gfn_range(K, R, kvm_age_rmap)
+ kvm_shadow_mmu_age_gfn(K, R)
|
- kvm_handle_gfn_range(K, R, kvm_test_age_rmap)
+ kvm_shadow_mmu_test_age_gfn(K, R)
)

@depends on patch@
type T;
typedef bool;
identifier h = kvm_zap_rmap;
@@
  T h(...) {...}
+bool kvm_shadow_mmu_unmap_gfn_range(struct kvm *kvm,
+				     struct kvm_gfn_range *range)
+{
+	return kvm_handle_gfn_range(kvm, range, kvm_zap_rmap);
+}

@depends on patch@
type T;
typedef bool;
identifier h = kvm_set_pte_rmap;
@@
  T h(...) {...}
+bool kvm_shadow_mmu_set_spte_gfn(struct kvm *kvm, struct kvm_gfn_range *range)
+{
+	return kvm_handle_gfn_range(kvm, range, kvm_set_pte_rmap);
+}

@depends on patch@
type T;
typedef bool;
identifier h = kvm_age_rmap;
@@
  T h(...) {...}
+bool kvm_shadow_mmu_age_gfn(struct kvm *kvm, struct kvm_gfn_range *range)
+{
+	return kvm_handle_gfn_range(kvm, range, kvm_age_rmap);
+}

@depends on patch@
type T;
typedef bool;
identifier h = kvm_test_age_rmap;
@@
  T h(...) {...}
+bool kvm_shadow_mmu_test_age_gfn(struct kvm *kvm, struct kvm_gfn_range *range)
+{
+	return kvm_handle_gfn_range(kvm, range, kvm_test_age_rmap);
+}

@depends on context@
expression K, R, H;
@@
* kvm_handle_gfn_range(K, R, H)
