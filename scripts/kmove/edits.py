# SPDX-License-Identifier: GPL-2.0
"""The steps after the move: renames, export clean-up, semantic patches.

rename:   the entries of the rename map tagged with the step's number,
          turned into generated Coccinelle rules (semantic-patches/rename/)
          and applied to arch/x86/kvm; comments that name a renamed
          function are renamed here, as Coccinelle keeps comments as they
          are.  move-verifier --renames proves the rest unchanged.
unexport: export-checker --fix, SHOULD_BE_STATIC only: what no longer
          crosses a file boundary becomes static and loses its prototype.
cocci:    a semantic patch of the series (a hand-written change), then
          export-checker --fix so that every new non-static function has a
          prototype and every function nothing else uses is static again.
patch:    a patch file of the user, applied with git apply.

A step can be made conditional on its base: '@skip-unless FILE REASON'
skips the step, saying REASON, when the context-mode semantic patch FILE
matches nothing (the change is already there, or its code is gone).
"""

import difflib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from .steps import Context, MMU_DIR
from .util import Trouble, run

KVM_DIR = 'arch/x86/kvm'
_WORD = r'(?<![A-Za-z0-9_]){}(?![A-Za-z0-9_])'
_C_TOKENS = re.compile(r'''
    (?P<comment>/\*.*?\*/|//[^\n]*)
  | (?P<string>"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')
''', re.S | re.X)


def _kvm_files(work: Path) -> List[str]:
    return sorted(str(p.relative_to(work)) for p in (work / KVM_DIR).rglob('*.[ch]'))


def _kvm_texts(work: Path) -> Dict[str, str]:
    """The text of every .c and .h file of arch/x86/kvm, read once."""
    return {f: (work / f).read_text(errors='replace') for f in _kvm_files(work)}


def _files_naming(texts: Dict[str, str], names: List[str]) -> List[str]:
    """The files that contain one of names as a word."""
    pat = re.compile('|'.join(_WORD.format(re.escape(n)) for n in names))
    return [f for f, text in texts.items() if pat.search(text)]


@dataclass
class Rename:
    """One entry of the rename map."""
    old: str
    new: str
    step: str
    lineno: int
    keep: List[str]     # files where the old name names something else


def _used_in_code(texts: Dict[str, str], name: str) -> bool:
    """Is name used outside comments and strings?  (A name only a comment
    mentions is no function to rename.)"""
    return any(_code_uses(texts[f], name) for f in _files_naming(texts, [name]))


def read_renames(path: Path) -> List[Rename]:
    """The rename map: 'old new [STEP] [keep=FILE,...]' per line."""
    result = []
    ident = re.compile(r'[A-Za-z_]\w*$')
    for lineno, line in enumerate(path.read_text().splitlines(), 1):
        f = line.split('#', 1)[0].split()
        if not f:
            continue
        keep = [x[5:] for x in f[2:] if x.startswith('keep=')]
        rest = [x for x in f[2:] if not x.startswith('keep=')]
        if len(rest) > 1 or not ident.match(f[0]) or len(f) < 2 or \
                not ident.match(f[1]):
            raise Trouble(f"{path}:{lineno}: expected 'old new [STEP] "
                          "[keep=FILE,...]'")
        result.append(Rename(f[0], f[1], rest[0] if rest else '', lineno,
                             [k for x in keep for k in x.split(',') if k]))
    return result


def _rename_comments(text: str, renames: Dict[str, str]) -> Tuple[str, int]:
    """Renames whole words inside the comments of C text."""
    pat = re.compile('|'.join(_WORD.format(re.escape(o)) for o in renames))
    count = 0

    def in_comment(m: re.Match) -> str:
        nonlocal count
        if not m.group('comment'):
            return m.group(0)
        new, n = pat.subn(lambda w: renames[w.group(0)], m.group('comment'))
        count += n
        return new
    return _C_TOKENS.sub(in_comment, text), count


def _code_uses(text: str, name: str) -> List[re.Match]:
    """Where name is used outside comments and strings, and not as the
    member of a struct (after '.' or '->')."""
    blank = _C_TOKENS.sub(lambda m: re.sub(r'[^\n]', ' ', m.group(0)), text)
    word = _WORD.format(re.escape(name))
    return [m for m in re.finditer(word, blank)
            if not re.search(r'(\.|->)\s*$', blank[max(0, m.start() - 8):m.start()])]


def _line_of(text: str, m: re.Match) -> int:
    return text.count('\n', 0, m.start()) + 1


def _spatch_file(ctx: Context, sp: Path, files: List[str]) -> None:
    for f in files:
        run(['spatch', '--very-quiet', '-D', 'patch', '--no-includes',
             '--in-place', '--sp-file', str(sp), f], cwd=ctx.work)


def _stale_note(ctx: Context, texts: Dict[str, str], old: str, new: str,
                where: str) -> None:
    names = set()
    for f, text in texts.items():
        if f.startswith(MMU_DIR):
            names.update(re.findall(r'^\w[\w\s\*]*?\b(\w+)\(', text, re.M))
    close = difflib.get_close_matches(old, sorted(names), n=1, cutoff=0.75)
    ctx.notes.append(f'stale rename entry: {old} -> {new} ({where}): '
                     f'{old} is not in this base'
                     + (f', closest: {close[0]}' if close else ''))


def _in_define(text: str, pos: int) -> bool:
    """Is pos inside a #define (continuation lines included)?"""
    start = text.rfind('\n', 0, pos) + 1
    while start > 1 and text[start - 2] == '\\':
        start = text.rfind('\n', 0, start - 1) + 1
    return re.match(r'\s*#\s*define\b', text[start:pos]) is not None


def _rename_left(ctx: Context, f: str, text: str, old: str, new: str) -> str:
    """What spatch did not rewrite: calls in code it cannot parse (the
    template's FNAME() functions) and macro bodies are renamed here and
    noted; anything else is left for the verifier to report."""
    uses = _code_uses(text, old)
    fix = [m for m in uses if _in_define(text, m.start()) or
           re.match(r'\s*\(', text[m.end():])]
    if fix:
        ctx.notes.append(f'{f}:{_line_of(text, fix[0])}: {old} renamed '
                         f'outside what spatch rewrites ({len(fix)} use(s))')
    for m in reversed(fix):
        text = text[:m.start()] + new + text[m.end():]
    for m in uses:
        if m not in fix:
            ctx.notes.append(f'{f}:{_line_of(text, m)}: {old} left as is: '
                             'not a call nor a macro body')
    return text


def rename(ctx: Context) -> Optional[List[str]]:
    """08, 10, 14: the step's entries of the rename map."""
    if not ctx.renames or not ctx.renames.is_file():
        raise Trouble(f"step {ctx.step['n']} renames, but there is no rename map")
    entries = [r for r in read_renames(ctx.renames) if r.step == ctx.step['n']]
    if not entries:
        raise Trouble(f"{ctx.renames}: no entry for step {ctx.step['n']}")
    todo: Dict[str, Rename] = {}
    texts = _kvm_texts(ctx.work)
    for r in entries:
        r.old = ctx.renamed.get(r.old, r.old)
        if not _used_in_code(texts, r.old):
            _stale_note(ctx, texts, r.old, r.new,
                        f'{ctx.renames.name}:{r.lineno}')
        elif _files_naming(texts, [r.new]):
            raise Trouble(f'{ctx.renames}:{r.lineno}: {r.new} already exists')
        else:
            todo[r.old] = r
    if not todo:
        return None
    template = (ctx.project / 'semantic-patches' / 'rename' /
                'rename.cocci').read_text()
    head, rules = template.split('virtual patch\n', 1)
    sp = ctx.out / 'tmp' / f'rename-{ctx.step["n"]}.cocci'
    sp.parent.mkdir(parents=True, exist_ok=True)
    items = []
    for f in _files_naming(texts, list(todo)):
        mine = {o: r.new for o, r in todo.items() if f not in r.keep}
        if not mine:
            continue
        sp.write_text(head + 'virtual patch\n' + ''.join(
            rules.replace('OLD', o).replace('NEW', n) for o, n in mine.items()))
        _spatch_file(ctx, sp, [f])
        path = ctx.work / f
        text, n = _rename_comments(path.read_text(), mine)
        for old, new in mine.items():
            text = _rename_left(ctx, f, text, old, new)
        path.write_text(text)
        if n:
            items.append(f'{f}: {n} comment(s) renamed')
    ctx.renamed.update({o: r.new for o, r in todo.items()})
    ctx.exposed[:] = [todo[n].new if n in todo else n for n in ctx.exposed]
    mp = ctx.out / 'tmp' / f'renames-{ctx.step["n"]}'
    mp.write_text(''.join(f'{o} {r.new}' + (f' keep={",".join(r.keep)}'
                                            if r.keep else '') + '\n'
                          for o, r in todo.items()))
    ctx.step['verify_args'] = ['--renames', str(mp)]
    return [f'{o}() -> {r.new}()' for o, r in todo.items()] + items


def _export_fix(ctx: Context, ignore: str) -> List[dict]:
    """export-checker --fix on the work tree; the FIXED notes."""
    p = run([ctx.bin / 'export-checker', '--dir', ctx.work, '--compdb',
             ctx.compdb, '--fix', '--format=json'] +
            (['--ignore', ignore] if ignore else []), check=False)
    if p.returncode == 2:
        raise Trouble('export-checker --fix: ' +
                      (p.stderr.strip().splitlines() or ['failed'])[-1])
    return [f for f in json.loads(p.stdout)['findings'] if f['type'] == 'FIXED']


def _fixed_items(fixed: List[dict]) -> List[str]:
    """export-checker's FIXED notes, as changelog items."""
    items = []
    for f in fixed:
        m = re.match(r"declared '\w+' in (\S+)", f['message'])
        if m:
            items.append(f'{f["symbol"]}() declared in {Path(m.group(1)).name}')
        elif f['message'].startswith('made '):
            items.append(f'{f["symbol"]}() static again, prototype dropped')
        else:
            items.append(f'{f["symbol"]}: {f["message"]}')
    return items


def unexport(ctx: Context) -> Optional[List[str]]:
    """12: static again what export-checker finds no longer crosses."""
    fixed = _export_fix(ctx, 'MISSING_PROTOTYPE')
    return _fixed_items(fixed) or None


def _dirty(ctx: Context) -> bool:
    return bool(run(['git', 'status', '--porcelain', '--', KVM_DIR],
                    cwd=ctx.work).stdout.strip())


def _sp_path(ctx: Context, name: str) -> Path:
    """A file a step names: as given, else in the series or the project."""
    for p in (Path(name), ctx.series / name, ctx.project / name):
        if p.is_file():
            return p.resolve()
    raise Trouble(f"step {ctx.step['n']}: cannot find '{name}'")


def _matches(ctx: Context, sp: Path) -> bool:
    """Does a context-mode semantic patch match in the mmu/ files?"""
    files = [f for f in _kvm_files(ctx.work) if f.startswith(MMU_DIR + '/')
             and f.endswith('.c')]
    p = run(['spatch', '--very-quiet', '--no-includes', '-D', 'context',
             '--sp-file', str(sp), *files], cwd=ctx.work, check=False)
    if p.returncode:
        raise Trouble(f'spatch failed on {sp.name}: ' +
                      (p.stderr.strip().splitlines() or [''])[-1])
    return bool(p.stdout.strip())


def _skipped(ctx: Context) -> bool:
    """The step's @skip-unless condition, if it has one, does not hold."""
    cond = ctx.step.get('attrs', {}).get('skip-unless')
    if not cond:
        return False
    sp, _, reason = cond.partition(' ')
    if _matches(ctx, _sp_path(ctx, sp)):
        return False
    ctx.notes.append(f'step {ctx.step["n"]} skipped: {reason.strip()}')
    return True


def _declare(ctx: Context, names: List[str]) -> None:
    path = ctx.out / 'tmp' / f'declare-{ctx.step["n"]}'
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(''.join(n + '\n' for n in names))
    ctx.step['verify_args'] = ['--declare', str(path)]


def _added_lines(ctx: Context, f: str) -> set:
    """Line numbers of f that the work tree adds over HEAD."""
    diff = run(['git', 'diff', '-U0', '--', f], cwd=ctx.work).stdout
    added = set()
    for m in re.finditer(r'^@@ -\S+ \+(\d+)(?:,(\d+))? @@', diff, re.M):
        start, n = int(m.group(1)), int(m.group(2) or 1)
        added.update(range(start, start + n))
    return added


def _tidy_lines(lines: List[str], added: set) -> List[str]:
    """Kernel layout for the lines a semantic patch added (1-based numbers
    in added): no trailing whitespace, leading whitespace in tabs, no
    second blank line in a row, and '} else' on one line, as Coccinelle
    prints an added '} else {' on two."""
    out: List[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if i + 1 in added:
            line = line.rstrip()
            lead = re.match(r'[ \t]*', line).group(0)
            width = len(lead.expandtabs(8))
            line = '\t' * (width // 8) + ' ' * (width % 8) + line[len(lead):]
            m = re.fullmatch(r'(\t*)}', line)
            if m and i + 2 in added and i + 1 < len(lines) and \
                    re.fullmatch(re.escape(m.group(1)) + r'else\b.*',
                                 lines[i + 1]):
                out.append(line + ' ' + lines[i + 1].lstrip('\t'))
                i += 2
                continue
            if not line and out and not out[-1]:
                i += 1
                continue
        out.append(line)
        i += 1
    return out


def _tidy(ctx: Context) -> None:
    """_tidy_lines() on every file the step changed."""
    changed = run(['git', 'diff', '--name-only', '--', KVM_DIR],
                  cwd=ctx.work).stdout.split()
    for f in changed:
        added = _added_lines(ctx, f)
        lines = (ctx.work / f).read_text().split('\n')
        (ctx.work / f).write_text('\n'.join(_tidy_lines(lines, added)))


def cocci(ctx: Context) -> Optional[List[str]]:
    """A hand-written change as a semantic patch of the series."""
    if _skipped(ctx):
        return None
    sp = _sp_path(ctx, ctx.step['arg'])
    files = [f for f in _kvm_files(ctx.work) if f.startswith(MMU_DIR + '/')
             and f.endswith('.c')]
    _spatch_file(ctx, sp, files)
    if not _dirty(ctx):
        raise Trouble(f'step {ctx.step["n"]}: {sp.name} changes nothing on '
                      'this base; give the step a @skip-unless condition '
                      'or drop it')
    _tidy(ctx)
    fixed = _export_fix(ctx, '')
    _declare(ctx, ctx.step.get('attrs', {}).get('declare', '').split())
    changed = run(['git', 'diff', '--stat=72', '--', KVM_DIR],
                  cwd=ctx.work).stdout.splitlines()[:-1]
    return [l.strip() for l in changed] + _fixed_items(fixed)


def patch(ctx: Context) -> Optional[List[str]]:
    """A patch file of the user's, applied as it is."""
    if _skipped(ctx):
        return None
    path = _sp_path(ctx, ctx.step['arg'])
    p = run(['git', 'apply', '--index', str(path)], cwd=ctx.work, check=False)
    if p.returncode:
        raise Trouble(f'step {ctx.step["n"]}: {path.name} does not apply: ' +
                      (p.stderr.strip().splitlines() or [''])[0])
    _declare(ctx, ctx.step.get('attrs', {}).get('declare', '').split())
    return run(['git', 'diff', '--cached', '--stat=72'],
               cwd=ctx.work).stdout.splitlines()[:-1]


OPERATIONS = {
    'rename': rename,
    'unexport': unexport,
    'cocci': cocci,
    'patch': patch,
}
