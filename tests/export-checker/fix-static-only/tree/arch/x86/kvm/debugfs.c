// SPDX-License-Identifier: GPL-2.0
#include "kvm_types.h"
#include "mmu.h"
#include "mmu/shadow_mmu.h"

static int kvm_mmu_pages_show(struct kvm *kvm)
{
	return shadow_pages_max;
}

int kvm_arch_debugfs_show(struct kvm *kvm)
{
	return kvm_mmu_pages_show(kvm);
}
