#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Replay: the move of the 6.1 series (t0001's step 03), its manifest
# derived back from the commit, replayed on 6.12 (t0002's base) and
# compared with the direct 6.12 result: the same tree after the move.
set -e
cd "$(dirname "$0")/../.."
OUT=${OUT:-out}
BIN=${BIN:-out/bin}
for it in "$OUT/it-6.1" "$OUT/it-6.12"; do
	test -f "$it/report.json" || { echo "needs $it (t0001, t0002)"; exit 77; }
done
eval "$(python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
a = json.load(open(f'{out}/it-6.1/report.json'))
b = json.load(open(f'{out}/it-6.12/report.json'))
move = lambda r: next(s['commit'] for s in r['steps'] if s['op'] == 'move')
print(f"K61={a['worktree']} BASE61={a['base']['commit']} MOVE61={move(a)}")
print(f"K612={b['base']['repo']} BASE612={b['base']['commit']}")
print(f"W612={b['worktree']} MOVE612={move(b)}")
PY
)"
RP=$OUT/replay-6.12
status=0
PYTHONPATH=scripts python3 -m kmove replay --out "$RP" --bin "$BIN" --gates '' \
	--kernel "$K61" --from "$BASE61" --commit "$MOVE61" \
	--onto-kernel "$K612" --onto "$BASE612" >"$RP.log" 2>&1 || status=$?
grep -v '^  \[' "$RP.log" | tail -n 25
test $status = 0 || { echo "FAIL: replay exited $status"; exit 1; }

grep -q '^shadow func mmu_spte_set$' "$RP/derived/manifest" ||
	{ echo "FAIL: the derived manifest does not move mmu_spte_set"; exit 1; }
grep -q '^common func kvm_mmu_page_fault$' "$RP/derived/manifest" ||
	{ echo "FAIL: the derived manifest does not keep kvm_mmu_page_fault"; exit 1; }

python3 - "$RP" "$W612" "$MOVE612" <<'PY'
import json, subprocess, sys
rp, w612, move612 = sys.argv[1:]
r = json.load(open(f'{rp}/series/report.json'))
bad = []
if r['status'] != 'ok':
    bad.append(f'replay status {r["status"]}')
moves = [s for s in r['steps'] if s['op'] == 'move']
if not moves:
    bad.append('the replay has no move step')
else:
    def tree(repo, commit):
        return subprocess.run(['git', '-C', repo, 'rev-parse',
                               f'{commit}:arch/x86/kvm'], capture_output=True,
                              text=True, check=True).stdout.strip()
    mine, direct = tree(r['worktree'], moves[0]['commit']), tree(w612, move612)
    print(f'arch/x86/kvm after the move: replay {mine}, direct {direct}')
    if mine != direct:
        bad.append('the replayed move differs from the direct 6.12 move')
for b in bad:
    print('FAIL:', b)
sys.exit(1 if bad else 0)
PY
