# SPDX-License-Identifier: GPL-2.0
"""Configure and build arch/x86/kvm out of tree, and collect its warnings.

One build directory (``make O=BUILD``) is reused for every step of the
series so that each step recompiles only what changed; a clang (LLVM=1)
build needs a build directory of its own.  All make invocations of a build
directory pass the same CC, W=1 and KCFLAGS, so that no object is rebuilt
merely because its command line changed.

Compiler cache: when ccache is installed CC is ``ccache gcc`` (or
``ccache clang``).  The cache lives where ccache keeps it by default
($CCACHE_DIR if set, else ~/.cache/ccache), so it is shared by every output
directory and survives removing one; ccache replays diagnostics on a hit,
so cached compiles still report their warnings.

Both warning gates are proven by one build per step:

* KVM_WERROR=y stays real: arch/x86/kvm/Makefile adds -Werror, so every
  warning of the kernel's normal set fails the build.
* W=1 adds the extra warnings of scripts/Makefile.extrawarn.  Those, and
  only those, are made non-fatal with KCFLAGS=-Wno-error=FLAG..., so that a
  step with a new W=1 warning still builds and the warning is reported by
  comparison with the base instead (new_warnings()).  The options are
  read from the tree's own Makefile and Makefile.extrawarn, and the
  compiler says which warnings they enable beyond the W=0 set (groups
  such as -Wextra expanded): ``gcc -Q --help=warnings`` or LLVM's
  ``diagtool show-enabled``.  A warning already enabled at W=0 stays
  fatal, e.g. -Wunused-function.  The list is stored with the build
  directory's configuration and visible as BuildResult.w1_flags.

W=1 also runs scripts/kernel-doc on every compiled source; its warnings
carry the flag 'kernel-doc' and are never fatal.

Measured on Debian 12 (gcc 12.2.0, clang 14.0.6, sparse 0.6.4, 2 CPUs),
x86_64_defconfig + KVM=m, KVM_INTEL=m, KVM_AMD=m, KVM_WERROR=y:

* linux-source-6.1 (6.1.192), 41 objects: no compiler warning at W=1,
  with gcc or clang, so the base builds with KVM_WERROR=y and W=1 even
  without the -Wno-error flags.  kernel-doc reports 4 warnings, all at
  arch/x86/kvm/mmu/mmu.c:1325 (kvm, slot, gfn_offset and mask of
  kvm_arch_mmu_enable_log_dirty_pt_masked() not described).  sparse on
  mmu.o: 8 warnings (3 context imbalances, 5 truncating casts).
* linux-source-6.12 (6.12.117), 45 objects: no warning at all, with gcc or
  clang.  -Wmissing-prototypes is in the default set since 6.8, hence
  fatal under KVM_WERROR=y.  sparse on mmu.o: 9 warnings.
* LLVM=1 with Debian's clang-14, ld.lld-14 and llvm-ar works on both.
* 6.1, gcc: configure 4 s, prepare 6 s, no-op prepare 0.8 s, full build
  23 s (2.7 s in a new build directory with a warm ccache), no-op build
  0.8 s, after touching mmu.c 0.9 s (a ccache hit), after editing mmu.c
  3.5-5 s.  clang: configure 9-13 s, full build 30-35 s.

Because only changed objects are recompiled, the warnings of each object's
latest compile are kept in BUILD/kmove-warnings.json, and
BuildResult.warnings is the union over all kvm objects.  A fresh build
directory compiles everything, so a base build yields the full set.
"""

import collections
import dataclasses
import hashlib
import json
import os
import re
import shlex
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from .util import Trouble, log, cpus, run, which

_KVM_DIR = 'arch/x86/kvm/'
_KVM_SOURCE_DIRS = ('arch/x86/kvm/', 'virt/kvm/')
_DEFCONFIG = 'x86_64_defconfig'
# Option, wanted value ('y', 'm' or 'n').
_FRAGMENT: Tuple[Tuple[str, str], ...] = (
    ('EXPERT', 'y'),
    ('VIRTUALIZATION', 'y'),
    ('KVM', 'm'),
    ('KVM_INTEL', 'm'),
    ('KVM_AMD', 'm'),
    ('KVM_WERROR', 'y'),
)
# Options whose value the top Makefile adds to KBUILD_CFLAGS.
_CONFIG_CFLAGS = ('CC_IMPLICIT_FALLTHROUGH',)
_STATE_FILE = 'kmove-kbuild.json'
_STORE_FILE = 'kmove-warnings.json'
_LOG_FILE = 'kmove-build.log'
_SPARSE_LOG_FILE = 'kmove-sparse.log'
_STATE_VERSION = 2

# "  CC [M]  arch/x86/kvm/x86.o", "  CHECK   /src/arch/x86/kvm/x86.c"
_COMMAND = re.compile(
    r'^  (?P<cmd>[A-Z][A-Z0-9_]*(?: \[M\])?)\s+(?P<arg>\S+)$')
# gcc and clang: "file:line:col: warning: message [-Wflag]"; kernel-doc has
# no column, sparse no flag.
_DIAG = re.compile(
    r'^(?P<file>[^\s:][^:]*):(?P<line>\d+):(?:(?P<col>\d+):)?\s*'
    r'(?P<kind>warning|error|fatal error):\s+(?P<msg>.*?)'
    r'(?:\s+\[(?P<flag>-W[^\]]*)\])?$')
# "cc1: warning: /x: No such file or directory [-Wmissing-include-dirs]"
_TOOL_DIAG = re.compile(
    r'^(?P<file>cc1|clang|gcc|ld(?:\.lld)?):\s+(?P<kind>warning|error):\s+'
    r'(?P<msg>.*?)(?:\s+\[(?P<flag>-W[^\]]*)\])?$')
# "arch/x86/kvm/vmx/vmx.o: warning: objtool: vmx_vcpu_run()+0x12: ..."
_OBJTOOL = re.compile(r'^(?P<file>\S+\.o):\s+(?P<kind>warning|error):\s+'
                      r'objtool:\s+(?P<msg>.*)$')
_CHECK_CMDS = ('CHECK',)
_COMPILE_CMDS = ('CC', 'CC [M]', 'AS', 'AS [M]', 'CPP', 'CHECK')
# Numbers that move when code moves: line:col references and addresses.
_NORMALISE = ((re.compile(r':\d+(?::\d+)?\b'), ':N'),
              (re.compile(r'\bline \d+\b'), 'line N'),
              (re.compile(r'\b0x[0-9a-fA-F]+\b'), '0xN'))
_EXTRAWARN = 'scripts/Makefile.extrawarn'
_W_TOKEN = re.compile(r'(?<![\w-])-W[a-zA-Z][\w=+.,-]*')
_DISABLE_CALL = re.compile(r'cc-disable-warning\s*,\s*([\w+-]+)')
_LEVEL = re.compile(r'findstring\s+(\w),\s*\$\(KBUILD_EXTRA_WARN\)')
_DIAGTOOL_LINE = re.compile(r'^[WE]\s+\S+\s+\[-W([^\]]+)\]', re.M)
_HELP_LINE = re.compile(r'^\s+-W(\S+?)(?:=<[^>]*>)?\s+(\S.*)$')


# pylint: disable=redefined-builtin
@dataclass(frozen=True)
class Warning:
    """One diagnostic of a compiler, sparse, kernel-doc or objtool.

    Attributes:
        file: The file, relative to the source tree when inside it.
        line: The line, 0 when the tool gives none.
        col: The column, 0 when the tool gives none.
        kind: 'warning' or 'error'.
        flag: The compiler's flag ('-Wmissing-prototypes'), or 'sparse',
            'kernel-doc', 'objtool', or '' for errors without a flag.
        message: The text of the diagnostic.
        obj: The object whose build printed it (not compared).
    """
    file: str
    line: int
    col: int
    kind: str
    flag: str
    message: str
    obj: str = field(default='', compare=False)

    def __str__(self) -> str:
        where = f'{self.file}:{self.line}:{self.col}' if self.col else \
            f'{self.file}:{self.line}'
        flag = f' [{self.flag}]' if self.flag else ''
        return f'{where}: {self.kind}: {self.message}{flag}'

    def to_dict(self) -> dict:
        """Returns the warning as a JSON-able dict."""
        return dataclasses.asdict(self)

    @staticmethod
    def from_dict(d: dict) -> 'Warning':
        """Makes a warning from to_dict()'s output."""
        return Warning(**d)


@dataclass
class BuildResult:
    """The outcome of one build of arch/x86/kvm.

    Attributes:
        ok: make succeeded.
        seconds: Wall time of the build.
        compiled: Objects compiled (or checked) by this build.
        warnings: The warnings of the latest compile of every kvm object.
        log_path: The full make output.
        new: Warnings printed by this build only.
        w1_flags: Flags that W=1 adds (non-fatal in this build directory).
    """
    ok: bool
    seconds: float
    compiled: List[str]
    warnings: List[Warning]
    log_path: Path
    new: List[Warning] = field(default_factory=list)
    w1_flags: List[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """Returns the result as a JSON-able dict."""
        return {'ok': self.ok, 'seconds': round(self.seconds, 1),
                'compiled': self.compiled,
                'warnings': [w.to_dict() for w in self.warnings],
                'log': str(self.log_path)}


def _norm_path(path: str, src: Path, build: Path) -> str:
    """Returns path (as printed by a tool running in build) relative to src.

    Paths outside the source tree are returned absolute.
    """
    p = Path(os.path.normpath(build / path))
    try:
        return str(p.relative_to(src))
    except ValueError:
        return str(p)


def _norm_obj(arg: str, src: Path, build: Path) -> str:
    """Normalises a kbuild target name ('arch/x86/kvm/../../../virt/x.o')."""
    arg = os.path.normpath(arg)
    if os.path.isabs(arg):
        for root in (build, src):
            try:
                return str(Path(arg).relative_to(root))
            except ValueError:
                pass
    return arg


def _obj_of_source(path: str) -> str:
    """Maps a source file name to its object ('x.c' -> 'x.o')."""
    stem, ext = os.path.splitext(path)
    return stem + '.o' if ext in ('.c', '.S') else path


def parse_diagnostics(text: str, src: Path = Path('.'),
                      build: Path = Path('.')) -> List[Warning]:
    """Parses make output for gcc, clang, sparse, kernel-doc and objtool.

    Each diagnostic is attributed to the object named by the kbuild command
    line ('  CC [M]  arch/x86/kvm/x86.o') that precedes it; make's
    --output-sync keeps a target's lines together.

    Args:
        text: The output of make (or of a compiler).
        src: The source tree, to make file names relative.
        build: The build directory the tools ran in.

    Returns:
        The warnings and errors, in output order; notes are dropped.
    """
    out: List[Warning] = []
    obj, cmd = '', ''
    for raw in text.splitlines():
        line = raw.rstrip()
        m = _COMMAND.match(line)
        if m:
            cmd = m.group('cmd')
            if cmd in _COMPILE_CMDS:
                obj = _norm_obj(m.group('arg'), src, build)
                if cmd in _CHECK_CMDS:
                    obj = _obj_of_source(obj)
            continue
        m = _DIAG.match(line)
        if m:
            flag = m.group('flag') or ''
            col = int(m.group('col') or 0)
            if flag:
                flag = _norm_flag(flag)
            elif not m.group('col'):
                flag = 'kernel-doc'
            elif cmd in _CHECK_CMDS:
                flag = 'sparse'
            kind = 'error' if 'error' in m.group('kind') else 'warning'
            out.append(Warning(_norm_path(m.group('file'), src, build),
                               int(m.group('line')), col, kind, flag,
                               m.group('msg'), obj))
            continue
        m = _OBJTOOL.match(line)
        if m:
            out.append(Warning(_norm_obj(m.group('file'), src, build), 0, 0,
                               m.group('kind'), 'objtool', m.group('msg'),
                               obj))
            continue
        m = _TOOL_DIAG.match(line)
        if m and not m.group('msg').startswith('all warnings being treated'):
            out.append(Warning(m.group('file'), 0, 0, m.group('kind'),
                               _norm_flag(m.group('flag') or ''),
                               m.group('msg'), obj))
    return out


def _norm_flag(flag: str) -> str:
    """'-Werror=foo' and '-Werror,-Wfoo' -> '-Wfoo'."""
    parts = [p for p in flag.split(',') if p != '-Werror']
    flag = parts[-1] if parts else flag
    if flag.startswith('-Werror='):
        flag = '-W' + flag[len('-Werror='):]
    return flag


def _key(w: Warning) -> Tuple[str, str, str]:
    """The identity of a warning modulo line and column numbers."""
    msg = w.message
    for pattern, repl in _NORMALISE:
        msg = pattern.sub(repl, msg)
    return (w.file, w.flag, msg)


def new_warnings(base: Sequence[Warning],
                 step: Sequence[Warning]) -> List[Warning]:
    """Returns the warnings of step that base does not have.

    A multiset difference: two identical warnings in step against one in
    base leave one new.  Warnings compare by file, flag and message with
    line/column references and hex addresses blanked, so a warning that
    only moved is not new.

    Args:
        base: The warnings of the base build.
        step: The warnings of a later build.

    Returns:
        The new warnings, in step's order.
    """
    have = collections.Counter(_key(w) for w in base)
    new = []
    for w in step:
        k = _key(w)
        if have[k]:
            have[k] -= 1
        else:
            new.append(w)
    return new


# --- build directory state ----------------------------------------------


def _cc(llvm: bool) -> str:
    """Returns the C compiler command, with ccache when installed."""
    compiler = 'clang' if llvm else 'gcc'
    return f'ccache {compiler}' if which('ccache') else compiler


def _state_path(build: Path) -> Path:
    """The file where configure() keeps the build directory's settings."""
    return build / _STATE_FILE


def _load_state(build: Path) -> dict:
    """Reads the state configure() left in build."""
    try:
        return json.loads(_state_path(build).read_text())
    except (OSError, ValueError) as err:
        raise Trouble(f"build directory '{build}' is not configured: "
                      'run configure first') from err


def _make_args(build: Path, state: dict, jobs: Optional[int] = None,
               w1: bool = True) -> List[str]:
    """The make command line shared by all builds in build."""
    args = ['make', f'O={build}', f'-j{jobs or cpus()}', f"CC={state['cc']}"]
    if state['llvm']:
        args.append('LLVM=1')
    if w1:
        args.append('W=1')
        if state['kcflags']:
            args.append(f"KCFLAGS={state['kcflags']}")
    return args


def _env() -> Dict[str, str]:
    """Environment for make: plain ASCII diagnostics, no colours."""
    return {'LC_ALL': 'C', 'LANG': 'C', 'GCC_COLORS': '',
            'KBUILD_BUILD_TIMESTAMP': '', 'TERM': 'dumb'}


def _kernel_version(src: Path) -> str:
    """VERSION.PATCHLEVEL.SUBLEVEL of the tree's top Makefile."""
    try:
        text = (src / 'Makefile').read_text(errors='replace')
    except OSError as err:
        raise Trouble(f"'{src}' is not a kernel tree") from err
    vals = dict(re.findall(r'^(VERSION|PATCHLEVEL|SUBLEVEL)\s*=\s*(\d+)',
                           text, re.M))
    return '.'.join(vals.get(k, '0')
                    for k in ('VERSION', 'PATCHLEVEL', 'SUBLEVEL'))


def _config_values(config: Path) -> Dict[str, str]:
    """Parses a .config into {OPTION: value}, 'n' for 'is not set'."""
    values = {}
    for line in config.read_text(errors='replace').splitlines():
        m = re.match(r'^CONFIG_(\w+)=(.*)$', line)
        if m:
            values[m.group(1)] = m.group(2)
            continue
        m = re.match(r'^# CONFIG_(\w+) is not set$', line)
        if m:
            values[m.group(1)] = 'n'
    return values


def _logical_lines(text: str) -> Iterable[str]:
    """Joins make's backslash continuations and drops comments."""
    buf = ''
    for line in text.splitlines():
        if line.endswith('\\'):
            buf += line[:-1] + ' '
            continue
        yield (buf + line).split('#', 1)[0]
        buf = ''
    if buf:
        yield buf.split('#', 1)[0]


def _flag_tokens(line: str) -> List[str]:
    """The -W options of one make line, cc-disable-warning as -Wno-X."""
    if not re.search(r'\bKBUILD_(C|CPP)FLAGS\b', line):
        return []
    toks = [t for t in _W_TOKEN.findall(line)
            if not t.endswith('=') and not re.match(r'-W[apl],', t)]
    toks += ['-Wno-' + w for w in _DISABLE_CALL.findall(line)]
    return toks


def _cond(line: str, config: Dict[str, str]) -> Optional[bool]:
    """Evaluates ``ifdef CONFIG_X``/``ifndef CONFIG_X``; None if unknown."""
    m = re.match(r'(ifn?def)\s+CONFIG_(\w+)\s*$', line)
    if not m:
        return None
    on = config.get(m.group(2), 'n') not in ('', 'n')
    return on if m.group(1) == 'ifdef' else not on


def _scan(text: str, config: Dict[str, str]) -> Dict[str, List[str]]:
    """Sorts the -W options of a kbuild makefile by W=N conditional.

    ``ifdef CONFIG_X`` is evaluated with config; other conditionals are
    not, and both of their branches count.

    Returns:
        {'default': [...], 'w1': [...], 'w0': [...]}: options outside any
        W=N block, inside the W=1 block, and in the W=1 block's else branch.
    """
    found: Dict[str, List[str]] = {'default': [], 'w1': [], 'w0': []}
    # Each entry: [W level or '', known condition or None, in else branch].
    stack: List[list] = []
    for line in _logical_lines(text):
        s = line.strip()
        word = s.split(None, 1)[0] if s else ''
        level = _LEVEL.search(s)
        if word in ('ifeq', 'ifneq', 'ifdef', 'ifndef'):
            stack.append([level.group(1) if level else '', _cond(s, config),
                          False])
            continue
        if word == 'else':
            if stack:
                rest = s[len('else'):].strip()
                if rest:
                    # "else ifxxx": an else-if chain closed by one endif.
                    stack[-1] = [level.group(1) if level else
                                 stack[-1][0], _cond(rest, config)
                                 if not stack[-1][1] else False,
                                 False]
                else:
                    stack[-1][2] = True
            continue
        if word == 'endif':
            if stack:
                stack.pop()
            continue
        if any(cond is not None and cond == els for _, cond, els in stack):
            continue
        levels = [(lvl, els) for lvl, _, els in stack if lvl]
        toks = _flag_tokens(s)
        if not levels:
            found['default'] += toks
        elif levels == [('1', False)]:
            found['w1'] += toks
        elif levels == [('1', True)]:
            found['w0'] += toks
    return found


def _kernel_flags(src: Path, config: Dict[str, str]
                  ) -> Tuple[List[str], List[str], List[str]]:
    """The kernel's default -W options, those of W=1 and those of W=0 only.

    Reads the top Makefile and scripts/Makefile.extrawarn.  Since 6.8, the
    ``else`` branch of the W=1 block disables noisy warnings when W=1 is
    not given: those are the "W=0 only" options.

    Args:
        src: The kernel tree.
        config: The configuration, for ``ifdef CONFIG_CC_IS_CLANG`` and
            the like.

    Returns:
        (default options, W=1 options, W=0-only options).
    """
    top = _scan((src / 'Makefile').read_text(errors='replace'), config)
    extra = src / _EXTRAWARN
    if not extra.is_file():
        return top['default'], [], []
    found = _scan(extra.read_text(errors='replace'), config)
    return top['default'] + found['default'], found['w1'], found['w0']


def _accepts(cc: Sequence[str], flags: Sequence[str]) -> bool:
    """True if the compiler accepts flags with -Werror on empty input."""
    proc = run([*cc, '-Werror', *flags, '-fsyntax-only', '-x', 'c',
                '/dev/null'], check=False)
    return proc.returncode == 0


def _gcc_enabled(cc: Sequence[str], flags: Sequence[str]) -> set:
    """The warnings gcc enables with flags (``gcc -Q --help=warnings``)."""
    proc = run([*cc, '-Q', '--help=warnings', *flags], check=False,
               env={'LC_ALL': 'C'})
    enabled = set()
    for line in proc.stdout.splitlines():
        m = _HELP_LINE.match(line)
        if not m:
            continue
        state = m.group(2).strip()
        if state == '[enabled]' or (state.isdigit() and state != '0'):
            enabled.add(m.group(1))
    return enabled


def _diagtool() -> Optional[str]:
    """Finds LLVM's diagtool next to the real clang binary."""
    clang = which('clang')
    if not clang:
        return None
    tool = Path(os.path.realpath(clang)).parent / 'diagtool'
    return str(tool) if tool.is_file() else which('diagtool')


def _clang_enabled(diagtool: str, flags: Sequence[str]) -> set:
    """The warnings clang enables with flags (``diagtool show-enabled``)."""
    with tempfile.TemporaryDirectory() as tmp:
        empty = Path(tmp) / 'empty.c'
        empty.write_text('')
        proc = run([diagtool, 'show-enabled', *flags, str(empty)],
                   check=False)
    return set(_DIAGTOOL_LINE.findall(proc.stdout))


def w1_only_flags(src: Path, llvm: bool = False,
                  extra_default: Sequence[str] = (),
                  config: Optional[Dict[str, str]] = None) -> List[str]:
    """The warning names that W=1 enables on top of the kernel's W=0 set.

    The answer comes from the compiler given the W=0 and the W=1 options,
    which expands groups such as -Wextra into their members: ``gcc -Q
    --help=warnings``, or LLVM's ``diagtool show-enabled`` for clang
    (without diagtool, the W=1 options themselves are used).

    Args:
        src: The kernel tree (its Makefile and scripts/Makefile.extrawarn).
        llvm: Ask clang instead of gcc.
        extra_default: Default options that come from the configuration,
            e.g. CONFIG_CC_IMPLICIT_FALLTHROUGH.
        config: The configuration ({'CC_IS_GCC': 'y', ...}); by default
            just the compiler's CC_IS_ option.

    Returns:
        Sorted names without the '-W', each accepted by the compiler as
        -Wno-error=NAME.
    """
    cc = ['clang' if llvm else 'gcc']
    if config is None:
        config = {'CC_IS_CLANG' if llvm else 'CC_IS_GCC': 'y'}
    default, w1, w0 = _kernel_flags(src, config)
    default += list(extra_default)

    def usable(flags: List[str]) -> List[str]:
        return [f for f in flags if f.startswith('-Wno-') or
                _accepts(cc, [f])]

    default, w1, w0 = usable(default), usable(w1), usable(w0)
    diagtool = _diagtool() if llvm else None
    if llvm and not diagtool:
        names = {f[2:] for f in w1 if not f.startswith('-Wno-')}
        names |= {f[5:] for f in w0 if f.startswith('-Wno-')}
        names -= {f[2:] for f in default if not f.startswith('-Wno-')}
        names -= {f[5:] for f in w1 if f.startswith('-Wno-')}
    elif llvm:
        names = _clang_enabled(diagtool, default + w1) - \
            _clang_enabled(diagtool, default + w0)
    else:
        names = _gcc_enabled(cc, default + w1) - _gcc_enabled(cc, default + w0)
    names = {n.split('=', 1)[0] if re.search(r'=\d*$', n) else n
             for n in names}
    return sorted(n for n in names if _accepts(cc, [f'-Wno-error={n}']))


# --- the build steps ----------------------------------------------------


def _fragment_hash(src: Path, cc: str, llvm: bool) -> str:
    """Identifies a configuration: fragment, kernel version, compiler."""
    data = json.dumps({'defconfig': _DEFCONFIG, 'fragment': _FRAGMENT,
                       'version': _kernel_version(src), 'cc': cc,
                       'llvm': llvm, 'state': _STATE_VERSION})
    return hashlib.sha256(data.encode()).hexdigest()


def _check_config(build: Path) -> None:
    """Raises Trouble naming the first option of the fragment not set."""
    values = _config_values(build / '.config')
    for opt, want in _FRAGMENT:
        have = values.get(opt, 'n')
        if have != want:
            raise Trouble(f'CONFIG_{opt} is {have!r} in {build}/.config, '
                          f'wanted {want!r}')


def configure(src: Path, build: Path, llvm: bool = False) -> bool:
    """Makes BUILD/.config: x86_64_defconfig plus KVM as modules, -Werror.

    Skipped when BUILD already holds a .config made from the same fragment,
    kernel version and compiler.

    Args:
        src: The kernel tree.
        build: The build directory (created if missing).
        llvm: Configure for LLVM=1 (clang).

    Returns:
        True if the configuration was (re)made, False if it was reused.

    Raises:
        Trouble: make fails or an option of the fragment did not stick.
    """
    src, build = Path(src).resolve(), Path(build).resolve()
    build.mkdir(parents=True, exist_ok=True)
    cc = _cc(llvm)
    digest = _fragment_hash(src, cc, llvm)
    try:
        state = json.loads(_state_path(build).read_text())
    except (OSError, ValueError):
        state = {}
    if state.get('hash') == digest and (build / '.config').is_file():
        _check_config(build)
        return False

    state = {'hash': digest, 'cc': cc, 'llvm': llvm, 'kcflags': '',
             'w1_flags': [], 'src': str(src)}
    make = _make_args(build, state, w1=False)
    run(make + ['-s', _DEFCONFIG], cwd=src, env=_env())
    cfg = [str(src / 'scripts' / 'config'), '--file', str(build / '.config')]
    for opt, want in _FRAGMENT:
        cfg += {'y': ['-e', opt], 'm': ['-m', opt], 'n': ['-d', opt]}[want]
    run(cfg, cwd=src)
    run(make + ['-s', 'olddefconfig'], cwd=src, env=_env())
    _check_config(build)

    values = _config_values(build / '.config')
    from_config = []
    for opt in _CONFIG_CFLAGS:
        from_config += values.get(opt, '').strip('"').split()
    names = w1_only_flags(src, llvm, from_config, values)
    state['w1_flags'] = ['-W' + n for n in names]
    state['kcflags'] = ' '.join(f'-Wno-error={n}' for n in names)
    _state_path(build).write_text(json.dumps(state, indent=1) + '\n')
    return True


def prepare(src: Path, build: Path, jobs: Optional[int] = None) -> float:
    """Runs ``make prepare`` with the build's usual arguments.

    kbuild is incremental, so on a prepared directory this only checks
    timestamps.

    Args:
        src: The kernel tree.
        build: A configured build directory.
        jobs: Parallel jobs (default: the CPUs available).

    Returns:
        The seconds it took.

    Raises:
        Trouble: make fails.
    """
    src, build = Path(src).resolve(), Path(build).resolve()
    state = _load_state(build)
    start = time.monotonic()
    proc = run(_make_args(build, state, jobs) + ['prepare'], cwd=src,
               env=_env(), check=False, merge=True)
    (build / 'kmove-prepare.log').write_text(proc.stdout)
    if proc.returncode != 0:
        errors = [str(w) for w in parse_diagnostics(proc.stdout, src, build)
                  if w.kind == 'error']
        why = errors[0] if errors else (proc.stdout.strip().splitlines()
                                        or ['?'])[-1]
        raise Trouble(f'make prepare failed in {build}: {why}')
    return time.monotonic() - start


def _load_store(build: Path) -> Dict[str, List[dict]]:
    """Reads {object: [warning dicts]}, empty if there is none yet."""
    try:
        return json.loads((build / _STORE_FILE).read_text())
    except (OSError, ValueError):
        return {}


def _save_store(build: Path, store: Dict[str, List[dict]]) -> None:
    """Writes the warning store atomically."""
    tmp = build / (_STORE_FILE + '.tmp')
    tmp.write_text(json.dumps(store, indent=1, sort_keys=True) + '\n')
    tmp.replace(build / _STORE_FILE)


def _still_built(obj: str, src: Path) -> bool:
    """True if obj's source exists in src (drops objects of old steps)."""
    stem = os.path.splitext(obj)[0]
    return any((src / (stem + ext)).is_file() for ext in ('.c', '.S'))


def _run_make(src: Path, build: Path, args: List[str],
              log_path: Path) -> Tuple[bool, float, str]:
    """Runs make, writes its combined output to log_path."""
    start = time.monotonic()
    proc = run(args, cwd=src, env=_env(), check=False, merge=True)
    seconds = time.monotonic() - start
    text = proc.stdout
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_path.write_text(f'# {shlex.join(args)}\n# exit {proc.returncode}, '
                        f'{seconds:.1f}s\n' + text)
    return proc.returncode == 0, seconds, text


def _record(build: Path, compiled: Sequence[str],
            found: Sequence[Warning]) -> Dict[str, List[dict]]:
    """Replaces the stored warnings of the objects just compiled.

    Returns:
        The updated store, {object: [warning dicts]}.
    """
    store = _load_store(build)
    for obj in compiled:
        store[obj] = []
    for w in found:
        if w.obj in store and w.flag != 'sparse':
            store[w.obj].append(w.to_dict())
    _save_store(build, store)
    return store


def _compiled(text: str, src: Path, build: Path,
              cmds: Sequence[str] = _COMPILE_CMDS) -> List[str]:
    """The objects whose kbuild command line (one of cmds) is in text."""
    objs = []
    for line in text.splitlines():
        m = _COMMAND.match(line.rstrip())
        if m and m.group('cmd') in cmds:
            obj = _norm_obj(m.group('arg'), src, build)
            if m.group('cmd') in _CHECK_CMDS:
                obj = _obj_of_source(obj)
            if obj not in objs:
                objs.append(obj)
    return objs


def build_kvm(src: Path, build: Path, w1: bool = True, llvm: bool = False,
              jobs: Optional[int] = None,
              log_path: Optional[Path] = None) -> BuildResult:
    """Builds the objects of arch/x86/kvm (and the virt/kvm ones it uses).

    Runs ``make O=BUILD -k -O W=1 arch/x86/kvm/``.  -k keeps building after
    an error so that every broken object is reported.

    Args:
        src: The kernel tree.
        build: A configured, prepared build directory.
        w1: Build with W=1 (all builds of one directory should agree).
        llvm: Must match the llvm given to configure(); checked.
        jobs: Parallel jobs (default: the CPUs available).
        log_path: Where the make output goes (default BUILD/kmove-build.log).

    Returns:
        The BuildResult; ok is False when make failed.

    Raises:
        Trouble: build was configured for the other compiler.
    """
    src, build = Path(src).resolve(), Path(build).resolve()
    state = _load_state(build)
    if bool(state['llvm']) != llvm:
        raise Trouble(f"build directory '{build}' was configured with "
                      f"{'LLVM=1' if state['llvm'] else 'gcc'}")
    log_path = Path(log_path or build / _LOG_FILE)
    args = _make_args(build, state, jobs, w1) + ['-k', '--output-sync=target',
                                                 _KVM_DIR]
    ok, seconds, text = _run_make(src, build, args, log_path)
    compiled = _compiled(text, src, build)
    found = parse_diagnostics(text, src, build)
    store = _record(build, compiled, found)
    warnings = [Warning.from_dict(d) for obj in sorted(store)
                if _still_built(obj, src) for d in store[obj]]
    warnings += [w for w in found if not w.obj]
    return BuildResult(ok=ok, seconds=seconds, compiled=compiled,
                       warnings=warnings, log_path=log_path, new=found,
                       w1_flags=list(state['w1_flags']))


def compile_commands(src: Path, build: Path, whole: bool = False) -> Path:
    """Writes BUILD/compile_commands.json with the tree's own generator.

    Uses scripts/clang-tools/gen_compile_commands.py (same options in 6.1
    and 6.12: -d DIR -o FILE [PATHS]).  Call it after a build.

    Args:
        src: The kernel tree.
        build: The build directory.
        whole: Cover every object built, not only the kvm ones.

    Returns:
        The path of compile_commands.json.

    Raises:
        Trouble: The generator fails.
    """
    src, build = Path(src).resolve(), Path(build).resolve()
    out = build / 'compile_commands.json'
    cmd = ['python3', str(src / 'scripts' / 'clang-tools' /
                          'gen_compile_commands.py'),
           '-d', str(build), '-o', str(out)]
    if not whole:
        cmd += [str(build / d) for d in _KVM_SOURCE_DIRS
                if (build / d).is_dir()]
    run(cmd, cwd=build)
    return out


def sparse_check(src: Path, build: Path, objects: Sequence[str],
                 jobs: Optional[int] = None) -> List[Warning]:
    """Runs sparse on objects (``make C=2 CHECK=sparse OBJ...``).

    C=2 checks the named objects whether or not they need recompiling; the
    build arguments are the usual ones, so nothing is rebuilt needlessly.

    Args:
        src: The kernel tree.
        build: A built build directory.
        objects: Objects relative to src, e.g. ['arch/x86/kvm/mmu/mmu.o'].
        jobs: Parallel jobs.

    Returns:
        sparse's warnings (flag 'sparse'); compiler diagnostics of objects
        recompiled on the way are not included.

    Raises:
        Trouble: sparse is missing or make fails.
    """
    if not objects:
        return []
    if not which('sparse'):
        raise Trouble("cannot find 'sparse': run 'make deps'")
    src, build = Path(src).resolve(), Path(build).resolve()
    state = _load_state(build)
    args = _make_args(build, state, jobs) + [
        '-k', '--output-sync=target', 'C=2', 'CHECK=sparse', *objects]
    ok, _, text = _run_make(src, build, args, build / _SPARSE_LOG_FILE)
    found = parse_diagnostics(text, src, build)
    # Objects out of date are recompiled on the way: remember their warnings
    # as build_kvm() would, since it will not compile them again.
    _record(build, _compiled(text, src, build,
                             [c for c in _COMPILE_CMDS
                              if c not in _CHECK_CMDS]), found)
    if not ok and not any(w.kind == 'error' for w in found):
        raise Trouble(f'sparse check failed: see {build / _SPARSE_LOG_FILE}')
    return [w for w in found if w.flag == 'sparse']


def _main() -> None:
    """Configures and builds: ``python3 -m kmove.kbuild SRC BUILD``."""
    import argparse
    import sys
    from .util import die, stage, default_timer
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', type=Path)
    parser.add_argument('build', type=Path)
    parser.add_argument('--llvm', action='store_true')
    parser.add_argument('--sparse', nargs='*', default=None)
    parser.add_argument('--compile-commands', action='store_true')
    args = parser.parse_args()
    try:
        with stage('configure'):
            configure(args.src, args.build, args.llvm)
        with stage('prepare'):
            prepare(args.src, args.build)
        with stage('build kvm'):
            res = build_kvm(args.src, args.build, llvm=args.llvm)
        for w in res.warnings:
            print(w)
        log(f'ok={res.ok} compiled={len(res.compiled)} '
            f'warnings={len(res.warnings)} log={res.log_path}')
        if args.sparse is not None:
            with stage('sparse'):
                for w in sparse_check(args.src, args.build, args.sparse):
                    print(w)
        if args.compile_commands:
            with stage('compile_commands'):
                print(compile_commands(args.src, args.build))
        print(json.dumps(default_timer().as_dict()), file=sys.stderr)
    except Trouble as err:
        die(err)
    sys.exit(0 if res.ok else 1)


if __name__ == '__main__':
    _main()
