/* Shaped like Debian's 6.1: the TDP MMU returns before any reclaim. */
static int direct_page_fault(struct kvm_vcpu *vcpu, struct kvm_page_fault *fault)
{
	bool is_tdp_mmu_fault = is_tdp_mmu(vcpu->arch.mmu);
	int r;

	if (is_tdp_mmu_fault) {
		r = kvm_tdp_mmu_map(vcpu, fault);
		return r;
	}

	r = make_mmu_pages_available(vcpu);
	if (r)
		goto out_unlock;

	r = direct_map(vcpu, fault);

out_unlock:
	return r;
}
