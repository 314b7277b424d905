/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM_SHADOW_MMU_H
#define KVM_SHADOW_MMU_H

#include "mmu_internal.h"

extern unsigned int shadow_pages_max;

int shadow_map(struct kvm_vcpu *vcpu, gfn_t gfn);
void shadow_zap_all(struct kvm *kvm);
int shadow_audit(struct kvm *kvm);

#endif
