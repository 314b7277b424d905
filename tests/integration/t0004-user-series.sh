#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A series definition of the user's: a rename placed before the move (the
# manifest follows the new names), the move, and a step of their own as a
# patch file with its declared change.  On t0001's 6.1 base, gcc and the
# verifier only.
set -e
cd "$(dirname "$0")/../.."
OUT=${OUT:-out}
BIN=${BIN:-out/bin}
test -f "$OUT/it-6.1/report.json" || { echo "needs $OUT/it-6.1 (t0001)"; exit 77; }
eval "$(python3 -c "
import json; r = json.load(open('$OUT/it-6.1/report.json'))
print(f\"REPO={r['base']['repo']} BASE={r['base']['commit']}\")")"

U=$OUT/user-series
rm -rf "$U" && mkdir -p "$U/def"
# the user's own change: a comment above a function of spte.c
tmp=$U/patch-tree
git clone -q --shared --no-checkout "$REPO" "$tmp"
git -C "$tmp" checkout -q "$BASE" -- arch/x86/kvm/mmu/spte.c
sed -i 's|^bool spte_has_volatile_bits(u64 spte)$|/* Bits the CPU may set behind our back. */\n&|' \
	"$tmp/arch/x86/kvm/mmu/spte.c"
git -C "$tmp" diff > "$U/def/comment.patch"
grep -q '^+/\* Bits the CPU' "$U/def/comment.patch" || { echo "FAIL: no user patch"; exit 1; }

printf 'make_mmu_pages_available kvm_shadow_mmu_make_pages_available 00\n' >"$U/def/renames"
python3 - "$U/def/steps" <<'PY'
import re, sys
steps = open('series/shadow-mmu/steps').read()
def step(n, op):
    return re.search(rf'^=== {n} {op}\n.*?(?=^=== |\Z)', steps, re.M | re.S).group(0)
text = ('=== 00 rename\nKVM: x86/MMU: Rename make_mmu_pages_available\n\n'
        'Renamed before the move.\n\n{items}\n\n'
        + step('01', 'add-files') + step('02', 'expose') + step('03', 'move')
        + '=== 90 patch comment.patch\n@declare spte_has_volatile_bits\n'
          'KVM: x86/MMU: Say what the volatile bits are\n\nA comment.\n')
open(sys.argv[1], 'w').write(text)
PY

status=0
PYTHONPATH=scripts python3 -m kmove series --out "$U/out" --series "$(cd "$U/def" && pwd)" \
	--kernel "$REPO" --base "$BASE" --manifest series/shadow-mmu/manifest \
	--renames "$U/def/renames" --gates '' --bin "$BIN" >"$U/log" 2>&1 || status=$?
grep '^step\|error' "$U/log" | tail -n 8
test $status = 0 || { echo "FAIL: the user's series exited $status"; exit 1; }

python3 - "$U/out" <<'PY'
import json, sys
r = json.load(open(f'{sys.argv[1]}/report.json'))
bad = []
order = [s['n'] for s in r['steps']]
if order != ['00', '01', '02', '03', '90']:
    bad.append(f'steps {order}')
if r['status'] != 'ok':
    bad.append(f'status {r["status"]}')
work = r['worktree']
shadow = open(f'{work}/arch/x86/kvm/mmu/shadow_mmu.c').read()
if '\nint kvm_shadow_mmu_make_pages_available(struct kvm_vcpu *vcpu)\n' not in shadow:
    bad.append('the renamed function did not move with its manifest entry')
last = r['steps'][-1]
if '--declare' not in last.get('verify_args', []):
    bad.append('the patch step was not verified with its declaration')
for b in bad:
    print('FAIL:', b)
sys.exit(1 if bad else 0)
PY
echo "user series: rename before the move, move, own patch: ok"
