#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Golden cases of export-checker.

    python3 tests/export-checker/test_export_checker.py [CASE...]
    python3 tests/export-checker/test_export_checker.py --update [CASE...]

Every directory tests/export-checker/<case>/ with a `cmd` file is a case:

    cmd          one line, the arguments after "export-checker"; $CASE
                 (the case directory) and $TREE (its tree/) expand as in
                 tests/run, and the line is split like a shell would
    tree/        the files checked, laid out as in a kernel tree
    expect.txt   stdout, exactly
    expect.exit  the exit status
    expect.err   optional: fixed strings, one a line, stderr must contain
    fixed/       optional, for a --fix case: the tree after the fix.  The
                 tree is copied to out/tests/export-checker/<case>/tree
                 first ($TREE names the copy), the copy must equal fixed/
                 byte for byte, and checking it again without --fix must
                 be clean.

--update rewrites expect.txt, expect.exit and fixed/ from what the tool
does now; review the diff before committing it.  The tool is
$BIN/export-checker (BIN defaults to out/bin).  Runs from the repository
root; exit status 0 when every case passes.
"""
import difflib
import filecmp
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BIN = os.environ.get('BIN') or os.path.join(ROOT, 'out', 'bin')
TOOL = os.path.join(BIN if os.path.isabs(BIN) else os.path.join(ROOT, BIN),
                    'export-checker')
OUT = os.path.join(ROOT, 'out', 'tests', 'export-checker')


def read(path):
    with open(path, encoding='utf-8', errors='surrogateescape') as f:
        return f.read()


def expand(cmdline, case, tree):
    """Split the cmd line the way tests/run does: eval "set -- $cmdline"."""
    env = dict(os.environ, CASE=case, TREE=tree)
    r = subprocess.run(['bash', '-c', 'eval "set -- $1" && printf "%s\\0" "$@"',
                        'expand', cmdline], env=env, cwd=ROOT,
                       capture_output=True, text=True, check=True)
    return [a for a in r.stdout.split('\0')[:-1]]


def run(args):
    return subprocess.run([TOOL] + args, cwd=ROOT, capture_output=True,
                          text=True)


def tree_files(top):
    out = []
    for d, _, files in os.walk(top):
        for f in files:
            out.append(os.path.relpath(os.path.join(d, f), top))
    return sorted(out)


def compare_trees(want, got):
    """Differences between two trees, as lines of text."""
    problems = []
    w, g = tree_files(want), tree_files(got)
    for rel in sorted(set(w) | set(g)):
        a, b = os.path.join(want, rel), os.path.join(got, rel)
        if rel not in g:
            problems.append(f'{rel}: missing after the fix')
        elif rel not in w:
            problems.append(f'{rel}: not expected after the fix')
        elif not filecmp.cmp(a, b, shallow=False):
            problems.extend(difflib.unified_diff(
                read(a).splitlines(), read(b).splitlines(),
                f'fixed/{rel}', f'got/{rel}', lineterm=''))
    return problems


def check_output(cdir, r, problems):
    want = read(os.path.join(cdir, 'expect.txt'))
    if r.stdout != want:
        problems.extend(difflib.unified_diff(
            want.splitlines(), r.stdout.splitlines(), 'expect.txt', 'got',
            lineterm=''))
    want_exit = int(read(os.path.join(cdir, 'expect.exit')).strip())
    if r.returncode != want_exit:
        problems.append(f'exit status {r.returncode}, expected {want_exit}')
    err = os.path.join(cdir, 'expect.err')
    if os.path.exists(err):
        for line in read(err).splitlines():
            if line and line not in r.stderr:
                problems.append(f'stderr lacks: {line}')


def run_case(name, update):
    cdir = os.path.join(HERE, name)
    case = os.path.relpath(cdir, ROOT)
    cmdline = read(os.path.join(cdir, 'cmd')).strip()
    fixed = os.path.join(cdir, 'fixed')
    is_fix = '--fix' in cmdline.split()
    tree = os.path.join(case, 'tree')
    if is_fix:
        copy = os.path.join(OUT, name, 'tree')
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(os.path.join(cdir, 'tree'), copy)
        tree = os.path.relpath(copy, ROOT)
    r = run(expand(cmdline, case, tree))
    if update:
        with open(os.path.join(cdir, 'expect.txt'), 'w') as f:
            f.write(r.stdout)
        with open(os.path.join(cdir, 'expect.exit'), 'w') as f:
            f.write(f'{r.returncode}\n')
        if is_fix:
            shutil.rmtree(fixed, ignore_errors=True)
            shutil.copytree(os.path.join(ROOT, tree), fixed)
        print(f'wrote {case} (exit {r.returncode})')
        return []
    problems = [f'{f} is missing' for f in ('expect.txt', 'expect.exit')
                if not os.path.exists(os.path.join(cdir, f))]
    if is_fix and not os.path.isdir(fixed):
        problems.append('fixed/ is missing')
    if problems:
        return problems
    check_output(cdir, r, problems)
    if is_fix:
        problems.extend(compare_trees(fixed, os.path.join(ROOT, tree)))
        again = run(expand(cmdline.replace('--fix', ''), case, tree))
        if again.returncode != 0 or again.stdout:
            problems.append(f'not clean after the fix (exit {again.returncode}):')
            problems.extend(again.stdout.splitlines())
    if problems and r.stderr:
        problems.append('--- stderr')
        problems.extend(r.stderr.splitlines())
    return problems


def main(argv):
    update = '--update' in argv
    names = [a.rstrip('/').split('/')[-1] for a in argv if a != '--update']
    if not names:
        names = sorted(n for n in os.listdir(HERE)
                       if os.path.isfile(os.path.join(HERE, n, 'cmd')))
    if not os.access(TOOL, os.X_OK):
        print(f'{TOOL} is missing (make tools)')
        return 1
    failed = 0
    for name in names:
        print(f'TEST export-checker/{name}')
        problems = run_case(name, update)
        if problems:
            failed += 1
            print(f'FAIL export-checker/{name}')
            for p in problems:
                print(f'\t{p}')
    print(f'{len(names) - failed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
