/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM_MMU_H
#define KVM_MMU_H

#include "kvm_types.h"

int kvm_mmu_page_fault(struct kvm_vcpu *vcpu, gfn_t gfn);
void kvm_mmu_reset(struct kvm *kvm);
int kvm_arch_debugfs_show(struct kvm *kvm);

#endif
