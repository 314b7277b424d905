// SPDX-License-Identifier: GPL-2.0
#include "kvm_types.h"
#include "mmu.h"

int kvm_arch_fault(struct kvm_vcpu *vcpu)
{
	return kvm_mmu_page_fault(vcpu, 0);
}

void kvm_arch_reset(struct kvm *kvm)
{
	kvm_mmu_reset(kvm);
}
