struct list_head { struct list_head *next, *prev; };
struct kvm { int n; int lock; struct list_head vm_list; };
struct shrink_control { int nr_to_scan; };

#define list_for_each_entry(pos, head, member) \
	for (pos = (void *)(head)->next; &pos->member != (head); \
	     pos = (void *)pos->member.next)

static struct list_head vm_list;
int lock_it(int *l);
void unlock_it(int *l);
unsigned long zap(struct kvm *kvm, int n);
static int has_zapped(struct kvm *kvm)
{
	return kvm->n > 3;
}

unsigned long shrink_scan(struct shrink_control *sc)
{
	struct kvm *kvm;
	int nr_to_scan = sc->nr_to_scan;
	unsigned long freed = 0;

	list_for_each_entry(kvm, &vm_list, vm_list) {
		int idx;

		/*
		 * Never scan more than sc->nr_to_scan VM instances.
		 */
		if (!nr_to_scan--)
			break;

		idx = lock_it(&kvm->lock);

		if (has_zapped(kvm)) {
			freed = 1;
			goto unlock;
		}

		freed = zap(kvm, sc->nr_to_scan);	/* the real work */

unlock:
		unlock_it(&idx);
		break;
	}

	return freed;
}

static void other(void)
{
}
