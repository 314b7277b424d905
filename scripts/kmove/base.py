# SPDX-License-Identifier: GPL-2.0
"""Find the kernel base commit and make a private work clone of it.

The base is, in order of preference:

1. KERNEL=DIR, the top of a git tree (BASE=REV, default HEAD).  Without
   BASE the tree must have no uncommitted changes to tracked files, since
   the series is built on the commit and not on the work tree.
2. The project's ``kernel`` submodule, when it is checked out.
3. An import of Debian's ``/usr/src/linux-source-$KVERSION.tar.xz`` into
   ``$OUT/base/linux-$KVERSION``: one commit with a fixed author, committer
   and date, so the same tarball gives the same sha on every run and every
   machine.  The tarball is unpacked into a temporary directory next to the
   destination and renamed into place only once the commit exists.  A
   complete import is recognised by the ref refs/kmove/imported and by the
   tarball size and mtime recorded in .git/kmove-import, and is reused.

The series is never built in the user's repository: make_work_clone() makes
a ``git clone --shared`` (objects borrowed through alternates) and resets it
to the base.  Resetting an existing clone rewrites only the files that
differ, so kbuild's incremental builds stay valid.

Note that the Debian tarball's top-level .gitignore ends with ``/*``, which
ignores every top-level path: new files must be added with ``git add -f``
and ``git clean`` needs ``-x`` to see untracked files.
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

from .util import PathLike, Timer, Trouble, log, run, stage, which

_TARBALL_DIR = Path('/usr/src')
_IMPORT_REF = 'refs/kmove/imported'
_IMPORT_BRANCH = 'base'
_IMPORT_STAMP = 'kmove-import'
_IMPORT_IDENT = ('kmove', 'kmove@invalid')
# 2000-01-01 00:00:00 UTC: any fixed date keeps the import's sha stable.
_IMPORT_DATE = '946684800 +0000'
_SOURCE_KEY = 'kmove.source'
_MAKEFILE_VAR = re.compile(r'^(VERSION|PATCHLEVEL|SUBLEVEL|EXTRAVERSION)'
                           r'\s*=[ \t]*(\S*)', re.M)
# Keep the user's and the system's git configuration from changing what is
# committed or from running anything.
_GIT_NEUTRAL = ('-c', 'core.autocrlf=false', '-c', 'core.safecrlf=false',
                '-c', 'core.attributesFile=/dev/null', '-c', 'gc.auto=0',
                '-c', 'core.hooksPath=/dev/null', '-c', 'commit.gpgSign=false',
                '-c', 'advice.detachedHead=false')
_STATE_FILES = ('rebase-apply', 'rebase-merge', 'MERGE_HEAD',
                'CHERRY_PICK_HEAD', 'REVERT_HEAD', 'AM_HEAD')


@dataclass
class Base:
    """The commit the series is built on.

    Attributes:
        repo: The git repository holding the commit.
        commit: The full sha of the base commit.
        version: The kernel version at that commit, e.g. '6.1.192'.
        kernel: What the user gave as KERNEL, or the tarball path.
        imported: True when repo is an import of a Debian tarball.
    """
    repo: Path
    commit: str
    version: str
    kernel: str
    imported: bool


def git(repo: PathLike, *args: str, check: bool = True,
        env: Optional[dict] = None, stdin: Optional[str] = None) -> str:
    """Runs git in repo and returns its stdout without the final newline.

    Args:
        repo: The repository (any directory inside its work tree).
        *args: The git command and its arguments.
        check: Raise Trouble when git fails.
        env: Extra environment variables.
        stdin: Text for git's standard input.

    Returns:
        git's standard output.

    Raises:
        Trouble: git failed and check is set.
    """
    proc = run(['git', '-C', str(repo), *_GIT_NEUTRAL, *args], check=check,
               env=env, stdin=stdin)
    return proc.stdout.rstrip('\n')


def _git_ok(repo: PathLike, *args: str) -> Optional[str]:
    """Runs git quietly; returns stdout, or None if git failed."""
    proc = run(['git', '-C', str(repo), *_GIT_NEUTRAL, *args], check=False)
    return proc.stdout.rstrip('\n') if proc.returncode == 0 else None


def _toplevel(path: Path) -> Optional[Path]:
    """Returns path if it is the top of a git work tree, else None."""
    if not (path / '.git').exists():
        return None
    top = _git_ok(path, 'rev-parse', '--show-toplevel')
    if top is None or Path(top).resolve() != path.resolve():
        return None
    return path.resolve()


def _resolve(repo: Path, rev: str, label: str) -> str:
    """Returns the full sha of commit rev in repo.

    Raises:
        Trouble: rev does not name a commit.
    """
    sha = _git_ok(repo, 'rev-parse', '--verify', '--quiet',
                  '--end-of-options', f'{rev}^{{commit}}')
    if not sha:
        raise Trouble(f"unknown revision '{rev}' in '{label}'")
    return sha


def kernel_version(repo: Path, commit: str) -> str:
    """Reads the kernel version from the top Makefile at commit.

    Args:
        repo: The repository.
        commit: The commit to read.

    Returns:
        VERSION.PATCHLEVEL.SUBLEVEL followed by EXTRAVERSION, e.g. '6.1.192'.

    Raises:
        Trouble: The commit has no kernel Makefile.
    """
    text = _git_ok(repo, 'show', f'{commit}:Makefile')
    found = dict(_MAKEFILE_VAR.findall(text or ''))
    if not found.get('VERSION') or not found.get('PATCHLEVEL'):
        raise Trouble(f"commit {commit[:12]} in '{repo}' has no kernel "
                      'Makefile with VERSION and PATCHLEVEL')
    version = f"{found['VERSION']}.{found['PATCHLEVEL']}"
    version += f".{found.get('SUBLEVEL') or 0}"
    return version + found.get('EXTRAVERSION', '')


def _from_tree(tree: Path, label: str, rev: Optional[str],
               imported: bool = False) -> Base:
    """Makes a Base from a git tree, checking rev and cleanliness."""
    commit = _resolve(tree, rev or 'HEAD', label)
    if rev is None and not imported:
        dirty = _git_ok(tree, '--no-optional-locks', 'status', '--porcelain',
                        '--untracked-files=no', '--ignore-submodules')
        if dirty:
            raise Trouble(f"kernel tree '{label}' has uncommitted changes: "
                          'commit them or give BASE=REV')
    return Base(repo=tree, commit=commit,
                version=kernel_version(tree, commit), kernel=label,
                imported=imported)


def _is_checkout(path: Path) -> bool:
    """True if path is a populated git checkout of a kernel."""
    if not (path / 'Makefile').is_file() or _toplevel(path) is None:
        return False
    head = _git_ok(path, 'rev-parse', '--verify', '--quiet', 'HEAD^{commit}')
    return head is not None


def _tarball_stamp(tarball: Path) -> dict:
    """Returns the identifying facts of tarball as a JSON-able dict."""
    st = tarball.stat()
    return {'tarball': str(tarball), 'size': st.st_size,
            'mtime_ns': st.st_mtime_ns}


def _sha256(path: Path, result: dict) -> None:
    """Stores the hex sha256 of path's contents in result['sha256']."""
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            h.update(block)
    result['sha256'] = h.hexdigest()


def _import_ok(dest: Path, stamp: dict) -> Optional[str]:
    """Returns the import commit if dest is a complete import of stamp."""
    try:
        recorded = json.loads((dest / '.git' / _IMPORT_STAMP).read_text())
    except (OSError, ValueError):
        return None
    if any(recorded.get(k) != v for k, v in stamp.items()):
        return None
    commit = _git_ok(dest, 'rev-parse', '--verify', '--quiet', _IMPORT_REF)
    if not commit or commit != recorded.get('commit'):
        return None
    return commit


def _extract(tarball: Path, into: Path) -> None:
    """Unpacks tarball's single top directory into the directory into."""
    if which('xz'):
        # Debian's tarballs are multi-block, so xz can decompress in parallel.
        cmd = ['tar', '-I', 'xz -d -T0', '-xf', str(tarball)]
    else:
        cmd = ['tar', '-xJf', str(tarball)]
    run(cmd + ['-C', str(into), '--strip-components=1', '--no-same-owner'])


def import_tarball(kversion: str, out: Path,
                   tarball_dir: Path = _TARBALL_DIR,
                   timer: Optional[Timer] = None) -> Base:
    """Imports a Debian linux-source tarball as a one-commit git repository.

    Args:
        kversion: The version in the tarball's name, e.g. '6.1'.
        out: The output directory; the import goes to out/base/linux-KVERSION.
        tarball_dir: Where the linux-source tarballs are.
        timer: Records the import time (the default Timer if None).

    Returns:
        The Base for the import's commit.

    Raises:
        Trouble: The tarball is missing or the import fails.
    """
    tarball = tarball_dir / f'linux-source-{kversion}.tar.xz'
    if not tarball.is_file():
        raise Trouble(f"cannot find '{tarball}': run 'make deps'")
    basedir = out / 'base'
    dest = basedir / f'linux-{kversion}'
    tmp_prefix = f'.linux-{kversion}.tmp'
    basedir.mkdir(parents=True, exist_ok=True)
    for left in basedir.glob(tmp_prefix + '*'):
        log(f'  removing unfinished import {left}')
        shutil.rmtree(left, ignore_errors=True)

    stamp = _tarball_stamp(tarball)
    if dest.exists():
        commit = _import_ok(dest, stamp)
        if commit:
            return Base(repo=dest.resolve(), commit=commit,
                        version=kernel_version(dest, commit),
                        kernel=str(tarball), imported=True)
        if not (dest / '.git' / _IMPORT_STAMP).exists() and \
                _git_ok(dest, 'rev-parse', '--verify', '--quiet',
                        _IMPORT_REF) is None:
            raise Trouble(f"'{dest}' exists and is not a kmove import: "
                          'remove it')
        log(f'  {dest} is stale, importing again')

    with stage(f'import base linux-{kversion}', timer):
        tmp = basedir / f'{tmp_prefix}{os.getpid()}'
        tmp.mkdir()
        digest: dict = {}
        hasher = threading.Thread(target=_sha256, args=(tarball, digest))
        hasher.start()
        _extract(tarball, tmp)
        hasher.join()
        if not (tmp / 'Makefile').is_file():
            raise Trouble(f"'{tarball}' does not contain a kernel tree")

        run(['git', 'init', '-q', '--template=', str(tmp)])
        git(tmp, 'symbolic-ref', 'HEAD', f'refs/heads/{_IMPORT_BRANCH}')
        for key, value in (('gc.auto', '0'), ('core.autocrlf', 'false'),
                           ('core.fsync', 'none'),
                           ('core.untrackedCache', 'false')):
            git(tmp, 'config', key, value)
        git(tmp, 'add', '-A', '-f')
        tree = git(tmp, 'write-tree')
        name, email = _IMPORT_IDENT
        env = {'GIT_AUTHOR_NAME': name, 'GIT_AUTHOR_EMAIL': email,
               'GIT_AUTHOR_DATE': _IMPORT_DATE,
               'GIT_COMMITTER_NAME': name, 'GIT_COMMITTER_EMAIL': email,
               'GIT_COMMITTER_DATE': _IMPORT_DATE}
        message = (f'Import linux-source-{kversion} (Debian)\n\n'
                   f"From {tarball} (sha256 {digest['sha256']})\n")
        commit = git(tmp, 'commit-tree', tree, '-F', '-', env=env,
                     stdin=message)
        git(tmp, 'update-ref', f'refs/heads/{_IMPORT_BRANCH}', commit)
        git(tmp, 'update-ref', _IMPORT_REF, commit)
        stamp.update(commit=commit, sha256=digest['sha256'])
        (tmp / '.git' / _IMPORT_STAMP).write_text(
            json.dumps(stamp, indent=1) + '\n')
        if dest.exists():
            shutil.rmtree(dest)
        tmp.rename(dest)
    return Base(repo=dest.resolve(), commit=commit,
                version=kernel_version(dest, commit), kernel=str(tarball),
                imported=True)


def resolve_base(kernel: Optional[str], base: Optional[str], kversion: str,
                 out: Path, project_root: Path, *,
                 tarball_dir: Path = _TARBALL_DIR,
                 timer: Optional[Timer] = None) -> Base:
    """Finds the base commit of the series.

    Args:
        kernel: KERNEL=DIR as given by the user, or None.
        base: BASE=REV as given by the user, or None (HEAD).
        kversion: The Debian linux-source version to import, e.g. '6.1'.
        out: The output directory.
        project_root: The top of the kmove project (for its kernel
            submodule).
        tarball_dir: Where the linux-source tarballs are.
        timer: Records the import time.

    Returns:
        The Base.

    Raises:
        Trouble: The tree or revision cannot be used.
    """
    if kernel:
        tree = Path(kernel).expanduser()
        if not tree.is_dir():
            raise Trouble(f"cannot find kernel tree '{kernel}'")
        if _toplevel(tree) is None:
            raise Trouble(f"'{kernel}' is not a git repository")
        return _from_tree(tree.resolve(), kernel, base)

    sub = project_root / 'kernel'
    if _is_checkout(sub):
        return _from_tree(sub.resolve(), str(sub), base)

    imp = import_tarball(kversion, Path(out), tarball_dir, timer)
    if base:
        return _from_tree(imp.repo, imp.kernel, base, imported=True)
    return imp


def _object_dir(repo: Path) -> Path:
    """Returns the absolute object directory of repo."""
    common = Path(git(repo, 'rev-parse', '--git-common-dir'))
    if not common.is_absolute():
        common = repo / common
    return (common / 'objects').resolve()


def make_work_clone(base: Base, path: Path, branch: str = 'kmove/series',
                    keep: Sequence[str] = ()) -> Path:
    """Creates or resets the repository the series is built in.

    The user's repository is only read: the clone borrows its objects
    through alternates (``git clone --shared``).  An existing clone of the
    same repository is reset with ``git checkout -f -B``, which rewrites
    only the files that differ from base.commit, and cleaned with
    ``git clean -ffdx``.

    Args:
        base: The base commit.
        path: Where the clone lives.
        branch: The branch created (or reset) at base.commit.
        keep: ``git clean -e`` patterns of untracked paths to keep.

    Returns:
        The clone's path.

    Raises:
        Trouble: path exists but is not a kmove work clone.
    """
    path = Path(path)
    source = str(base.repo.resolve())
    if path.exists():
        mine = _toplevel(path) is not None and \
            _git_ok(path, 'config', '--get', _SOURCE_KEY)
        if mine and mine != source:
            log(f'  {path} is a clone of {mine}, cloning {source} again')
            shutil.rmtree(path)
        elif not mine and any(path.iterdir()):
            raise Trouble(f"'{path}' exists and is not a kmove work clone")
    if not (path / '.git').exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        run(['git', *_GIT_NEUTRAL, 'clone', '-q', '--shared', '--no-checkout',
             '--template=', '-c', f'{_SOURCE_KEY}={source}',
             '-c', 'gc.auto=0', '-c', 'core.autocrlf=false',
             '-c', 'advice.detachedHead=false', source, str(path)])
    else:
        alternates = path / '.git' / 'objects' / 'info' / 'alternates'
        wanted = str(_object_dir(base.repo))
        try:
            have = alternates.read_text().split()
        except OSError:
            have = []
        if wanted not in have:
            alternates.parent.mkdir(parents=True, exist_ok=True)
            alternates.write_text('\n'.join(have + [wanted]) + '\n')
    gitdir = path / '.git'
    for name in _STATE_FILES:
        state = gitdir / name
        if state.is_dir():
            shutil.rmtree(state)
        elif state.exists():
            state.unlink()
    git(path, 'checkout', '-q', '-f', '-B', branch, base.commit)
    clean = ['clean', '-q', '-ffdx']
    for pattern in keep:
        clean += ['-e', pattern]
    git(path, *clean)
    return path


def _main() -> None:
    """Imports a tarball and makes a clone: ``python3 -m kmove.base``."""
    import argparse
    import sys
    from .util import die
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--kernel')
    parser.add_argument('--base')
    parser.add_argument('--kversion', default='6.1')
    parser.add_argument('--out', type=Path, default=Path('out'))
    parser.add_argument('--clone', type=Path)
    args = parser.parse_args()
    try:
        b = resolve_base(args.kernel, args.base, args.kversion, args.out,
                         Path(__file__).resolve().parents[2])
        print(f'{b.repo} {b.commit} {b.version}')
        if args.clone:
            with stage('work clone'):
                make_work_clone(b, args.clone)
    except Trouble as err:
        die(err)
    except subprocess.SubprocessError as err:
        die(Trouble(str(err)))
    sys.exit(0)


if __name__ == '__main__':
    _main()
