# SPDX-License-Identifier: GPL-2.0
"""extract: hand-written steps that carve new functions out of old ones.

A step '=== NN extract FILE' reads FILE, a list of actions:

    extract FUNCTION            cut statements of FUNCTION into a new
      from TEXT                 function: the statement on the line that
      through TEXT              starts with TEXT (through the one starting
      new PROTOTYPE             with the other TEXT), the new function's
      result VARIABLE           prototype, the local it returns, and the
      to FILE                   file it goes to (default: beside FUNCTION)
    move NAME to FILE [before NAME]
    expose NAME                 drop 'static' (the prototype follows)

The statements travel byte for byte (kmove-split extract: only their
indentation changes); Coccinelle drops 'static' as everywhere else, and
export-checker --fix declares what became visible.  A function that the
step moved and that no other file uses becomes static again.  The verifier
is told every function the step touched; everything else must be
unchanged, and every comment of what it touched must survive.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

from . import edits
from . import steps
from .steps import Context, MMU_DIR
from .util import Trouble, run

_OPTIONS = ('from', 'through', 'new', 'result', 'to')


@dataclass
class Action:
    what: str                   # extract, move, expose
    name: str
    where: str                  # file:line of the spec
    opts: dict = field(default_factory=dict)


def read_spec(path: Path) -> List[Action]:
    """Parses an extract file; Trouble with file:line on a bad line."""
    actions: List[Action] = []
    for n, line in enumerate(path.read_text().splitlines(), 1):
        where = f'{path.name}:{n}'
        if not line.strip() or line.lstrip().startswith('#'):
            continue
        key, rest = (line.split(None, 1) + [''])[:2]
        rest = rest.strip()
        if key in _OPTIONS and line[0] in ' \t':
            if not actions or actions[-1].what != 'extract' or not rest:
                raise Trouble(f'{where}: "{key}" belongs under an '
                              '"extract FUNCTION" line')
            if key in actions[-1].opts:
                raise Trouble(f'{where}: "{key}" given twice')
            actions[-1].opts[key] = rest
        elif key == 'extract' and re.fullmatch(r'\w+', rest):
            actions.append(Action('extract', rest, where))
        elif key == 'expose' and re.fullmatch(r'\w+', rest):
            actions.append(Action('expose', rest, where))
        elif key == 'move' and re.fullmatch(
                r'\w+ to \S+( before \w+)?', rest):
            f = rest.split()
            actions.append(Action('move', f[0], where, {
                'to': f[2], 'before': f[4] if len(f) == 5 else None}))
        else:
            raise Trouble(f'{where}: expected "extract FUNCTION" (with '
                          'indented from/through/new/result/to lines), '
                          '"move NAME to FILE [before NAME]" or '
                          '"expose NAME"')
    for a in actions:
        if a.what == 'extract' and not {'from', 'new'} <= set(a.opts):
            raise Trouble(f'{a.where}: extract {a.name} needs "from" and '
                          '"new" lines')
    return actions


def _mmu_file(name: str) -> str:
    return name if '/' in name else f'{MMU_DIR}/{name}'


def _home(ctx: Context, name: str, where: str) -> str:
    """The .c file of arch/x86/kvm/mmu/ that defines function name."""
    homes = []
    for p in sorted((ctx.work / MMU_DIR).glob('*.c')):
        rel = str(p.relative_to(ctx.work))
        if not re.search(rf'\b{name}\s*\(', p.read_text()):
            continue
        for line in ctx.split('entities', str(p), '--compdb',
                              str(ctx.compdb), '--rel', rel).splitlines():
            f = line.split('\t')
            if f[1:3] == ['func', name]:
                homes.append(rel)
    if len(homes) != 1:
        raise Trouble(f'{where}: {len(homes)} definitions of {name}() in '
                      f'{MMU_DIR}')
    return homes[0]


def _new_name(proto: str) -> str:
    m = re.search(r'(\w+)\s*\(', proto)
    if not m:
        raise Trouble(f'"new {proto}" is not "TYPE NAME(PARAMS)"')
    return m.group(1)


def _split(ctx: Context, where: str, *args: str) -> str:
    """kmove-split; its error becomes Trouble naming the spec line."""
    p = run([ctx.bin / 'kmove-split', *args], cwd=ctx.work, check=False)
    if p.returncode:
        raise Trouble(f'{where}: ' + (p.stderr.strip().splitlines()
                                      or ['kmove-split failed'])[-1])
    return p.stdout


def _do_extract(ctx: Context, a: Action, items: List[str]) -> List[str]:
    src = _home(ctx, a.name, a.where)
    new = _new_name(a.opts['new'])
    args = ['extract', '--file', str(ctx.work / src), '--function', a.name,
            '--from', a.opts['from'], '--new', a.opts['new'],
            '--compdb', str(ctx.compdb), '--rel', src]
    for opt in ('through', 'result'):
        if opt in a.opts:
            args += [f'--{opt}', a.opts[opt]]
    out = _split(ctx, a.where, *args)
    lines = out.splitlines()
    locals_ = [l.split('\t')[1] for l in lines if l.startswith('local\t')]
    span = lines[0].split('\t')[2] if lines else ''
    dst = src
    if 'to' in a.opts and _mmu_file(a.opts['to']) != src:
        dst = _mmu_file(a.opts['to'])
        _split(ctx, a.where, 'move', '--from', src, '--to', dst, '--select',
               str(steps._write_selection(ctx, 'extract.sel',
                                          [f'func {new}'])))
    items.append(f'{new}() in {Path(dst).name}: {a.name}() {span} of '
                 f'{Path(src).name}' +
                 (f', with its local(s) {", ".join(locals_)}'
                  if locals_ else ''))
    return [a.name, new]


def _do_move(ctx: Context, a: Action, items: List[str]) -> List[str]:
    src = _home(ctx, a.name, a.where)
    dst = _mmu_file(a.opts['to'])
    if not (ctx.work / dst).is_file():
        raise Trouble(f"{a.where}: no file '{dst}'")
    args = ['move', '--from', src, '--to', dst, '--select',
            str(steps._write_selection(ctx, 'extract.sel',
                                       [f'func {a.name}']))]
    if a.opts.get('before'):
        args += ['--before', a.opts['before']]
    _split(ctx, a.where, *args)
    items.append(f'{a.name}() moved to {Path(dst).name}')
    return [a.name]


def _do_expose(ctx: Context, a: Action, items: List[str]) -> List[str]:
    home = _home(ctx, a.name, a.where)
    if not steps._defined_static(ctx, home, [a.name]):
        raise Trouble(f'{a.where}: {a.name}() is not static')
    steps._spatch(ctx, 'drop_static.cocci', [a.name], [home], 'drop-static')
    if steps._defined_static(ctx, home, [a.name]):
        raise Trouble(f'{a.where}: spatch left {a.name}() static')
    # the header prototype that export-checker adds supersedes this one
    if f'proto {a.name}' in steps._entity_keys(ctx, home):
        steps._move(ctx, [f'proto {a.name}'], home, None, 'drop-forward')
    items.append(f'{a.name}() made visible')
    return [a.name]


_ACTIONS = {'extract': _do_extract, 'move': _do_move, 'expose': _do_expose}


def extract(ctx: Context) -> Optional[List[str]]:
    """A hand-written step of new functions carved out of old ones."""
    if edits._skipped(ctx):
        return None
    spec = edits._sp_path(ctx, ctx.step['arg'])
    actions = read_spec(spec)
    items: List[str] = []
    touched: List[str] = []
    for a in actions:
        touched += _ACTIONS[a.what](ctx, a, items)
    moved = [a.name for a in actions if a.what == 'move']
    fixed = edits._export_fix(ctx, 'SHOULD_BE_STATIC')
    back = steps.local_only(ctx, moved)
    if back:
        steps.make_static(ctx, back)
        items += [f'{n}() static again in {Path(h).name}' for n, h in back]
    declared = ctx.step.get('attrs', {}).get('declare', '').split()
    edits._declare(ctx, sorted(set(touched + declared)))
    ctx.step['verify_args'].append('--keep-lines')
    return items + edits._fixed_items(fixed)


OPERATIONS = {'extract': extract}
