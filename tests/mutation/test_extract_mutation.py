#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Mutation test of move-verifier --keep-lines on the real step 11.

Step 11 of the 6.1 series carves five rmap walks out of mmu.c functions
into new Shadow MMU functions (kmove-split extract).  Its functions are
declared changes, so the usual CHANGED findings become notes; what still
proves the step is --keep-lines: every code line of those functions
before must be in one of them after.  The unmutated pair must verify
clean.  Then one line of the after side is mutated at a time:

  delete-line     delete a code line of a declared function
  change-token    change one identifier, number or operator on such a line

Each must be reported (exit 1 with an error finding).  The targets are the
lines that came from before (the new functions' heads, the calls, the
returns and the copied result declarations are the step's own and are
left out: a change there is for the build to catch).  Whitespace-only
controls (a line re-indented, a blank line added) must stay clean.

Prints ``mutations=N killed=K missed=M false-alarms=F`` and exits 0 only
if K=N and F=0 (77: skipped).

Environment: OUT, BIN, KMOVE_MUTATION_SERIES, KMOVE_MUTATION_SEED as for
test_mutation.py; KMOVE_EXTRACT_MUTATIONS (default 30).
"""

import collections
import importlib.util
import json
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple

_HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location('kmove_mutation',
                                               _HERE / 'test_mutation.py')
mt = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mt)

STEP = '11'


def step_pair(series: Path) -> Tuple[Path, str, str, List[str]]:
    """The work repo, step 11's parent and commit, and its verifier args."""
    r = json.loads((series / 'report.json').read_text())
    for s in r.get('steps', []):
        if s.get('n') == STEP and s.get('op') == 'extract':
            return (Path(r['worktree']), s['parent'], s['commit'],
                    s.get('verify_args', []))
    mt.log(f'FAIL: {series} has no extract step {STEP}')
    sys.exit(1)


def norm(line: str) -> str:
    """A line as --keep-lines compares it: tokens, spacing aside."""
    return ' '.join(t.text for t in mt.lex(line) if t.text != 'static')


def declared_lines(bin_dir: Path, tree: Path, build: Path,
                   names: set) -> Dict[str, List[int]]:
    """Line numbers of the bodies of the declared function definitions
    (from the opening brace on), per file."""
    out = {}
    for rel in mt.FILES:
        src = mt.load_source(bin_dir, tree, rel, build)
        lines = (tree / rel).read_text().split('\n')
        out[rel] = []
        for e in src.ents:
            if e.kind != 'func' or e.name not in names:
                continue
            body = [n for n in range(e.first, e.last + 1)
                    if lines[n - 1] == '{']
            out[rel] += range(body[0] if body else e.first, e.last + 1)
    return out


def candidates(tree: Path, lines: Dict[str, List[int]],
               before_count: collections.Counter) -> List[Tuple[str, int]]:
    """Code lines of after that came from before (not the step's own)."""
    after_count = collections.Counter()
    texts = {rel: (tree / rel).read_text().split('\n') for rel in lines}
    for rel, nums in lines.items():
        for n in nums:
            after_count[norm(texts[rel][n - 1])] += 1
    out = []
    for rel, nums in lines.items():
        for n in nums:
            key = norm(texts[rel][n - 1])
            # comments are checked as comments; code lines with a word only
            if not re.search(r'[A-Za-z0-9]', key) or \
                    texts[rel][n - 1].lstrip().startswith(('/*', '*')):
                continue
            # a line after holds more often than before is partly the step's
            if after_count[key] <= before_count[key]:
                out.append((rel, n))
    return out


def mutate(rng: random.Random, text: str, n: int, cls: str) -> str:
    lines = text.split('\n')
    line = lines[n - 1]
    if cls == 'delete-line':
        del lines[n - 1]
    elif cls == 'change-token':
        toks = [t for t in mt.lex(line) if re.match(r'\w', t.text)
                or t.text in mt.OPERATOR_SWAP]
        t = rng.choice(toks)
        new = mt.OPERATOR_SWAP.get(t.text) or (
            str(int(t.text) + 1) if t.text.isdigit() else t.text + 'x')
        lines[n - 1] = line[:t.start] + new + line[t.end:]
    elif cls == 'reindent':
        lines[n - 1] = '\t' + line
    else:
        lines.insert(n, '')
    return '\n'.join(lines)


def main() -> int:
    out = Path(os.environ.get('OUT', 'out'))
    out = out if out.is_absolute() else mt.ROOT / out
    bin_dir = Path(os.environ.get('BIN', 'out/bin'))
    bin_dir = bin_dir if bin_dir.is_absolute() else mt.ROOT / bin_dir
    work = out / 'extract-mutation'
    n_real = int(os.environ.get('KMOVE_EXTRACT_MUTATIONS', '30'))
    seed = int(os.environ.get('KMOVE_MUTATION_SEED', '20230601'))
    series, _ = mt.find_series(out, bin_dir)
    repo, parent, commit, vargs = step_pair(series)
    if '--keep-lines' not in vargs or '--declare' not in vargs:
        mt.log(f'FAIL: step {STEP} is not verified with --declare --keep-lines')
        return 1
    names = set(Path(vargs[vargs.index('--declare') + 1]).read_text().split())
    build = series / 'build'
    before, after = work / 'before', work / 'after'
    mt.extract(repo, parent, before)
    mt.extract(repo, commit, after)

    def verify(tree: Path) -> subprocess.CompletedProcess:
        cmd = mt.verifier_cmd(bin_dir, before, tree, build) + vargs
        return subprocess.run(cmd, capture_output=True, text=True)

    base = mt.judge(None, verify(after), 0)
    if base.status != 'clean':
        mt.log(f'FAIL: step {STEP} unmutated does not verify clean: {base.detail}')
        return 1
    bl = declared_lines(bin_dir, before, build, names)
    before_count = collections.Counter(
        norm((before / rel).read_text().split('\n')[n - 1])
        for rel, nums in bl.items() for n in nums)
    al = declared_lines(bin_dir, after, build, names)
    targets = candidates(after, al, before_count)
    mt.log(f'step {STEP}: {len(names)} declared functions, '
           f'{sum(map(len, al.values()))} lines after, {len(targets)} '
           'of them from before')
    if len(targets) < 20:
        mt.log(f'FAIL: only {len(targets)} lines to mutate')
        return 1

    rng = random.Random(seed)
    plan = [(rng.choice(('delete-line', 'change-token')), rng.choice(targets))
            for _ in range(n_real)]
    plan += [(c, rng.choice(targets)) for c in ('reindent', 'blank-line')
             for _ in range(4)]
    counts = collections.Counter()
    bad = []
    tree = work / 'run'
    for cls, (rel, n) in plan:
        if tree.exists():
            shutil.rmtree(tree)
        shutil.copytree(after, tree)
        text = (tree / rel).read_text()
        (tree / rel).write_text(mutate(rng, text, n, cls))
        control = cls in ('reindent', 'blank-line')
        m = mt.Mutation(cls, rel, n, cls, {}, control)
        r = mt.judge(m, verify(tree), 0)
        counts[r.status] += 1
        if r.status in ('missed', 'false-alarm'):
            bad.append(f'{r.status.upper()} {cls} {rel}:{n}: {r.detail}')
    shutil.rmtree(tree, ignore_errors=True)
    for b in bad:
        mt.log(b)
    # a mutation that no longer parses is reported too (exit 2, as
    # test_mutation.py counts it)
    killed = counts['killed'] + counts['parse-error']
    mt.log(f'mutations={n_real} killed={killed} missed={n_real - killed} '
           f'false-alarms={counts["false-alarm"]} '
           f'parse-errors={counts["parse-error"]}')
    return 0 if killed == n_real and not counts['false-alarm'] else 1


if __name__ == '__main__':
    sys.exit(main())
