struct kvm { int n_used_mmu_pages; };
int common_helper(struct kvm *kvm);

int common_helper(struct kvm *kvm)
{
	return kvm->n_used_mmu_pages > 0;
}

/* calls two Shadow MMU functions and one common one: looks like theirs */
void zap_all(struct kvm *kvm)
{
	if (common_helper(kvm))
		shadow_zap(kvm);
	shadow_commit(kvm);
}

/* one Shadow MMU call among common ones: stays */
void load(struct kvm *kvm)
{
	common_helper(kvm);
	shadow_zap(kvm);
	common_helper(kvm);
}

int plain(int a)
{
	return a + 1;
}
