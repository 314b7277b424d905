/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM_MMU_INTERNAL_H
#define KVM_MMU_INTERNAL_H

#include "../kvm_types.h"

int mmu_topup(struct kvm_vcpu *vcpu);
void mmu_flush(struct kvm *kvm);
void kvm_mmu_sync(struct kvm *kvm);

#endif
