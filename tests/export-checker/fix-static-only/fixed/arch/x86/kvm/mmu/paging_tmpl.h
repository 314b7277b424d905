/* SPDX-License-Identifier: GPL-2.0 */
/* Included once per PTTYPE: no include guard. */
#if PTTYPE == 64
#define FNAME(name) paging64_##name
#elif PTTYPE == 32
#define FNAME(name) paging32_##name
#endif

static int FNAME(walk)(struct kvm_vcpu *vcpu, gfn_t gfn)
{
	mmu_flush(0);
	return shadow_level(gfn) + PTTYPE;
}

#undef FNAME
