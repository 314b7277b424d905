#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The whole series on Debian's linux-source-6.12, two years after the
# RFC's base: names were renamed, removed and added.  Every step that
# runs builds, passes the gates and verifies; the manifest's stale entries
# and the functions new in 6.12 are reported, the new ones classified from
# the call graph; the steps whose code is gone or already upstream say so.
set -e
cd "$(dirname "$0")/../.."
OUT=${OUT:-out}
IT=$OUT/it-6.12
BIN=${BIN:-out/bin}
test -f /usr/src/linux-source-6.12.tar.xz || { echo "no linux-source-6.12"; exit 77; }

status=0
PYTHONPATH=scripts python3 -m kmove series --out "$IT" --kversion 6.12 \
	--bin "$BIN" >"$IT.log" 2>&1 || status=$?
tail -n 20 "$IT.log"

python3 - "$IT" <<'PY'
import json, sys
it = sys.argv[1]
r = json.load(open(f'{it}/report.json'))
bad = []
steps = r['steps']
ran = [s['n'] for s in steps]
for n in ('01', '02', '03', '04', '05', '06', '07', '08', '10', '11', '12',
          '14'):
    if n not in ran:
        bad.append(f'step {n} did not run')
for s in steps:
    if not s['build']['ok'] or s['build']['new_warnings']:
        bad.append(f'step {s["n"]}: build')
    if s['verify']['status'] != 'clean':
        bad.append(f'step {s["n"]}: verify {s["verify"]["status"]}')
    for name, g in s.get('gates', {}).items():
        if not g.get('ok', True) or g.get('new_warnings') or g.get('new'):
            bad.append(f'step {s["n"]}: gate {name} failed')
    if s['exports']['status'] != 'clean':
        bad.append(f'step {s["n"]}: export-checker {s["exports"]["status"]}')
    if s['op'] == 'extract' and '--keep-lines' not in s.get('verify_args', []):
        bad.append(f'step {s["n"]} was not verified with --keep-lines')
if not any('gfn_to_rmap() static again' in i
           for s in steps if s['n'] == '12' for i in s['items']):
    bad.append('step 12 did not make gfn_to_rmap() static again')
notes = r['notes']
def has(prefix):
    return any(n.startswith(prefix) for n in notes)
for prefix in ('step 09 skipped: the base already', 'step 13 skipped:',
               'stale manifest entry: func kvm_mmu_pte_write',
               'stale rename entry: kvm_mmu_pte_write',
               'classified: func kvm_mmu_track_write'):
    if not has(prefix):
        bad.append(f'no note "{prefix}..."')
classified = [n for n in notes if n.startswith('classified: ')]
if len(classified) < 20 or not all(': calls ' in n for n in classified):
    bad.append(f'{len(classified)} classified functions, each with a reason expected')
if not r.get('completeness'):
    bad.append('no completeness report')
if r['status'] != 'ok':
    bad.append(f'report status {r["status"]}')
print(f'{len(steps)} steps, {len(classified)} functions classified, '
      f'{sum(n.startswith("stale") for n in notes)} stale entries, '
      f'{len(r.get("completeness", []))} leftovers reported')
for b in bad:
    print('FAIL:', b)
sys.exit(1 if bad else 0)
PY
exit $status
