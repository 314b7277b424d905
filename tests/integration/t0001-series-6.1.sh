#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The whole pipeline on Debian's linux-source-6.1: the series builds,
# verifies and applies.  09 is skipped because 6.1 already reclaims pages
# only on the Shadow MMU fault path.  The extract steps (07, 11) verify with
# --keep-lines, and 12 makes static the rmap helpers 11 left to
# shadow_mmu.c alone.
set -e
cd "$(dirname "$0")/../.."
OUT=${OUT:-out}
IT=$OUT/it-6.1
BIN=${BIN:-out/bin}
test -f /usr/src/linux-source-6.1.tar.xz || { echo "no linux-source-6.1"; exit 77; }

status=0
PYTHONPATH=scripts python3 -m kmove series --out "$IT" --kversion 6.1 \
	--bin "$BIN" >"$IT.log" 2>&1 || status=$?
tail -n 20 "$IT.log"

python3 - "$IT" "$BIN" <<'PY'
import json, re, subprocess, sys
it, bin_dir = sys.argv[1], sys.argv[2]
r = json.load(open(f'{it}/report.json'))
bad = []
steps = r['steps']
want = ['01', '02', '03', '04', '05', '06', '07', '08', '10', '11', '12',
        '13', '14']
if [s['n'] for s in steps] != want:
    bad.append(f'steps {[s["n"] for s in steps]}, expected {want}')
if not any(n.startswith('step 09 skipped: the base already') for n in r['notes']):
    bad.append('step 09 is not reported as already in the base')
for s in steps:
    if s['op'] == 'rename' and '--renames' not in s.get('verify_args', []):
        bad.append(f'step {s["n"]} was not verified with its rename map')
    if s['op'] == 'cocci' and '--declare' not in s.get('verify_args', []):
        bad.append(f'step {s["n"]} was not verified with its declared changes')
    if s['op'] == 'extract' and not {'--declare', '--keep-lines'} <= set(s.get('verify_args', [])):
        bad.append(f'step {s["n"]} was not verified with --declare --keep-lines')
for s in steps:
    if not s['build']['ok']:
        bad.append(f'step {s["n"]} does not build')
    if s['build']['new_warnings']:
        bad.append(f'step {s["n"]}: {len(s["build"]["new_warnings"])} new warnings')
    if s['verify']['status'] != 'clean':
        bad.append(f'step {s["n"]}: verify {s["verify"]["status"]}')
    for name, g in s.get('gates', {}).items():
        if not g.get('ok', True) or g.get('new_warnings') or g.get('new'):
            bad.append(f'step {s["n"]}: gate {name} failed')
    if set(s.get('gates', {})) != {'clang', 'sparse', 'checkpatch'}:
        bad.append(f'step {s["n"]}: gates run: {sorted(s.get("gates", {}))}')
    if s['exports']['status'] != 'clean':
        bad.append(f'step {s["n"]}: export-checker {s["exports"]["status"]}')
if steps and steps[2]['verify'].get('from_base') != 'clean':
    bad.append('the move does not verify against the base')
if r['status'] != 'ok':
    bad.append(f'report status {r["status"]}')
work = r['worktree']
ents = subprocess.run([f'{bin_dir}/kmove-split', 'entities',
                       f'{work}/arch/x86/kvm/mmu/shadow_mmu.c',
                       '--compdb', f'{it}/build',
                       '--rel', 'arch/x86/kvm/mmu/shadow_mmu.c'],
                      capture_output=True, text=True, check=True).stdout
funcs = sum(1 for l in ents.splitlines() if l.split('\t')[1:2] == ['func'])
print(f'shadow_mmu.c: {funcs} function definitions')
if funcs < 130:
    bad.append(f'only {funcs} function definitions in shadow_mmu.c')
hdr = open(f'{work}/arch/x86/kvm/mmu/shadow_mmu.h').read()
for name in ('kvm_shadow_mmu_make_pages_available', 'kvm_shadow_mmu_prepare_zap_page',
             'kvm_shadow_mmu_unmap_gfn_range', 'kvm_shadow_mmu_alloc_shadow_roots'):
    if name not in hdr:
        bad.append(f'shadow_mmu.h does not declare {name}')
mmu = open(f'{work}/arch/x86/kvm/mmu/mmu.c').read()
shadow = open(f'{work}/arch/x86/kvm/mmu/shadow_mmu.c').read()
if 'static unsigned long\nmmu_shrink_scan(' not in mmu:
    bad.append('mmu_shrink_scan() is not back in mmu.c, static')
if 'freed = kvm_shadow_mmu_shrink_scan(kvm, sc);' not in mmu:
    bad.append('mmu.c does not call kvm_shadow_mmu_shrink_scan()')
for name in ('gfn_to_rmap', 'rmap_write_protect', '__rmap_clear_dirty',
             'slot_rmap_write_protect'):
    if f'\nstatic bool {name}(' not in shadow and \
            f'\nstatic struct kvm_rmap_head *{name}(' not in shadow:
        bad.append(f'{name}() is not static in shadow_mmu.c after 12')
    if re.search(rf'\b{name}\(', mmu):
        bad.append(f'mmu.c still uses {name}()')
for b in bad:
    print('FAIL:', b)
sys.exit(1 if bad else 0)
PY

# the patches apply with git am on the base and give the same tree
base=$(python3 -c "import json,sys; print(json.load(open('$IT/report.json'))['base']['commit'])")
work=$(python3 -c "import json,sys; print(json.load(open('$IT/report.json'))['worktree'])")
am=$IT/am
rm -rf "$am"
git clone -q --shared --no-checkout "$work" "$am"
git -C "$am" checkout -q "$base"
git -C "$am" -c user.name=t -c user.email=t@invalid am -q $(ls -d "$(cd "$IT/series" && pwd)"/*.patch | grep -v /0000-)
test "$(git -C "$am" rev-parse HEAD^{tree})" = "$(git -C "$work" rev-parse HEAD^{tree})" || {
	echo "FAIL: git am of the series does not give the same tree"
	exit 1
}
echo "git am: same tree"
rm -rf "$am"
exit $status
