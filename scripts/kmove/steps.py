# SPDX-License-Identifier: GPL-2.0
"""The edits of the series, one function per OPERATION of series/*/steps.

Each edit works on the work clone only and returns the list of items it
touched (for the changelog and the report).  The byte-exact moves, the
analysis of what crosses the file boundary and the prototypes come from
kmove-split; 'static' edits of named definitions are semantic patches run
by spatch (semantic-patches/linkage/).
"""

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from .util import Trouble, run

MMU_DIR = 'arch/x86/kvm/mmu'
MMU_C = f'{MMU_DIR}/mmu.c'
SHADOW_C = f'{MMU_DIR}/shadow_mmu.c'
SHADOW_H = f'{MMU_DIR}/shadow_mmu.h'
INTERNAL_H = f'{MMU_DIR}/mmu_internal.h'
TEMPLATE_H = f'{MMU_DIR}/paging_tmpl.h'
KVM_MAKEFILE = 'arch/x86/kvm/Makefile'

_HEADER_OF = {'keep': INTERNAL_H, 'move': SHADOW_H}


@dataclass
class Plan:
    """What `kmove-split plan` said."""
    moves: List[str] = field(default_factory=list)
    places: List[tuple] = field(default_factory=list)    # (side, phase, key)
    exposes: List[tuple] = field(default_factory=list)   # (side, key, proto)
    templates: List[tuple] = field(default_factory=list)  # (side, macro, name, proto)
    unclassified: List[tuple] = field(default_factory=list)  # key, line, dest, why
    stale: List[str] = field(default_factory=list)
    leftovers: List[str] = field(default_factory=list)


@dataclass
class Context:
    """What every edit needs."""
    work: Path
    out: Path
    bin: Path
    project: Path
    manifest: Path
    compdb: Path
    paging_tmpl: str
    renames: Optional[Path] = None
    series: Path = Path('.')
    exposed: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    renamed: Dict[str, str] = field(default_factory=dict)
    leftovers: List[str] = field(default_factory=list)
    step: dict = field(default_factory=dict)     # the step being made

    def current_manifest(self) -> Path:
        """The manifest with the renames done so far applied to it."""
        if not self.renamed:
            return self.manifest
        lines = []
        for line in self.manifest.read_text().splitlines():
            f = line.split()
            if len(f) == 3 and not line.startswith('#') and f[2] in self.renamed:
                line = line[:line.rindex(f[2])] + self.renamed[f[2]]
            lines.append(line)
        path = self.out / 'tmp' / 'manifest.renamed'
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text('\n'.join(lines) + '\n')
        return path

    def split(self, *args: str, check: bool = True) -> str:
        """Runs kmove-split and returns its stdout."""
        return run([self.bin / 'kmove-split', *args], cwd=self.work,
                   check=check).stdout


def _unescape(text: str) -> str:
    return text.replace('\\n', '\n').replace('\\t', '\t')


def plan(ctx: Context, dest: str) -> Plan:
    """Runs kmove-split plan on the work clone's mmu.c."""
    text = ctx.split('plan', '--file', str(ctx.work / MMU_C), '--rel', MMU_C,
                     '--compdb', str(ctx.compdb),
                     '--manifest', str(ctx.current_manifest()), '--dest', dest)
    p = Plan()
    for line in text.splitlines():
        f = line.split('\t')
        if f[0] == 'move':
            p.moves.append(f[1])
        elif f[0] == 'place':
            p.places.append((f[1], f[2], f[3]))
        elif f[0] == 'expose':
            p.exposes.append((f[1], f[2], _unescape(f[3])))
        elif f[0] == 'template':
            p.templates.append((f[1], f[2], f[3], _unescape(f[4])))
        elif f[0] == 'unclassified':
            p.unclassified.append((f[1], f[2], f[3], f[4]))
        elif f[0] == 'leftover':
            p.leftovers.append(f'{f[1]} (mmu.c:{f[2]}): {f[3]}')
        elif f[0] == 'stale':
            p.stale.append(f'{f[2]} ({f[1]})')
    return p


def _write_selection(ctx: Context, name: str, keys: List[str]) -> Path:
    path = ctx.out / 'tmp' / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(''.join(k + '\n' for k in keys))
    return path


def _move(ctx: Context, keys: List[str], src: str, dst: Optional[str],
          tag: str) -> None:
    if not keys:
        return
    sel = _write_selection(ctx, f'{tag}.sel', keys)
    args = ['move', '--from', src, '--select', str(sel)]
    args += ['--to', dst] if dst else ['--delete']
    ctx.split(*args)


def _spatch(ctx: Context, cocci: str, names: List[str], files: List[str],
            tag: str) -> None:
    """Runs a linkage semantic patch with NAMES filled in, in place."""
    if not names:
        return
    template = (ctx.project / 'semantic-patches' / 'linkage' / cocci).read_text()
    sp = ctx.out / 'tmp' / f'{tag}.cocci'
    sp.parent.mkdir(parents=True, exist_ok=True)
    sp.write_text(template.replace('NAMES', ', '.join(sorted(set(names)))))
    for f in files:
        run(['spatch', '--very-quiet', '-D', 'patch', '--no-includes',
             '--in-place', '--sp-file', str(sp), f], cwd=ctx.work)


def _insert_before_guard_end(path: Path, text: str) -> None:
    """Adds text just before the include guard's closing #endif."""
    body = path.read_text()
    at = body.rstrip().rfind('\n#endif')
    if at < 0:
        raise Trouble(f"'{path}' has no include guard #endif")
    head = body[:at].rstrip('\n')
    path.write_text(head + '\n\n' + text.rstrip('\n') + '\n' + body[at:])


def _entity_keys(ctx: Context, path: str) -> set:
    """'KIND NAME' of every entity of a .c file of the work clone."""
    text = ctx.split('entities', str(ctx.work / path), '--compdb',
                     str(ctx.compdb), '--rel', path)
    return {' '.join(l.split('\t')[1:3]) for l in text.splitlines()}


def _defined_static(ctx: Context, path: str, names: List[str]) -> List[str]:
    text = ctx.split('entities', str(ctx.work / path), '--compdb',
                     str(ctx.compdb), '--rel', path) \
        if path.endswith('.c') else ''
    found = []
    for line in text.splitlines():
        f = line.split('\t')
        if len(f) > 3 and f[1] in ('func', 'var') and f[2] in names and \
                'static' in f[3]:
            found.append(f[2])
    return found


def _apply_exposure(ctx: Context, p: Plan) -> List[str]:
    """Header placements, static drops and prototypes of a plan."""
    items = []
    for phase in ('type',):
        for side in ('keep', 'move'):
            keys = [k for s, ph, k in p.places if s == side and ph == phase]
            _move(ctx, keys, MMU_C, _HEADER_OF[side], f'place-{side}-{phase}')
            items += [f'{k} -> {Path(_HEADER_OF[side]).name}' for k in keys]
    names = [k.split(' ', 1)[1] for _, k, _ in p.exposes]
    _spatch(ctx, 'drop_static.cocci', names, [MMU_C], 'drop-static')
    left = _defined_static(ctx, MMU_C, names)
    if left:
        raise Trouble('spatch left static: ' + ', '.join(left))
    # a header prototype supersedes a forward declaration in mmu.c
    protos = _entity_keys(ctx, MMU_C)
    _move(ctx, [f'proto {n}' for n in names if f'proto {n}' in protos],
          MMU_C, None, 'drop-forward')
    tmpl = [m for _, m, _, _ in p.templates]
    if tmpl:
        sel = _write_selection(ctx, 'unstatic.sel',
                               sorted({f'func {m}' for m in tmpl}))
        ctx.split('unstatic', TEMPLATE_H, str(sel))
    for side in ('keep', 'move'):
        protos = [pr for s, _, pr in p.exposes if s == side]
        protos += [pr for s, _, _, pr in p.templates if s == side]
        if protos:
            _insert_before_guard_end(ctx.work / _HEADER_OF[side],
                                     '\n'.join(protos) + '\n')
        items += [f'{k} (made visible in {Path(_HEADER_OF[side]).name})'
                  for s, k, _ in p.exposes if s == side]
        items += [f'{n} (made visible in {Path(_HEADER_OF[side]).name})'
                  for s, _, n, _ in p.templates if s == side]
    for side in ('keep', 'move'):
        keys = [k for s, ph, k in p.places if s == side and ph == 'code']
        _move(ctx, keys, MMU_C, _HEADER_OF[side], f'place-{side}-code')
        items += [f'{k} -> {Path(_HEADER_OF[side]).name}' for k in keys]
    ctx.exposed += names + [n for _, _, n, _ in p.templates]
    return items


def _add_make_object(work: Path) -> None:
    mk = work / KVM_MAKEFILE
    text = mk.read_text()
    if 'mmu/shadow_mmu.o' in text:
        return
    m = re.search(r'^kvm-y\s*\+=(?:.*\\\n)*.*mmu/mmu\.o(?:.*\\\n)*.*$', text,
                  re.M)
    if not m:
        m = re.search(r'^kvm-y\s*\+=.*mmu/mmu\.o.*$', text, re.M)
    if not m:
        raise Trouble(f"cannot find mmu/mmu.o in '{KVM_MAKEFILE}'")
    block = m.group(0)
    last = block.split('\n')[-1]
    indent = re.match(r'\s*', last).group(0) if '\n' in block else '\t\t\t   '
    if len(last.expandtabs()) + len(' mmu/shadow_mmu.o') <= 80:
        new = block + ' mmu/shadow_mmu.o'
    else:
        new = block + ' \\\n' + indent + 'mmu/shadow_mmu.o'
    mk.write_text(text[:m.start()] + new + text[m.end():])


def _is_template(directory: Path, include: str) -> bool:
    """A local header without an include guard is a template (paging_tmpl.h)."""
    m = re.match(r'#include\s+"([^"]+)"', include)
    if not m or not (directory / m.group(1)).is_file():
        return False
    text = (directory / m.group(1)).read_text(errors='replace')
    return not re.search(r'^#\s*define\s+\w+_H\b', text, re.M)


def add_files(ctx: Context) -> List[str]:
    """01: empty shadow_mmu.[ch], the Makefile line, mmu.c includes the header."""
    mmu = (ctx.work / MMU_C).read_text()
    includes = [l for l in mmu.splitlines() if l.startswith('#include') and
                not _is_template(ctx.work / MMU_DIR, l)]
    if not includes:
        raise Trouble(f"no #include lines in '{MMU_C}'")
    c_lines = ['// SPDX-License-Identifier: GPL-2.0', '']
    for l in includes:
        c_lines.append(l)
        if l == '#include "mmu_internal.h"':
            c_lines.append('#include "shadow_mmu.h"')
    (ctx.work / SHADOW_C).write_text('\n'.join(c_lines) + '\n')
    (ctx.work / SHADOW_H).write_text(
        '/* SPDX-License-Identifier: GPL-2.0 */\n'
        '#ifndef __KVM_X86_MMU_SHADOW_MMU_H\n'
        '#define __KVM_X86_MMU_SHADOW_MMU_H\n\n'
        '#include <linux/kvm_host.h>\n\n'
        '#include "mmu_internal.h"\n\n'
        '#endif /* __KVM_X86_MMU_SHADOW_MMU_H */\n')
    anchor = '#include "mmu_internal.h"\n'
    if anchor not in mmu:
        raise Trouble(f"cannot find '{anchor.strip()}' in '{MMU_C}'")
    (ctx.work / MMU_C).write_text(
        mmu.replace(anchor, anchor + '#include "shadow_mmu.h"\n', 1))
    _add_make_object(ctx.work)
    return [SHADOW_C, SHADOW_H, f'{KVM_MAKEFILE}: mmu/shadow_mmu.o',
            f'{MMU_C}: #include "shadow_mmu.h"']


def _classify(ctx: Context, p: Plan) -> None:
    """Writes the manifest with the functions it does not name classified
    from the call graph (kmove-split plan says why), for review in
    OUT/manifest.classified, and makes it the manifest of the next steps."""
    lines = [ctx.manifest.read_text().rstrip('\n'), '',
             '# Classified by kmove from the call graph and the data they '
             'touch; review:']
    for key, line, dest, why in p.unclassified:
        lines += [f'# mmu.c:{line}: {why}', f'{dest} {key}']
        ctx.notes.append(f'classified: {key} (mmu.c:{line}) -> {dest}: {why}')
    path = ctx.out / 'manifest.classified'
    path.write_text('\n'.join(lines) + '\n')
    ctx.manifest = path


def _report_stale(ctx: Context, p: Plan) -> None:
    """Stale entries, each with the closest name among the functions the
    manifest does not name (a renamed function is one of them)."""
    new = [k.split(' ', 1)[1] for k, _, _, _ in p.unclassified]
    for s in p.stale:
        name = s.split(' ')[1]
        close = difflib.get_close_matches(name, new, n=1, cutoff=0.75)
        ctx.notes.append(f'stale manifest entry: {s}' +
                         (f', closest new function by name: {close[0]}' if close
                          else ', no new function has a close name'))


def expose(ctx: Context) -> List[str]:
    """02: make visible what crosses between the Shadow MMU and mmu.c."""
    p = plan(ctx, 'shadow')
    _report_stale(ctx, p)
    if p.unclassified:
        _classify(ctx, p)
        p = plan(ctx, 'shadow')
    return _apply_exposure(ctx, p)


def move(ctx: Context) -> List[str]:
    """03: the pure move of the Shadow MMU."""
    p = plan(ctx, 'shadow')
    if p.exposes or p.places or p.templates:
        raise Trouble('the move still needs exposures: run the expose step first')
    _move(ctx, p.moves, MMU_C, SHADOW_C, 'move')
    ctx.leftovers = p.leftovers
    return [f'{len(p.moves)} entities moved']


def expose_paging(ctx: Context) -> Optional[List[str]]:
    """04: make visible what the paging_tmpl.h instantiations cross."""
    if ctx.paging_tmpl != 'shadow':
        return None
    p = plan(ctx, 'paging')
    return _apply_exposure(ctx, p)


def move_paging(ctx: Context) -> Optional[List[str]]:
    """05: move the paging_tmpl.h instantiations to shadow_mmu.c."""
    if ctx.paging_tmpl != 'shadow':
        return None
    p = plan(ctx, 'paging')
    if p.exposes or p.places or p.templates:
        raise Trouble('the paging move still needs exposures')
    _move(ctx, p.moves, MMU_C, SHADOW_C, 'move-paging')
    return [f'{k}' for k in p.moves]


def restatic(ctx: Context) -> Optional[List[str]]:
    """06: static again what no longer crosses a file boundary."""
    names = sorted(set(n for n in ctx.exposed if not n.startswith(('paging', 'ept_'))))
    back = local_only(ctx, names)
    if not back:
        return None
    make_static(ctx, back)
    return [f'{n} (static again in {Path(h).name})' for n, h in back]


def local_only(ctx: Context, names: List[str]) -> List[Tuple[str, str]]:
    """(name, home file) for each name that only its home file uses."""
    if not names:
        return []
    kvm = ctx.work / 'arch/x86/kvm'
    files = sorted(str(p.relative_to(ctx.work)) for p in kvm.rglob('*.[ch]'))
    sel = _write_selection(ctx, 'users.sel', names)
    text = ctx.split('users', str(sel), *files)
    tmpl_home = SHADOW_C if ctx.paging_tmpl == 'shadow' else MMU_C
    back = []
    for line in text.splitlines():
        f = line.split('\t')
        homes = {u[4:] for u in f[1:] if u.startswith('def=')}
        users = {tmpl_home if u == TEMPLATE_H else u for u in f[1:]
                 if not u.startswith('def=')}
        # a header that uses the name (a macro, an inline body) keeps it visible
        if len(homes) == 1 and users <= homes:
            back.append((f[0], homes.pop()))
    return back


def make_static(ctx: Context, back: List[Tuple[str, str]]) -> None:
    """Makes each (name, home file) static: the prototypes leave the
    headers, the definition gets 'static', and a static forward
    declaration is added where the file uses the name before defining it."""
    # the prototypes go first: a static definition after one is an error
    for header in (SHADOW_H, INTERNAL_H):
        text = ctx.split('entities', header)
        keys = [f'proto {n}' for n, _ in back
                if any(l.split('\t')[1:3] == ['proto', n] for l in text.splitlines())]
        _move(ctx, keys, header, None, 'restatic-' + Path(header).stem)
    for home in sorted({h for _, h in back}):
        mine = [n for n, h in back if h == home]
        _spatch(ctx, 'add_static.cocci', mine, [home], 'add-static')
        missed = set(mine) - set(_defined_static(ctx, home, mine))
        if missed:
            raise Trouble('spatch did not make static: ' + ', '.join(sorted(missed)))
        sel = _write_selection(ctx, 'declare.sel', mine)
        declared = ctx.split('declare', home, str(sel)).split()
        ctx.notes += [f'{n}: static forward declaration in {home}' for n in declared]


OPERATIONS = {
    'add-files': add_files,
    'expose': expose,
    'move': move,
    'expose-paging': expose_paging,
    'move-paging': move_paging,
    'restatic': restatic,
}
