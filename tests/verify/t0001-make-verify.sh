#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `kmove verify` (what `make verify` runs) on two revisions of a kernel
# tree: the series' pure move verifies clean (0), a body changed in a
# commit on top of it is a finding (1), an unknown revision is trouble (2).
# Uses the series of the integration test ($OUT/it-6.1).
cd "$(dirname "$0")/../.." || exit 2
OUT=${OUT:-out}
BIN=${BIN:-out/bin}
IT=$OUT/it-6.1
test -f "$IT/report.json" || { echo "no $IT: run the integration test first"; exit 77; }
work=$(python3 -c "import json; print(json.load(open('$IT/report.json'))['worktree'])")
tree=$OUT/verify-test/tree
rm -rf "$tree"
git clone -q --shared "$work" "$tree" || exit 1
move=$(git -C "$tree" log --format=%H --grep='Move the Shadow MMU implementation' -1)
test -n "$move" || { echo "FAIL: no move commit"; exit 1; }

kv () {
	PYTHONPATH=scripts python3 -m kmove verify --out "$OUT/verify-test" \
		--bin "$BIN" --kernel "$tree" "$@" >"$OUT/verify-test/out.txt" 2>&1
}

kv --before "$move~1" --after "$move"
st=$?
test $st = 0 || { echo "FAIL: the move: exit $st"; tail -5 "$OUT/verify-test/out.txt"; exit 1; }
echo "the move: clean"

git -C "$tree" checkout -q "$move" &&
sed -i '0,/return true;/s//return false;/' "$tree/arch/x86/kvm/mmu/shadow_mmu.c" &&
git -C "$tree" -c user.name=t -c user.email=t@invalid commit -qam mutate || exit 1
kv --before "$move" --after HEAD
st=$?
grep -q 'error: CHANGED' "$OUT/verify-test/out.txt" && test $st = 1 ||
	{ echo "FAIL: a changed body: exit $st"; tail -5 "$OUT/verify-test/out.txt"; exit 1; }
echo "a changed body: exit 1, CHANGED"

kv --before nosuchrev --after HEAD
st=$?
test $st = 2 || { echo "FAIL: an unknown revision: exit $st"; exit 1; }
echo "an unknown revision: exit 2"
