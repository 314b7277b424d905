#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Golden tests of the semantic patches, like Coccinelle's .c/.res pairs.

Every directory with an `sp` file is a case: `sp` names the semantic
patch (relative to the project), `in.c` is the input.  With -D patch the
result must equal `expect.res` (or `in.c` unchanged when there is no
expect.res); with -D context, spatch must report a match exactly when the
case has a file `matches` (the step's @skip-unless condition).
Run with --update to rewrite the expected files.
"""

import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = os.path.dirname(os.path.dirname(HERE))


def spatch(sp, path, mode, out=None):
    args = ['spatch', '--very-quiet', '--no-includes', '-D', mode,
            '--sp-file', os.path.join(PROJECT, sp), path]
    if out:
        args += ['-o', out]
    return subprocess.run(args, capture_output=True, text=True)


def run_case(name, update):
    cdir = os.path.join(HERE, name)
    sp = open(os.path.join(cdir, 'sp')).read().strip()
    src = os.path.join(cdir, 'in.c')
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        work = os.path.join(tmp, 'in.c')
        shutil.copy(src, work)
        res = os.path.join(tmp, 'out.c')
        p = spatch(sp, work, 'patch', res)
        if p.returncode:
            return [f'spatch -D patch failed: {p.stderr.strip()}']
        got = open(res).read() if os.path.exists(res) else open(src).read()
        want_path = os.path.join(cdir, 'expect.res')
        if update:
            if got != open(src).read():
                open(want_path, 'w').write(got)
            elif os.path.exists(want_path):
                os.unlink(want_path)
        want = open(want_path).read() if os.path.exists(want_path) \
            else open(src).read()
        if got != want:
            problems.append('patch result differs from expect.res')
        c = spatch(sp, work, 'context')
        if c.returncode:
            return problems + [f'spatch -D context failed: {c.stderr.strip()}']
        matched = bool(c.stdout.strip())
        flag = os.path.join(cdir, 'matches')
        if update:
            if matched:
                open(flag, 'w').close()
            elif os.path.exists(flag):
                os.unlink(flag)
        if matched != os.path.exists(flag):
            problems.append(f'context mode matched={matched}, expected '
                            f'{os.path.exists(flag)}')
    return problems


def main(argv):
    if not shutil.which('spatch'):
        print('spatch is missing (make deps)')
        return 77
    update = '--update' in argv
    names = sorted(n for n in os.listdir(HERE)
                   if os.path.isfile(os.path.join(HERE, n, 'sp')))
    failed = 0
    for name in names:
        print(f'TEST semantic-patches/{name}')
        problems = run_case(name, update)
        if problems:
            failed += 1
            print(f'FAIL semantic-patches/{name}')
            for p in problems:
                print(f'\t{p}')
    print(f'{len(names) - failed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
