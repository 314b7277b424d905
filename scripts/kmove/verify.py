# SPDX-License-Identifier: GPL-2.0
"""kmove verify: run move-verifier on two revisions of a kernel tree.

Prepares what the verifier needs, all under OUT (the user's tree is only
read): a clone at the BEFORE revision, its kbuild configuration and a
build of arch/x86/kvm for compile_commands.json.  The exit status is the
verifier's: 0 clean, 1 findings, 2 trouble.
"""

import argparse
import subprocess
import sys
from pathlib import Path
from typing import List, Optional

from . import base as kbase
from . import kbuild
from .util import Timer, Trouble, die


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog='kmove verify',
                                     description=__doc__.splitlines()[0])
    parser.add_argument('--out', default='out', help='output directory')
    parser.add_argument('--kernel', required=True, help='kernel git tree')
    parser.add_argument('--before', required=True, help='revision before')
    parser.add_argument('--after', required=True, help='revision after')
    parser.add_argument('--renames', help='rename map, "old new" per line')
    parser.add_argument('--format', default='text', choices=('text', 'json'))
    parser.add_argument('--bin', default='out/bin', help='kmove tools')
    args = parser.parse_args(argv)
    out = Path(args.out).resolve() / 'verify-tree'
    timer = Timer()
    try:
        b = kbase.resolve_base(args.kernel, args.before, '', out,
                               Path(__file__).resolve().parents[2],
                               timer=timer)
        kbase.resolve_base(args.kernel, args.after, '', out,
                           Path(__file__).resolve().parents[2], timer=timer)
        with timer.stage('clone'):
            work = kbase.make_work_clone(b, out / 'work', branch='kmove/verify')
        build = out / 'build'
        with timer.stage('configure'):
            kbuild.configure(work, build)
        with timer.stage('prepare'):
            kbuild.prepare(work, build)
        with timer.stage('build'):
            kbuild.build_kvm(work, build)
        compdb = kbuild.compile_commands(work, build).parent
    except Trouble as err:
        die(err)
    cmd = [str(Path(args.bin).resolve() / 'move-verifier'), '--tree',
           args.kernel, '--from', args.before, '--to', args.after,
           '--compdb', str(compdb), '--workdir', str(out / 'revs'),
           f'--format={args.format}']
    if args.renames:
        cmd += ['--renames', args.renames]
    sys.exit(subprocess.run(cmd, check=False).returncode)
