bool kvm_zap_rmap(struct kvm *kvm, struct kvm_rmap_head *rmap_head,
		  const struct kvm_memory_slot *slot, gfn_t gfn, int level,
		  pte_t unused)
{
	return __kvm_zap_rmap(kvm, rmap_head, slot);
}

bool kvm_age_rmap(struct kvm *kvm, struct kvm_rmap_head *rmap_head,
		  struct kvm_memory_slot *slot, gfn_t gfn, int level,
		  pte_t unused)
{
	return false;
}

bool kvm_unmap_gfn_range(struct kvm *kvm, struct kvm_gfn_range *range)
{
	bool flush = false;

	if (kvm_memslots_have_rmaps(kvm))
		flush = kvm_handle_gfn_range(kvm, range, kvm_zap_rmap);

	return flush;
}

bool kvm_age_gfn(struct kvm *kvm, struct kvm_gfn_range *range)
{
	bool young = false;

	if (kvm_memslots_have_rmaps(kvm))
		young = kvm_handle_gfn_range(kvm, range, kvm_age_rmap);

	return young;
}
