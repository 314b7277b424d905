// SPDX-License-Identifier: GPL-2.0
#include "mmu_internal.h"
#include "shadow_mmu.h"

unsigned int shadow_pages_max = 64;
static int shadow_prefetch_max = 8;

static int shadow_level(gfn_t gfn)
{
	return (int)(gfn & 3);
}

#define PTTYPE 64
#include "paging_tmpl.h"
#undef PTTYPE

#define PTTYPE 32
#include "paging_tmpl.h"
#undef PTTYPE

static int shadow_prefetch(struct kvm_vcpu *vcpu,
		    gfn_t gfn);

int shadow_map(struct kvm_vcpu *vcpu, gfn_t gfn)
{
	if (mmu_topup(vcpu))
		return -1;
	return paging64_walk(vcpu, gfn) + paging32_walk(vcpu, gfn) +
	       shadow_prefetch(vcpu, gfn);
}

void shadow_zap_all(struct kvm *kvm)
{
	mmu_flush(kvm);
}

int shadow_audit(struct kvm *kvm)
{
	return shadow_audit(kvm);
}

static int shadow_prefetch(struct kvm_vcpu *vcpu,
		    gfn_t gfn)
{
	return shadow_prefetch_max + (int)gfn;
}

/* For the next patch. */
int shadow_mmu_stats(struct kvm *kvm)
{
	return shadow_pages_max;
}
