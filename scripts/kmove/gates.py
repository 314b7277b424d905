# SPDX-License-Identifier: GPL-2.0
"""The gates every step of the series passes besides the gcc W=1 build.

* clang W=1 (LLVM=1, its own build directory): no new warning over the base.
* sparse (C=2) on the objects of the split: no new sparse warning over the
  base.  A code move changes the file a warning is reported in, so sparse
  warnings are compared by flag and message alone.
* the tree's scripts/checkpatch.pl on each generated patch: findings on
  lines a step carries unchanged (moved code, whose text exists in the
  parent, whitespace, a leading 'static' and a trailing ';' aside: moved
  code, a definition made visible, or a prototype line copied from its
  definition) are reported apart from findings on new
  lines, which must be none.
"""

import collections
import re
from pathlib import Path
from typing import Dict, List, Sequence

from . import kbuild
from .util import run

SPLIT_OBJECTS = ('arch/x86/kvm/mmu/mmu.o', 'arch/x86/kvm/mmu/shadow_mmu.o',
                 'arch/x86/kvm/debugfs.o')

_CHECKPATCH_LINE = re.compile(
    r'^(?P<patch>[^:]+):(?P<line>\d+): (?P<level>ERROR|WARNING|CHECK):'
    r'(?P<type>[A-Z_0-9]+): (?P<msg>.*)$')
_NUMBERS = re.compile(r'\d+')


def split_objects(src: Path) -> List[str]:
    """The objects of the split that exist in this revision."""
    return [o for o in SPLIT_OBJECTS if (src / o).with_suffix('.c').is_file()]


def sparse_key(w: kbuild.Warning) -> str:
    return _NUMBERS.sub('N', w.message)


def sparse_new(base: Sequence[kbuild.Warning],
               step: Sequence[kbuild.Warning]) -> List[str]:
    """Sparse warnings of step that base does not have, file aside."""
    have = collections.Counter(sparse_key(w) for w in base)
    new = []
    for w in step:
        k = sparse_key(w)
        if have[k]:
            have[k] -= 1
        else:
            new.append(str(w))
    return new


def _norm(line: str) -> str:
    """A line without whitespace, a leading 'static' and a trailing ';': a
    definition made visible, or a prototype's copy of its definition's
    signature line, is still the same line."""
    line = re.sub(r'^\s*static\s+', '', line)
    return re.sub(r'\s+', '', line).rstrip(';')


def _parent_lines(work: Path, parent: str, patch_text: str) -> set:
    """Every line of the parent's version of the files a patch touches."""
    lines = set()
    for path in re.findall(r'^--- a/(\S+)$', patch_text, re.M):
        p = run(['git', 'show', f'{parent}:{path}'], cwd=work, check=False)
        lines.update(_norm(l) for l in p.stdout.splitlines())
    for l in patch_text.splitlines():
        if l.startswith('-') and not l.startswith('---'):
            lines.add(_norm(l[1:]))
    return lines


def checkpatch(work: Path, patch: Path, parent: str) -> Dict:
    """Runs checkpatch on one patch, splitting new from carried findings."""
    p = run(['perl', 'scripts/checkpatch.pl', '--no-tree', '--terse',
             '--show-types', '--max-line-length=100', patch], cwd=work,
            check=False)
    patch_lines = patch.read_text(errors='replace').splitlines()
    carried_text = _parent_lines(work, parent, '\n'.join(patch_lines))
    new: List[str] = []
    carried: Dict[str, int] = collections.Counter()
    # the commit message is the tool's own text: its findings are new
    log_end = patch_lines.index('---') + 1 if '---' in patch_lines else 0
    for line in p.stdout.splitlines():
        m = _CHECKPATCH_LINE.match(line)
        if not m:
            continue
        n = int(m.group('line'))
        text = patch_lines[n - 1] if 0 < n <= len(patch_lines) else ''
        is_carried = n > log_end and (not text.startswith('+') or
                                      _norm(text[1:]) in carried_text)
        what = f'{m.group("level")}:{m.group("type")}'
        if is_carried:
            carried[what] += 1
        else:
            new.append(f'{patch.name}:{n}: {what}: {m.group("msg")} '
                       f'[{text[:70]}]')
    errors_new = sum(1 for x in new if ': ERROR:' in x)
    return {'new': new, 'errors_new': errors_new,
            'carried': dict(sorted(carried.items()))}
