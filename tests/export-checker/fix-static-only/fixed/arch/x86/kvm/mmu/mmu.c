// SPDX-License-Identifier: GPL-2.0
#include "../mmu.h"
#include "mmu_internal.h"
#include "shadow_mmu.h"

static int mmu_pages;

int __attribute__((cold)) mmu_used_pages(void)
{
	return mmu_pages;
}

int mmu_topup(struct kvm_vcpu *vcpu)
{
	return mmu_pages < 4;
}

void mmu_flush(struct kvm *kvm)
{
	mmu_pages = 0;
}

void kvm_mmu_sync(struct kvm *kvm)
{
	mmu_flush(kvm);
}
EXPORT_SYMBOL_GPL(kvm_mmu_sync);

int kvm_mmu_page_fault(struct kvm_vcpu *vcpu, gfn_t gfn)
{
	return shadow_map(vcpu, gfn);
}
EXPORT_SYMBOL_GPL(kvm_mmu_page_fault);

void kvm_mmu_reset(struct kvm *kvm)
{
	kvm_mmu_sync(kvm);
	shadow_zap_all(kvm);
#ifdef CONFIG_KVM_MMU_AUDIT
	shadow_audit(kvm);
#endif
}
EXPORT_SYMBOL_GPL(kvm_mmu_reset);
