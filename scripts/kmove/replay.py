# SPDX-License-Identifier: GPL-2.0
"""kmove replay: redo an existing move on another base.

A maintainer holding a hand-made move (or the move of an earlier kmove
run) derives from it what the series needs: move-verifier compares the
move's base (FROM, default COMMIT^) with COMMIT and pairs every entity, so

  manifest  every entity of mmu.c the move took to shadow_mmu.[ch] is
            'shadow', every function it left in mmu.c is 'common', the
            paging_tmpl.h instantiations are 'paging';
  exposures the functions it made visible (for review: kmove computes the
            exposures of the new base itself and says where they differ);
  renames   what it renamed on the way (a move should not; if it did, the
            replay renames first, in a step of its own).

All three are written to OUT/derived/ and printed, then the steps up to
and including the move run on the new base (ONTO of ONTO_KERNEL, or the
Debian source of KVERSION) with the derived manifest, built, gated and
verified like any series.
"""

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Dict, List, Optional

from . import base as kbase
from . import kbuild
from . import series as kseries
from .util import Trouble, die, log, run

_PROJECT = Path(__file__).resolve().parents[2]
MMU_C = 'arch/x86/kvm/mmu/mmu.c'
_SHADOW = ('arch/x86/kvm/mmu/shadow_mmu.c', 'arch/x86/kvm/mmu/shadow_mmu.h')


def _flags_tree(kernel: str, rev: str, out: Path) -> Path:
    """compile_commands.json of rev, built under out (the tree is only read)."""
    b = kbase.resolve_base(kernel, rev, '', out, _PROJECT)
    work = kbase.make_work_clone(b, out / 'work', branch='kmove/replay')
    build = out / 'build'
    kbuild.configure(work, build)
    kbuild.prepare(work, build)
    kbuild.build_kvm(work, build)
    return kbuild.compile_commands(work, build).parent


def _paging(kind: str, name: str) -> bool:
    return (kind == 'include' and 'paging_tmpl.h' in name) or \
        (kind in ('macro', 'undef') and name.startswith('PTTYPE'))


def derive(data: dict) -> Dict[str, List[str]]:
    """Manifest lines, exposures and renames from the verifier's JSON."""
    manifest, seen = [], set()
    for m in data.get('matched', []):
        src, dst = m['from'].rsplit(':', 1)[0], m['to'].rsplit(':', 1)[0]
        kind, name = m['kind'], m['name']
        if src != MMU_C or not name or kind in ('comment', 'cond'):
            continue
        if _paging(kind, name):
            dest = 'paging'
        elif dst in _SHADOW:
            dest = 'shadow'
        elif dst == MMU_C and kind == 'func':
            dest = 'common'
        else:
            continue
        line = f'{dest} {kind} {name}'
        if line not in seen:
            seen.add(line)
            manifest.append(line)
    notes = [f for f in data.get('findings', []) if f['severity'] == 'note']
    exposed = sorted({f['symbol'] for f in notes if f['type'] == 'EXPOSED'})
    renames = []
    for f in notes:
        if f['type'] == 'RENAMED':
            m = re.match(r"'(\w+)' renamed to '(\w+)'", f['message'])
            if m:
                renames.append(f'{m.group(1)} {m.group(2)} 00')
    return {'manifest': manifest, 'exposed': exposed, 'renames': renames}


def _write_derived(out: Path, d: Dict[str, List[str]], kernel: str, frm: str,
                   commit: str) -> Dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    head = (f'# Derived by kmove replay from {kernel}: {frm}..{commit}\n')
    paths = {'manifest': out / 'manifest', 'exposed': out / 'exposed',
             'renames': out / 'renames'}
    paths['manifest'].write_text(head + '# DEST KIND NAME\n' +
                                 ''.join(l + '\n' for l in d['manifest']))
    paths['exposed'].write_text(head + '# functions the move made visible\n' +
                                ''.join(l + '\n' for l in d['exposed']))
    paths['renames'].write_text(head + '# old new STEP\n' +
                                ''.join(l + '\n' for l in d['renames']))
    return paths


def _replay_series(out: Path, series: Path, renames: bool) -> Path:
    """The project's series up to the move, with a rename step first if
    the move renamed anything."""
    steps = kseries.read_steps(series / 'steps')
    upto = [s for s in steps if s['op'] in ('add-files', 'expose', 'move')]
    if not any(s['op'] == 'move' for s in upto):
        raise Trouble(f'{series}/steps has no move step')
    text = []
    if renames:
        text += ['=== 00 rename', 'KVM: x86/MMU: Rename what the replayed '
                 'move renamed', '', 'Renames taken from the move that is '
                 'replayed, made before it.', '', '{items}', '',
                 'No functional change intended.', '']
    raw = (series / 'steps').read_text()
    for s in upto:
        m = re.search(rf'^=== {s["n"]} {s["op"]}\n(.*?)(?=^=== |\Z)', raw,
                      re.M | re.S)
        text.append(f'=== {s["n"]} {s["op"]}\n{m.group(1).rstrip()}\n')
    sdir = out / 'series-def'
    sdir.mkdir(parents=True, exist_ok=True)
    (sdir / 'steps').write_text('\n'.join(text) + '\n')
    return sdir


def _compare_exposures(out: Path, derived: List[str]) -> List[str]:
    try:
        report = json.loads((out / 'report.json').read_text())
    except (OSError, ValueError):
        return []
    made = set()
    for s in report.get('steps', []):
        for item in s.get('items', []):
            m = re.match(r'(?:func|var) (\S+) \(made visible', item)
            if m:
                made.add(m.group(1))
    notes = [f'exposed by the replayed move, not by the replay: {n}'
             for n in sorted(set(derived) - made)]
    notes += [f'exposed by the replay, not by the replayed move: {n}'
              for n in sorted(made - set(derived))]
    return notes


def run_replay(args: argparse.Namespace) -> int:
    out = Path(args.out).resolve()
    frm = args.frm or f'{args.commit}^'
    for rev in (frm, args.commit):
        kbase.resolve_base(args.kernel, rev, '', out / 'derive', _PROJECT)
    log(f'replay: deriving the move {frm}..{args.commit} of {args.kernel}')
    compdb = _flags_tree(args.kernel, frm, out / 'derive')
    p = run([Path(args.bin).resolve() / 'move-verifier', '--tree', args.kernel,
             '--from', frm, '--to', args.commit, '--compdb', compdb,
             '--workdir', out / 'derive' / 'revs', '--format=json'],
            check=False)
    if p.returncode == 2:
        raise Trouble('move-verifier: ' +
                      (p.stderr.strip().splitlines() or ['failed'])[-1])
    data = json.loads(p.stdout)
    errors = [f for f in data['findings'] if f['severity'] == 'error']
    d = derive(data)
    if not any(l.startswith('shadow ') for l in d['manifest']):
        raise Trouble(f'{args.commit} moves nothing out of {MMU_C}')
    paths = _write_derived(out / 'derived', d, args.kernel, frm, args.commit)
    print(f'derived from {frm}..{args.commit}: '
          f'{sum(l.startswith("shadow ") for l in d["manifest"])} entities '
          f'moved, {sum(l.startswith("common ") for l in d["manifest"])} '
          f'functions kept, {len(d["exposed"])} made visible, '
          f'{len(d["renames"])} renamed')
    for name, path in paths.items():
        print(f'  {name}: {path}')
    for f in errors:
        print(f'  the replayed move itself: {f["file"]}:{f["line"]}: '
              f'{f["type"]}: {f["message"]}')
    sdir = _replay_series(out / 'derived', Path(args.series).resolve()
                          if Path(args.series).is_absolute() else
                          _PROJECT / args.series, bool(d['renames']))
    sargs = argparse.Namespace(
        out=str(out / 'series'), series=str(sdir),
        kernel=args.onto_kernel or (args.kernel if args.onto else None),
        base=args.onto, kversion=args.kversion,
        manifest=str(paths['manifest']), renames=str(paths['renames']),
        skip=None, paging_tmpl='shadow', bin=args.bin, gates=args.gates)
    status = kseries.run_series(sargs)
    for n in _compare_exposures(out / 'series', d['exposed']):
        print(f'  {n}')
    return status


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(
        prog='kmove replay', description=__doc__.splitlines()[0])
    parser.add_argument('--out', default='out/replay', help='output directory')
    parser.add_argument('--kernel', required=True,
                        help='kernel git tree holding the move')
    parser.add_argument('--commit', required=True, help='the move commit')
    parser.add_argument('--from', dest='frm',
                        help='the base of the move (default COMMIT^)')
    parser.add_argument('--onto', help='the new base (a revision of '
                        '--onto-kernel, default of --kernel)')
    parser.add_argument('--onto-kernel', dest='onto_kernel',
                        help='the tree of the new base')
    parser.add_argument('--kversion', default='6.12',
                        help='without --onto: the Debian source to replay on')
    parser.add_argument('--series', default='series/shadow-mmu')
    parser.add_argument('--bin', default='out/bin', help='kmove tools')
    parser.add_argument('--gates', default='clang,sparse,checkpatch,exports')
    args = parser.parse_args(argv)
    if args.onto_kernel and not args.onto:
        parser.error('--onto-kernel needs --onto')
    try:
        sys.exit(run_replay(args))
    except Trouble as err:
        die(err)
