#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Tests of the kernel-side Python layer (scripts/kmove), no kernel needed.

Covers the diagnostic parser (sample outputs X.txt with their expected
parse in X.expected.txt), new_warnings(), the errors of resolve_base(),
the import of a tiny linux-source tarball and the work clone.

Run: python3 tests/kbuild/test_kbuild.py [-v]
"""

import io
import os
import subprocess
import sys
import tarfile
import tempfile
import unittest
from pathlib import Path
from typing import List

_HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(_HERE.parents[1] / 'scripts'))

# pylint: disable=wrong-import-position
from kmove import base as kbase  # noqa: E402
from kmove import kbuild  # noqa: E402
from kmove.util import Timer, Trouble, set_quiet  # noqa: E402

_SRC = Path('/src')
_BUILD = Path('/build')
_SAMPLES = ('gcc', 'clang', 'sparse')
_GIT_ID = ('-c', 'user.name=Test', '-c', 'user.email=test@invalid',
           '-c', 'init.defaultBranch=master', '-c', 'commit.gpgSign=false')


def _git(repo: Path, *args: str) -> str:
    """Runs git in repo and returns its stdout."""
    return subprocess.run(['git', '-C', str(repo), *_GIT_ID, *args],
                          check=True, capture_output=True,
                          text=True).stdout.strip()


def _make_repo(path: Path, sublevel: str = '7') -> Path:
    """Creates a one-commit git repo that looks like a kernel tree."""
    path.mkdir(parents=True)
    _git(path, 'init', '-q')
    (path / 'Makefile').write_text(
        '# SPDX-License-Identifier: GPL-2.0\nVERSION = 6\nPATCHLEVEL = 1\n'
        f'SUBLEVEL = {sublevel}\nEXTRAVERSION =\nNAME = Test\n')
    _git(path, 'add', '-A')
    _git(path, 'commit', '-q', '-m', 'base')
    return path


def _expected(name: str) -> List[tuple]:
    """Reads NAME.expected.txt: obj, file, line, col, kind, flag, message."""
    rows = []
    for line in (_HERE / f'{name}.expected.txt').read_text().splitlines():
        if not line or line.startswith('#'):
            continue
        obj, file, lno, col, kind, flag, msg = line.split('\t')
        rows.append((obj, file, int(lno), int(col), kind, flag, msg))
    return rows


class ParserTest(unittest.TestCase):
    """parse_diagnostics() on recorded gcc, clang and sparse output."""

    def _check(self, name: str) -> None:
        text = (_HERE / f'{name}.txt').read_text()
        got = [(w.obj, w.file, w.line, w.col, w.kind, w.flag, w.message)
               for w in kbuild.parse_diagnostics(text, _SRC, _BUILD)]
        self.assertEqual(got, _expected(name))

    def test_gcc(self) -> None:
        self._check('gcc')

    def test_clang(self) -> None:
        self._check('clang')

    def test_sparse(self) -> None:
        self._check('sparse')

    def test_compiled_objects(self) -> None:
        text = (_HERE / 'gcc.txt').read_text()
        self.assertEqual(kbuild._compiled(text, _SRC, _BUILD),
                         ['arch/x86/kvm/mmu/mmu.o', 'virt/kvm/kvm_main.o',
                          'arch/x86/kvm/vmx/vmx.o',
                          'arch/x86/kvm/vmx/vmenter.o'])

    def test_str(self) -> None:
        w = kbuild.Warning('a.c', 3, 5, 'warning', '-Wunused', 'msg')
        self.assertEqual(str(w), 'a.c:3:5: warning: msg [-Wunused]')
        self.assertEqual(kbuild.Warning.from_dict(w.to_dict()), w)


class NewWarningsTest(unittest.TestCase):
    """new_warnings() compares modulo line and column numbers."""

    @staticmethod
    def _w(line: int, msg: str = "no previous prototype for 'f'",
           file: str = 'arch/x86/kvm/mmu/mmu.c',
           flag: str = '-Wmissing-prototypes') -> kbuild.Warning:
        return kbuild.Warning(file, line, 5, 'warning', flag, msg)

    def test_moved_is_not_new(self) -> None:
        self.assertEqual(kbuild.new_warnings([self._w(10)], [self._w(99)]),
                         [])

    def test_extra_is_new(self) -> None:
        extra = self._w(50, "no previous prototype for 'g'")
        self.assertEqual(
            kbuild.new_warnings([self._w(10)], [self._w(12), extra]), [extra])

    def test_multiset(self) -> None:
        self.assertEqual(
            kbuild.new_warnings([self._w(10)], [self._w(11), self._w(30)]),
            [self._w(30)])

    def test_line_reference_in_message(self) -> None:
        base = self._w(4, "'x' redeclared; previous at mmu.c:120:3",
                       flag='-Wshadow')
        step = self._w(9, "'x' redeclared; previous at mmu.c:777:3",
                       flag='-Wshadow')
        self.assertEqual(kbuild.new_warnings([base], [step]), [])

    def test_other_file_is_new(self) -> None:
        moved = self._w(10, file='arch/x86/kvm/mmu/shadow_mmu.c')
        self.assertEqual(kbuild.new_warnings([self._w(10)], [moved]),
                         [moved])


class ExtrawarnTest(unittest.TestCase):
    """The W=N blocks of Makefile.extrawarn are told apart."""

    def test_scan(self) -> None:
        text = ('KBUILD_CFLAGS += -Wall\n'
                'ifneq ($(findstring 1, $(KBUILD_EXTRA_WARN)),)\n'
                'KBUILD_CFLAGS += -Wmissing-prototypes \\\n'
                '\t$(call cc-option, -Wunused-const-variable)\n'
                'else\n'
                'KBUILD_CFLAGS += $(call cc-disable-warning, override-init)\n'
                'ifdef CONFIG_CC_IS_CLANG\n'
                'KBUILD_CFLAGS += -Wno-format\n'
                'endif\n'
                'endif\n'
                'ifneq ($(findstring 2, $(KBUILD_EXTRA_WARN)),)\n'
                'KBUILD_CFLAGS += -Wshadow\n'
                'endif\n')
        found = kbuild._scan(text, {'CC_IS_GCC': 'y'})
        self.assertEqual(found, {
            'default': ['-Wall'],
            'w1': ['-Wmissing-prototypes', '-Wunused-const-variable'],
            'w0': ['-Wno-override-init']})
        found = kbuild._scan(text, {'CC_IS_CLANG': 'y'})
        self.assertEqual(found['w0'], ['-Wno-override-init', '-Wno-format'])


class ResolveBaseTest(unittest.TestCase):
    """resolve_base() errors are one-line Troubles."""

    def setUp(self) -> None:
        self._tmp = tempfile.TemporaryDirectory()
        self.tmp = Path(self._tmp.name)
        self.out = self.tmp / 'out'
        self.root = self.tmp / 'project'
        self.root.mkdir()

    def tearDown(self) -> None:
        self._tmp.cleanup()

    def _trouble(self, kernel, base=None, **kw) -> str:
        with self.assertRaises(Trouble) as ctx:
            kbase.resolve_base(kernel, base, '6.1', self.out, self.root, **kw)
        msg = str(ctx.exception)
        self.assertNotIn('\n', msg)
        return msg

    def test_missing_tree(self) -> None:
        tree = str(self.tmp / 'nothere')
        self.assertEqual(self._trouble(tree),
                         f"cannot find kernel tree '{tree}'")

    def test_not_git(self) -> None:
        tree = self.tmp / 'plain'
        tree.mkdir()
        self.assertEqual(self._trouble(str(tree)),
                         f"'{tree}' is not a git repository")

    def test_subdirectory_is_not_a_tree(self) -> None:
        repo = _make_repo(self.tmp / 'linux')
        (repo / 'sub').mkdir()
        self.assertEqual(self._trouble(str(repo / 'sub')),
                         f"'{repo / 'sub'}' is not a git repository")

    def test_unknown_revision(self) -> None:
        repo = _make_repo(self.tmp / 'linux')
        self.assertEqual(self._trouble(str(repo), 'v9.9'),
                         f"unknown revision 'v9.9' in '{repo}'")

    def test_dirty_tree(self) -> None:
        repo = _make_repo(self.tmp / 'linux')
        with open(repo / 'Makefile', 'a') as f:
            f.write('# local change\n')
        self.assertEqual(self._trouble(str(repo)),
                         f"kernel tree '{repo}' has uncommitted changes: "
                         'commit them or give BASE=REV')
        # With BASE the work tree does not matter.
        b = kbase.resolve_base(str(repo), 'HEAD', '6.1', self.out, self.root)
        self.assertEqual(b.commit, _git(repo, 'rev-parse', 'HEAD'))

    def test_untracked_files_are_fine(self) -> None:
        repo = _make_repo(self.tmp / 'linux', sublevel='192')
        (repo / 'notes.txt').write_text('x\n')
        b = kbase.resolve_base(str(repo), None, '6.1', self.out, self.root)
        self.assertEqual((b.version, b.imported, b.kernel),
                         ('6.1.192', False, str(repo)))
        self.assertEqual(len(b.commit), 40)

    def test_submodule_checkout(self) -> None:
        repo = _make_repo(self.root / 'kernel')
        b = kbase.resolve_base(None, None, '6.1', self.out, self.root)
        self.assertEqual(b.repo, repo.resolve())

    def test_missing_tarball(self) -> None:
        (self.root / 'kernel').mkdir()   # an unpopulated submodule
        tarball = self.tmp / 'linux-source-6.1.tar.xz'
        self.assertEqual(self._trouble(None, tarball_dir=self.tmp),
                         f"cannot find '{tarball}': run 'make deps'")


class ImportTest(unittest.TestCase):
    """A tiny tarball imports reproducibly and clones without writes."""

    def setUp(self) -> None:
        self._tmp = tempfile.TemporaryDirectory()
        self.tmp = Path(self._tmp.name)
        self.root = self.tmp / 'project'
        self.root.mkdir()
        self.tarball = self.tmp / 'linux-source-6.1.tar.xz'
        with tarfile.open(self.tarball, 'w:xz') as tar:
            for name, text in (
                    ('Makefile', 'VERSION = 6\nPATCHLEVEL = 1\n'
                     'SUBLEVEL = 192\nEXTRAVERSION =\n'),
                    ('.gitignore', '/*\n!/debian/\n'),
                    ('arch/x86/kvm/mmu/mmu.c', 'int x;\n')):
                data = text.encode()
                info = tarfile.TarInfo(f'linux-source-6.1/{name}')
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))

    def tearDown(self) -> None:
        self._tmp.cleanup()

    def _import(self, out: Path) -> kbase.Base:
        return kbase.resolve_base(None, None, '6.1', out, self.root,
                                  tarball_dir=self.tmp, timer=Timer())

    def test_import_reproducible_and_reused(self) -> None:
        out1, out2 = self.tmp / 'out1', self.tmp / 'out2'
        (out1 / 'base' / '.linux-6.1.tmp123').mkdir(parents=True)
        b1 = self._import(out1)
        self.assertFalse((out1 / 'base' / '.linux-6.1.tmp123').exists())
        self.assertEqual((b1.version, b1.imported, b1.kernel),
                         ('6.1.192', True, str(self.tarball)))
        self.assertEqual(b1.repo, (out1 / 'base' / 'linux-6.1').resolve())
        self.assertEqual(_git(b1.repo, 'ls-files'),
                         '.gitignore\nMakefile\narch/x86/kvm/mmu/mmu.c')
        self.assertEqual(_git(b1.repo, 'log', '--format=%an <%ae>%n%s'),
                         'kmove <kmove@invalid>\n'
                         'Import linux-source-6.1 (Debian)')
        self.assertEqual(self._import(out2).commit, b1.commit)
        timer = Timer()
        again = kbase.resolve_base(None, None, '6.1', out1, self.root,
                                   tarball_dir=self.tmp, timer=timer)
        self.assertEqual(again.commit, b1.commit)
        self.assertEqual(timer.seconds, {})     # nothing imported
        os.utime(self.tarball, (1, 1))          # a different tarball
        timer = Timer()
        kbase.resolve_base(None, None, '6.1', out1, self.root,
                           tarball_dir=self.tmp, timer=timer)
        self.assertEqual(list(timer.seconds), ['import base linux-6.1'])

    def test_work_clone(self) -> None:
        b = self._import(self.tmp / 'out')
        before = _git(b.repo, 'for-each-ref')
        clone = kbase.make_work_clone(b, self.tmp / 'work')
        self.assertEqual(_git(clone, 'rev-parse', 'kmove/series'), b.commit)
        self.assertEqual(_git(clone, 'symbolic-ref', 'HEAD'),
                         'refs/heads/kmove/series')
        # Dirty the clone, then reset it.
        (clone / 'arch/x86/kvm/mmu/mmu.c').write_text('changed\n')
        (clone / 'arch/x86/kvm/mmu/shadow_mmu.c').write_text('new\n')
        _git(clone, 'add', '-f', 'arch/x86/kvm/mmu/shadow_mmu.c')
        _git(clone, 'commit', '-q', '-am', 'step')
        (clone / 'stray.o').write_text('')
        kbase.make_work_clone(b, clone)
        self.assertEqual(_git(clone, 'rev-parse', 'HEAD'), b.commit)
        self.assertEqual((clone / 'arch/x86/kvm/mmu/mmu.c').read_text(),
                         'int x;\n')
        self.assertFalse((clone / 'arch/x86/kvm/mmu/shadow_mmu.c').exists())
        self.assertFalse((clone / 'stray.o').exists())
        self.assertEqual(_git(b.repo, 'for-each-ref'), before)

    def test_foreign_directory(self) -> None:
        b = self._import(self.tmp / 'out')
        other = self.tmp / 'other'
        other.mkdir()
        (other / 'precious.txt').write_text('x')
        with self.assertRaises(Trouble):
            kbase.make_work_clone(b, other)


class CheckpatchSplitTest(unittest.TestCase):
    """gates.checkpatch(): new lines and the commit message are the step's
    own; a line the parent already had (moved code) is carried."""

    def test_new_carried_and_log(self) -> None:
        from kmove import gates
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            _git(work, 'init', '-q')
            (work / 'a.c').write_text('int  old_line;\n')
            _git(work, 'add', 'a.c')
            _git(work, 'commit', '-q', '-m', 'base')
            parent = _git(work, 'rev-parse', 'HEAD').strip()
            patch = work / 'p.patch'
            patch.write_text('From x\nSubject: [PATCH] t\n\n' + 'x' * 80 +
                             '\n---\n a.c | 1 +\n\n'
                             'diff --git a/a.c b/a.c\n--- a/a.c\n+++ b/a.c\n'
                             '@@ -1 +1,3 @@\n int  old_line;\n+int  old_line;\n'
                             '+int  new_line;\n')
            (work / 'scripts').mkdir()
            # checkpatch's terse output for the log line, a carried and a new line
            (work / 'scripts' / 'checkpatch.pl').write_text(
                'my $p = $ARGV[-1];\n'
                'print "$p:4: WARNING:COMMIT_LOG_LONG_LINE: long\\n";\n'
                'print "$p:13: ERROR:SPACING: space\\n";\n'
                'print "$p:14: ERROR:SPACING: space\\n";\n')
            r = gates.checkpatch(work, patch, parent)
        self.assertEqual(len(r['new']), 2, r)
        self.assertIn('COMMIT_LOG_LONG_LINE', r['new'][0])
        self.assertIn('new_line', r['new'][1])
        self.assertEqual(r['carried'], {'ERROR:SPACING': 1})
        self.assertEqual(r['errors_new'], 1)


class TidyTest(unittest.TestCase):
    """edits._tidy_lines(): kernel layout for what a semantic patch added,
    and nothing else touched."""

    def test_added_lines_only(self) -> None:
        from kmove.edits import _tidy_lines
        lines = ['int  a;  ', '\t}', '\telse {', '\t\t', '', '',
                 '\t\t\t\t        x(1);  ', '\t}', '\telse', 'b  ']
        got = _tidy_lines(lines, set(range(2, 8)))
        self.assertEqual(got, ['int  a;  ', '\t} else {', '',
                               '\t\t\t\t\tx(1);', '\t}', '\telse', 'b  '])


class PatchStepTest(unittest.TestCase):
    """edits.patch(): a user's patch applies, or the step stops with one
    line saying why, the tree untouched."""

    def _ctx(self, work: Path, arg: str):
        from kmove import steps as ksteps
        ctx = ksteps.Context(work=work, out=work / 'out', bin=work,
                             project=work, manifest=work, compdb=work,
                             paging_tmpl='shadow', series=work)
        ctx.step = {'n': '90', 'op': 'patch', 'arg': arg, 'attrs': {}}
        return ctx

    def test_applies_and_conflicts(self) -> None:
        from kmove import edits
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            _git(work, 'init', '-q')
            f = work / 'arch/x86/kvm/mmu/a.c'
            f.parent.mkdir(parents=True)
            f.write_text('int a;\n')
            _git(work, 'add', '-A')
            _git(work, 'commit', '-q', '-m', 'base')
            f.write_text('int a;\nint b;\n')
            (work / 'good.patch').write_text(_git(work, 'diff').rstrip('\n') + '\n')
            _git(work, 'checkout', '-q', '--', '.')
            (work / 'bad.patch').write_text(
                (work / 'good.patch').read_text().replace(' int a;', ' int z;'))
            with self.assertRaises(Trouble) as err:
                edits.patch(self._ctx(work, 'bad.patch'))
            self.assertIn('bad.patch does not apply', str(err.exception))
            self.assertEqual(f.read_text(), 'int a;\n')
            items = edits.patch(self._ctx(work, 'good.patch'))
            self.assertEqual(f.read_text(), 'int a;\nint b;\n')
            self.assertTrue(any('a.c' in i for i in items), items)


class RenameStepTest(unittest.TestCase):
    """edits.rename(): definitions, calls, pointers, comments and macro
    bodies follow the map; struct members, strings and keep= files do not;
    an entry only a comment names is stale."""

    SRC = ('''/* old_fn() counts; old_fn_two is another one */
#define CALL_OLD(x) old_fn(x)
struct s { int (*old_fn)(int); int v; };
static const char *name = "old_fn";
int old_fn(int a);
int old_fn(int a)
{
	return a;
}
int user(struct s *p)
{
	int (*f)(int) = old_fn;
	return old_fn(p->v) + p->old_fn(3) + f(1) + CALL_OLD(2);
}
''')

    def test_rename(self) -> None:
        import shutil
        from kmove import edits, steps as ksteps
        if not shutil.which('spatch'):
            self.skipTest('no spatch')
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            mmu = work / 'arch/x86/kvm/mmu'
            mmu.mkdir(parents=True)
            (mmu / 'a.c').write_text(self.SRC)
            (mmu / 'trace.h').write_text('TRACE(old_fn, x)\n')
            (work / 'renames').write_text(
                'old_fn new_fn 08 keep=arch/x86/kvm/mmu/trace.h\n'
                'gone_fn other_fn 08\n')
            (mmu / 'b.c').write_text('/* gone_fn() is only named here */\n')
            ctx = ksteps.Context(work=work, out=work / 'out', bin=work,
                                 project=_HERE.parents[1], manifest=work,
                                 compdb=work, paging_tmpl='shadow',
                                 renames=work / 'renames', series=work)
            ctx.step = {'n': '08', 'op': 'rename', 'arg': None, 'attrs': {}}
            items = edits.rename(ctx)
            got = (mmu / 'a.c').read_text()
            trace = (mmu / 'trace.h').read_text()
        self.assertIn('old_fn() -> new_fn()', items)
        want = (self.SRC.replace('old_fn() counts', 'new_fn() counts')
                .replace('x) old_fn(x)', 'x) new_fn(x)')
                .replace('int old_fn(int a)', 'int new_fn(int a)')
                .replace('= old_fn;', '= new_fn;')
                .replace('return old_fn(p', 'return new_fn(p'))
        self.assertEqual(got, want)
        self.assertEqual(trace, 'TRACE(old_fn, x)\n')
        self.assertTrue(any(n.startswith('stale rename entry: gone_fn')
                            for n in ctx.notes), ctx.notes)
        self.assertTrue(any('macro body' in n or 'spatch' in n
                            for n in ctx.notes), ctx.notes)


class ExtractSpecTest(unittest.TestCase):
    """extract.read_spec(): the series' own files parse; a bad line stops
    with file:line."""

    def test_series_files(self) -> None:
        from kmove import extract
        series = _HERE.parents[1] / 'series/shadow-mmu'
        acts = extract.read_spec(series / '07-shrinker.extract')
        self.assertEqual([(a.what, a.name) for a in acts],
                         [('extract', 'mmu_shrink_scan'),
                          ('move', 'mmu_shrink_scan'),
                          ('expose', 'kvm_has_zapped_obsolete_pages')])
        self.assertEqual(acts[0].opts['result'], 'freed')
        self.assertEqual(acts[1].opts, {'to': 'mmu.c',
                                        'before': 'mmu_shrink_count'})
        acts = extract.read_spec(series / '11-wrprot.extract')
        self.assertEqual(len(acts), 5)
        self.assertTrue(all(a.opts['to'] == 'shadow_mmu.c' for a in acts))

    def test_unknown_function(self) -> None:
        from kmove import extract, steps as ksteps
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            mmu = work / 'arch/x86/kvm/mmu'
            mmu.mkdir(parents=True)
            (mmu / 'mmu.c').write_text('int f(void)\n{\n\treturn 0;\n}\n')
            (work / 'a.extract').write_text(
                'extract nosuch\n\tfrom return 0;\n\tnew int g(void)\n')
            ctx = ksteps.Context(work=work, out=work / 'out', bin=work,
                                 project=work, manifest=work, compdb=work,
                                 paging_tmpl='shadow', series=work)
            ctx.step = {'n': '07', 'op': 'extract', 'arg': 'a.extract',
                        'attrs': {}}
            with self.assertRaises(Trouble) as err:
                extract.extract(ctx)
            self.assertIn('a.extract:1: 0 definitions of nosuch()',
                          str(err.exception))
            self.assertEqual((mmu / 'mmu.c').read_text(),
                             'int f(void)\n{\n\treturn 0;\n}\n')

    def test_bad_lines(self) -> None:
        from kmove import extract
        cases = {
            'from x;\n': 'a.extract:1: expected',
            '\tfrom x;\n': 'a.extract:1: "from" belongs under',
            'extract f\n\tnew void g(void)\n': 'a.extract:1: extract f needs',
            'extract f\n\tfrom a\n\tfrom b\n': 'a.extract:3: "from" given twice',
            'move f into mmu.c\n': 'a.extract:1: expected',
            'expose f g\n': 'a.extract:1: expected',
        }
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / 'a.extract'
            for text, want in cases.items():
                path.write_text(text)
                with self.assertRaises(Trouble) as err:
                    extract.read_spec(path)
                self.assertIn(want, str(err.exception), text)


class CoverLetterTest(unittest.TestCase):
    """series._cover_letter(): patch numbers with their step, and the steps
    the base did not need, with the reason."""

    def test_numbers_and_skips(self) -> None:
        from kmove import series
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            (out / 'series').mkdir()
            cover = out / 'series' / '0000-cover-letter.patch'
            cover.write_text('Subject: *** SUBJECT HERE ***\n\n*** BLURB HERE ***\n')
            step = {'build': {'ok': True, 'new_warnings': []},
                    'verify': {'status': 'clean'}}
            steps = [dict(step, n='08', op='rename', subject='A'),
                     dict(step, n='10', op='rename', subject='B')]

            class Base:
                commit, version = 'abc', '6.1'
            series._cover_letter(out, steps, 'make', Base,
                                 ['step 09 skipped: already upstream',
                                  'stale rename entry: x'])
            text = cover.read_text()
        self.assertIn('  02/02 B\n     step 10 (rename): build ok', text)
        self.assertIn('  step 09 skipped: already upstream', text)
        self.assertNotIn('stale rename entry', text)


if __name__ == '__main__':
    set_quiet(True)
    unittest.main()
