# SPDX-License-Identifier: GPL-2.0
"""kmove series: regenerate the Shadow MMU split as a proven patch series.

For each step of series/<name>/steps: edit the work clone, commit, build
arch/x86/kvm with W=1 (no new warning over the base), run move-verifier
between the step and its parent (and between the base and the big move),
then write the series with git format-patch, the move manifest and the
report.
"""

import argparse
import collections
import hashlib
import json
import os
import re
import shlex
import sys
import textwrap
import time
from pathlib import Path
from typing import Dict, List, Optional

from . import base as kbase
from . import edits as kedits
from . import extract as kextract
from . import gates as kgates
from . import kbuild
from . import steps as ksteps
from .util import Timer, Trouble, die, log, run

_PROJECT = Path(__file__).resolve().parents[2]


OPERATIONS = {**ksteps.OPERATIONS, **kedits.OPERATIONS,
              **kextract.OPERATIONS}
_NEEDS_ARG = ('cocci', 'patch', 'extract')
_ATTRS = ('declare', 'skip-unless')


def _step_header(path: Path, lineno: int, line: str) -> dict:
    f = line.split()
    if len(f) not in (3, 4) or f[2] not in OPERATIONS or \
            (len(f) == 4) != (f[2] in _NEEDS_ARG):
        raise Trouble(f'{path}:{lineno}: expected "=== NN OPERATION" (or '
                      f'"=== NN cocci|patch|extract FILE") with OPERATION one of '
                      f'{", ".join(OPERATIONS)}')
    return {'n': f[1], 'op': f[2], 'arg': f[3] if len(f) == 4 else None,
            'attrs': {}, 'lines': []}


def read_steps(path: Path) -> List[dict]:
    """Parses series/<name>/steps: '=== NN OPERATION [FILE]', '@attr value'
    lines, subject, body."""
    result = []
    cur = None
    for lineno, line in enumerate(path.read_text().splitlines(), 1):
        if line.startswith('=== '):
            cur = _step_header(path, lineno, line)
            result.append(cur)
        elif cur is not None and line.startswith('@') and not \
                any(l.strip() for l in cur['lines']):
            key, _, value = line[1:].partition(' ')
            if key not in _ATTRS:
                raise Trouble(f'{path}:{lineno}: unknown attribute @{key} '
                              f'(known: {", ".join(_ATTRS)})')
            cur['attrs'][key] = (cur['attrs'].get(key, '') + ' ' +
                                 value.strip()).strip()
        elif cur is not None:
            cur['lines'].append(line)
    if len({s['n'] for s in result}) != len(result):
        raise Trouble(f'{path}: two steps have the same number')
    for s in result:
        lines = s.pop('lines')
        while lines and not lines[0].strip():
            lines.pop(0)
        if not lines:
            raise Trouble(f'{path}: step {s["n"]} has no subject')
        s['subject'] = lines[0].strip()
        s['body'] = '\n'.join(lines[1:]).strip() + '\n'
    if not result:
        raise Trouble(f'{path}: no steps')
    return result


def _identity(work: Path) -> Dict[str, str]:
    def cfg(key: str, default: str) -> str:
        p = run(['git', 'config', key], cwd=work, check=False)
        return p.stdout.strip() or default
    name = os.environ.get('KMOVE_AUTHOR_NAME') or cfg('user.name', 'kmove')
    email = os.environ.get('KMOVE_AUTHOR_EMAIL') or cfg('user.email', 'kmove@invalid')
    return {'name': name, 'email': email}


def _commit(work: Path, who: Dict[str, str], subject: str, body: str) -> str:
    env = {'GIT_AUTHOR_NAME': who['name'], 'GIT_AUTHOR_EMAIL': who['email'],
           'GIT_COMMITTER_NAME': who['name'],
           'GIT_COMMITTER_EMAIL': who['email']}
    run(['git', 'add', '-A', '-f', 'arch/x86/kvm'], cwd=work)
    msg = f'{subject}\n\n{body}\nSigned-off-by: {who["name"]} <{who["email"]}>\n'
    run(['git', 'commit', '-q', '--no-verify', '-F', '-'], cwd=work, env=env,
        stdin=msg)
    return run(['git', 'rev-parse', 'HEAD'], cwd=work).stdout.strip()


def _verify(bin_dir: Path, work: Path, frm: str, to: str, compdb: Path,
            wd: Path, manifest: Optional[Path] = None,
            extra: Optional[List[str]] = None) -> dict:
    args = [bin_dir / 'move-verifier', '--tree', work, '--from', frm,
            '--to', to, '--compdb', compdb, '--workdir', wd, '--format=json']
    args += extra or []
    if manifest:
        args += ['--manifest', manifest]
    p = run(args, check=False)
    if p.returncode == 2:
        return {'status': 'error', 'message': p.stderr.strip().splitlines()[-1:]}
    data = json.loads(p.stdout)
    errors = [f for f in data['findings'] if f['severity'] == 'error']
    return {'status': 'clean' if p.returncode == 0 else 'findings',
            'findings': errors, 'counts': data.get('counts', {}),
            'matched': len(data.get('matched', []))}


def _exports(bin_dir: Path, work: Path, compdb: Path, base: str) -> dict:
    """export-checker on the work tree as it is (the step's commit)."""
    p = run([bin_dir / 'export-checker', '--dir', work, '--compdb', compdb,
             '--baseline', base, '--format=json'], check=False)
    if p.returncode == 2:
        return {'status': 'error',
                'message': p.stderr.strip().splitlines()[-1:]}
    data = json.loads(p.stdout)
    return {'status': 'clean' if p.returncode == 0 else 'findings',
            'findings': data['findings']}


def _export_gate(base: dict, now: dict, last: bool) -> dict:
    """export-checker findings of a step that the base did not have.

    SHOULD_BE_STATIC is expected before the last step: the series declares
    the new API one step before the code that uses it moves (02, 04), and a
    move leaves exposed what no longer crosses until the clean-up step (06)
    makes it static again.  At the last step it is a finding like any other.
    """
    """export-checker findings of a step that the base did not have."""
    if now['status'] == 'error':
        return {'status': 'error', 'findings': [], 'message': now['message']}
    had = collections.Counter((f['type'], f['symbol']) for f in base['findings'])
    new, expected = [], []
    for f in now['findings']:
        key = (f['type'], f['symbol'])
        if had[key]:
            had[key] -= 1
        elif f['type'] == 'SHOULD_BE_STATIC' and not last:
            expected.append(f)
        else:
            new.append(f)
    return {'status': 'findings' if new else 'clean', 'findings': new,
            'left_for_cleanup': len(expected),
            'carried_from_base': len(base['findings'])}


def _items_text(items: List[str]) -> str:
    """The items of a changelog, wrapped to 72 columns."""
    if len(items) > 40:
        return f'{len(items)} items; see the commit diff.'
    return '\n'.join(textwrap.fill(i, 72, initial_indent='  ',
                                   subsequent_indent='    ',
                                   break_long_words=False,
                                   break_on_hyphens=False) for i in items)


def _cover_letter(out: Path, steps: List[dict], cmd: str, b,
                  notes: List[str]) -> None:
    covers = sorted((out / 'series').glob('0000-*.patch'))
    if not covers:
        return
    text = covers[0].read_text()
    lines = ['Regenerated by kmove: every step builds arch/x86/kvm (KVM=m, '
             'KVM_INTEL=m,', 'KVM_AMD=m, KVM_WERROR=y) with W=1 and no new '
             'warning, and move-verifier', 'proves each step lost and changed '
             'nothing but what it declares.', '',
             f'Base: {b.commit} (linux {b.version})', '']
    moved = collections.Counter()
    mf = out / 'manifest.txt'
    if mf.is_file():
        for line in mf.read_text().splitlines():
            if line and not line.startswith('#'):
                moved[line.split()[0]] += 1
    if moved:
        lines += ['Moved by the series, by kind (out/manifest.txt lists each '
                  'entity):', '  ' + ', '.join(f'{n} {k}' for k, n in
                                            sorted(moved.items())), '']
    for i, s in enumerate(steps, 1):
        v = s.get('verify', {})
        lines.append(f'  {i:02d}/{len(steps):02d} {s["subject"]}')
        lines.append(f'     step {s["n"]} ({s["op"]}): build '
                     f'{"ok" if s["build"]["ok"] else "FAILED"}, '
                     f'new W=1 warnings: {len(s["build"]["new_warnings"])}, '
                     f'verify: {v.get("status")}')
    skipped = [n for n in notes if re.match(r'step \d+ skipped: ', n)]
    if skipped:
        lines += ['', 'Steps of the series definition not needed on this base:']
        for n in skipped:
            lines += textwrap.wrap(n, 72, initial_indent='  ',
                                   subsequent_indent='    ')
    lines += ['', 'Regenerate with:', f'  {cmd}', '']
    text = text.replace('*** SUBJECT HERE ***',
                        'KVM: x86/MMU: Formalize the Shadow MMU')
    text = text.replace('*** BLURB HERE ***', '\n'.join(lines))
    covers[0].write_text(text)


def _completeness(ctx: ksteps.Context) -> List[str]:
    """Functions left in mmu.c at the end of the series that look like the
    Shadow MMU's (kmove-split leftovers), in the form plan gives them."""
    if not (ctx.work / ksteps.SHADOW_C).is_file():
        return []
    out = []
    for line in ctx.split('leftovers', ksteps.MMU_C, ksteps.SHADOW_C).splitlines():
        f = line.split('\t')
        if len(f) == 4 and f[0] == 'leftover':
            out.append(f'{f[1]} (mmu.c:{f[2]}): {f[3]}')
    return out


def _write_report(out: Path, report: dict) -> None:
    (out / 'report.json').write_text(json.dumps(report, indent=2,
                                                sort_keys=True) + '\n')
    t = [f'kmove report', f'base: {report["base"]["kernel"]} '
         f'{report["base"]["commit"]} ({report["base"]["version"]})',
         f'worktree: {report["worktree"]}', '']
    for s in report['steps']:
        b, v = s['build'], s['verify']
        t.append(f'{s["n"]} {s["subject"]}')
        t.append(f'   commit {s["commit"]}  {s["seconds"]:.1f}s')
        t.append(f'   build: {"ok" if b["ok"] else "FAILED"}, new warnings: '
                 f'{len(b["new_warnings"])}')
        for w in b['new_warnings'][:20]:
            t.append(f'     {w}')
        for name, g in sorted(s.get('gates', {}).items()):
            if name == 'checkpatch':
                t.append(f'   checkpatch: {len(g["new"])} on new lines, carried: '
                         + (', '.join(f'{k} {n}' for k, n in g['carried'].items())
                            or 'none'))
                for x in g['new'][:20]:
                    t.append(f'     {x}')
            else:
                t.append(f'   {name}: {"ok" if g.get("ok", True) else "FAILED"}, '
                         f'new warnings: {len(g["new_warnings"])}')
                for w in g['new_warnings'][:20]:
                    t.append(f'     {w}')
        e = s['exports']
        t.append(f'   exports: {e["status"]} ({len(e.get("findings", []))} new findings'
                 + (f', {e["left_for_cleanup"]} SHOULD_BE_STATIC left for the clean-up step'
                    if e.get('left_for_cleanup') else '') + ')')
        for f in e.get('findings', [])[:20]:
            t.append(f'     {f["file"]}:{f["line"]}: {f["type"]}: {f["message"]}')
        t.append(f'   verify: {v["status"]} ({len(v.get("findings", []))} findings)')
        for f in v.get('findings', [])[:20]:
            t.append(f'     {f["file"]}:{f["line"]}: {f["type"]}: {f["message"]}')
    if report.get('completeness'):
        t += ['', 'completeness: code left in mmu.c after the last step that '
              'looks like Shadow MMU code (review; move it, or split the '
              f'function; {len(report.get("completeness_at_move", []))} at '
              'the move):']
        t += [f'  {n}' for n in report['completeness']]
    if report.get('notes'):
        t += ['', 'notes:'] + [f'  {n}' for n in report['notes']]
    t += ['', f'status: {report["status"]}']
    (out / 'report.txt').write_text('\n'.join(t) + '\n')


def _fingerprint(args: argparse.Namespace, b, manifest: Path,
                 series_dir: Path, bin_dir: Path) -> str:
    """Everything the series depends on: base, definition, tools, options."""
    h = hashlib.sha256()
    h.update(f'{b.commit} {args.paging_tmpl} {args.gates}\n'.encode())
    h.update(f'{args.skip} {args.renames}\n'.encode())
    files = [manifest, *sorted(p for p in series_dir.rglob('*') if p.is_file()),
             *sorted((_PROJECT / 'semantic-patches').rglob('*.cocci')),
             *sorted(Path(__file__).parent.glob('*.py')),
             bin_dir / 'kmove-split', bin_dir / 'move-verifier',
             bin_dir / 'export-checker']
    for f in files:
        if f.is_file():
            h.update(f.name.encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def _up_to_date(out: Path, fingerprint: str) -> bool:
    """The previous run had the same inputs, passed, and left its output."""
    try:
        old = json.loads((out / 'report.json').read_text())
    except (OSError, ValueError):
        return False
    if old.get('fingerprint') != fingerprint or old.get('status') != 'ok':
        return False
    if not old.get('steps') or not (out / 'series').is_dir():
        return False
    head = run(['git', 'rev-parse', 'HEAD'], cwd=old['worktree'],
               check=False).stdout.strip()
    return head == old['steps'][-1]['commit']


def run_series(args: argparse.Namespace) -> int:
    timer = Timer()
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    series_dir = (_PROJECT / args.series).resolve()
    manifest = Path(args.manifest).resolve() if args.manifest else \
        series_dir / 'manifest'
    if not manifest.is_file():
        raise Trouble(f"cannot find manifest '{manifest}'")
    step_defs = read_steps(series_dir / 'steps')
    skip = set(args.skip.replace(',', ' ').split()) if args.skip else set()
    unknown = skip - {s['n'] for s in step_defs}
    if unknown:
        raise Trouble(f'no step {", ".join(sorted(unknown))} in {series_dir}/steps')
    step_defs = [s for s in step_defs if s['n'] not in skip]
    renames = Path(args.renames).resolve() if args.renames else \
        series_dir / 'renames'
    if renames.is_file():
        kedits.read_renames(renames)
    bin_dir = Path(args.bin).resolve()

    with timer.stage('base'):
        b = kbase.resolve_base(args.kernel, args.base, args.kversion, out,
                               _PROJECT, timer=timer)
    fingerprint = _fingerprint(args, b, manifest, series_dir, bin_dir)
    if _up_to_date(out, fingerprint):
        log(f'nothing changed since the last run: {out / "report.txt"}')
        return 0
    with timer.stage('work clone'):
        work = kbase.make_work_clone(b, out / 'work')
    build = out / 'build'
    with timer.stage('configure'):
        kbuild.configure(work, build)
    with timer.stage('prepare'):
        kbuild.prepare(work, build)
    with timer.stage('build base'):
        base_build = kbuild.build_kvm(work, build)
    if not base_build.ok:
        raise Trouble(f'the base does not build: see {base_build.log_path}')
    base_warnings = list(base_build.warnings)
    with timer.stage('compile_commands'):
        compdb = kbuild.compile_commands(work, build).parent
    use = set(args.gates.split(',')) if args.gates else set()
    llvm_build = out / 'build-llvm'
    base_llvm = base_sparse = None
    if 'clang' in use:
        with timer.stage('clang configure+prepare'):
            kbuild.configure(work, llvm_build, llvm=True)
            kbuild.prepare(work, llvm_build)
        with timer.stage('clang build base'):
            base_llvm = kbuild.build_kvm(work, llvm_build, llvm=True)
        if not base_llvm.ok:
            raise Trouble(f'the base does not build with clang: see {base_llvm.log_path}')
    base_exports = None
    if 'exports' in use:
        with timer.stage('exports base'):
            base_exports = _exports(bin_dir, work, compdb, b.commit)
        if base_exports['status'] == 'error':
            raise Trouble('export-checker failed on the base: '
                          + ' '.join(base_exports.get('message', [])))
    if 'sparse' in use:
        with timer.stage('sparse base'):
            base_sparse = kbuild.sparse_check(work, build,
                                              kgates.split_objects(work))

    ctx = ksteps.Context(work=work, out=out, bin=bin_dir, project=_PROJECT,
                         manifest=manifest, compdb=compdb,
                         paging_tmpl=args.paging_tmpl, renames=renames,
                         series=series_dir)
    who = _identity(work)
    done = []
    parent = b.commit
    failed = False
    for sd in step_defs:
        t0 = time.monotonic()
        ctx.step = sd
        with timer.stage(f'step {sd["n"]} edit'):
            items = OPERATIONS[sd['op']](ctx)
        if items is None:
            log(f'step {sd["n"]} ({sd["op"]}): nothing to do, skipped')
            continue
        body = sd['body'].replace('{items}', _items_text(items))
        commit = _commit(work, who, sd['subject'], body)
        with timer.stage(f'step {sd["n"]} build'):
            res = kbuild.build_kvm(work, build)
        new = kbuild.new_warnings(base_warnings, res.warnings)
        gate = {}
        if base_llvm is not None and res.ok:
            with timer.stage(f'step {sd["n"]} clang'):
                lres = kbuild.build_kvm(work, llvm_build, llvm=True)
            gate['clang'] = {'ok': lres.ok, 'new_warnings': [
                str(w) for w in kbuild.new_warnings(base_llvm.warnings,
                                                    lres.warnings)]}
        exports = {'status': 'not run', 'findings': []}
        if base_exports is not None and res.ok:
            with timer.stage(f'step {sd["n"]} exports'):
                exports = _export_gate(base_exports,
                                       _exports(bin_dir, work, compdb, b.commit),
                                       sd is step_defs[-1])
        if base_sparse is not None and res.ok:
            with timer.stage(f'step {sd["n"]} sparse'):
                sw = kbuild.sparse_check(work, build,
                                         kgates.split_objects(work))
            gate['sparse'] = {'new_warnings': kgates.sparse_new(base_sparse, sw),
                              'warnings': len(sw)}
        with timer.stage(f'step {sd["n"]} verify'):
            v = _verify(bin_dir, work, parent, commit, compdb,
                        out / 'verify' / sd['n'], None, sd.get('verify_args'))
            if sd['op'] == 'move':
                v['from_base'] = _verify(bin_dir, work, b.commit, commit,
                                         compdb, out / 'verify' / 'base',
                                         out / 'manifest.txt')['status']
        step = {'n': sd['n'], 'op': sd['op'], 'subject': sd['subject'],
                'commit': commit, 'items': items,
                'verify_args': sd.get('verify_args', []),
                'build': {'ok': res.ok, 'new_warnings': [str(w) for w in new],
                          'log': str(res.log_path)},
                'verify': v, 'exports': exports,
                'gates': gate, 'parent': parent,
                'seconds': time.monotonic() - t0}
        done.append(step)
        ok = res.ok and not new and v['status'] == 'clean' and \
            all(g.get('ok', True) and not g['new_warnings'] for g in gate.values()) \
            and exports['status'] in ('clean', 'not run')
        log(f'step {sd["n"]}: {sd["subject"]}: build '
            f'{"ok" if res.ok else "FAILED"}, {len(new)} new warning(s), '
            f'verify {v["status"]}')
        failed |= not ok
        parent = commit
        if not res.ok:
            break

    if done and done[-1]['exports'].get('left_for_cleanup'):
        ctx.notes.append('the series ends with SHOULD_BE_STATIC findings of '
                         'export-checker')
        failed = True
    with timer.stage('format-patch'):
        sdir = out / 'series'
        if sdir.exists():
            for f in sdir.glob('*.patch'):
                f.unlink()
        run(['git', 'format-patch', '-q', '--cover-letter', f'--base={b.commit}',
             '-o', sdir, f'{b.commit}..HEAD'], cwd=work)
        cmd = 'make ' + ' '.join(
            f'{k}={shlex.quote(str(v))}' for k, v in
            (('KERNEL', args.kernel), ('BASE', args.base or (b.commit if args.kernel else None)),
             ('KVERSION', None if args.kernel else args.kversion),
             ('PAGING_TMPL', args.paging_tmpl)) if v)
        _cover_letter(out, done, cmd, b, ctx.notes)
    if 'checkpatch' in use:
        with timer.stage('checkpatch'):
            patches = sorted(p for p in (out / 'series').glob('*.patch')
                             if not p.name.startswith('0000-'))
            for step, patch in zip(done, patches):
                cp = kgates.checkpatch(work, patch, step['parent'])
                step['gates']['checkpatch'] = cp
                if cp['new']:
                    failed = True
    completeness = _completeness(ctx) if done else []
    report = {'base': {'kernel': b.kernel, 'commit': b.commit,
                       'version': b.version, 'repo': str(b.repo)},
              'worktree': str(work), 'paging_tmpl': args.paging_tmpl,
              'steps': done, 'notes': ctx.notes,
              'completeness': completeness,
              'completeness_at_move': ctx.leftovers,
              'stages': timer.seconds, 'fingerprint': fingerprint,
              'status': 'failed' if failed else 'ok'}
    _write_report(out, report)
    for n in ctx.notes:
        log(n)
    log(f'series: {out / "series"}, report: {out / "report.txt"}')
    return 1 if failed else 0


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(
        prog='kmove series', description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('--out', default='out', help='output directory')
    parser.add_argument('--series', default='series/shadow-mmu',
                        help='series definition directory')
    parser.add_argument('--kernel', help='kernel git tree (default: kernel/ '
                        'submodule or the Debian linux-source tarball)')
    parser.add_argument('--base', help='base revision (default: HEAD)')
    parser.add_argument('--kversion', default='6.1',
                        help='Debian linux-source version to import')
    parser.add_argument('--manifest', help='manifest (default: the series\')')
    parser.add_argument('--renames', help='rename map (default: the series\')')
    parser.add_argument('--skip', help='steps to leave out, e.g. "07,11"')
    parser.add_argument('--paging-tmpl', dest='paging_tmpl', default='shadow',
                        choices=('shadow', 'common'),
                        help='where the paging_tmpl.h includes live')
    parser.add_argument('--bin', default='out/bin', help='kmove tools')
    parser.add_argument('--gates', default='clang,sparse,checkpatch,exports',
                        help='gates besides the gcc W=1 build and the verifier')
    args = parser.parse_args(argv)
    try:
        sys.exit(run_series(args))
    except Trouble as err:
        die(err)
