/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM_TYPES_H
#define KVM_TYPES_H

typedef unsigned long long u64;
typedef u64 gfn_t;

struct kvm;
struct kvm_vcpu;

#define EXPORT_SYMBOL_GPL(sym) extern typeof(sym) sym

#endif
