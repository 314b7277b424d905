struct kvm { int n; };
struct kvm_memory_slot { unsigned long base_gfn; };
struct kvm_rmap_head { unsigned long val; };

struct kvm_rmap_head *gfn_to_rmap(unsigned long gfn, int level,
				  const struct kvm_memory_slot *slot);
int rmap_write_protect(struct kvm_rmap_head *rmap_head, int pt_protect);
int tdp_enabled(struct kvm *kvm);

/*
 * Write protect the pages of a mask.
 */
static void write_protect_pt_masked(struct kvm *kvm,
				    struct kvm_memory_slot *slot,
				    unsigned long gfn_offset, unsigned long mask)
{
	struct kvm_rmap_head *rmap_head;

	if (tdp_enabled(kvm))
		return;

	while (mask) {
		rmap_head = gfn_to_rmap(slot->base_gfn + gfn_offset + __builtin_ctzl(mask),
					1, slot);
		rmap_write_protect(rmap_head, 0);

		/* clear the first set bit */
		mask &= mask - 1;
	}
}

int write_protect_gfn(struct kvm *kvm, struct kvm_memory_slot *slot,
		      unsigned long gfn, int min_level)
{
	struct kvm_rmap_head *rmap_head;
	int i;
	int write_protected = 0;

	if (kvm->n) {
		for (i = min_level; i <= 3; ++i) {
			rmap_head = gfn_to_rmap(gfn, i, slot);
			write_protected |= rmap_write_protect(rmap_head, 1);
		}
	}

	if (tdp_enabled(kvm))
		write_protected |= 1;

	return write_protected;
}

void caller(struct kvm *kvm, struct kvm_memory_slot *slot)
{
	write_protect_pt_masked(kvm, slot, 0, 3);
}
