# SPDX-License-Identifier: GPL-2.0
"""kmove bench: the cost of each stage of the series against its floor.

For each base (``--kversion``, default $KVERSIONS or "6.1 6.12"), in one
run, so that the ratios are taken under the same load:

1. cold: ``kmove series`` into a fresh OUT/bench/KVERSION (the base is
   imported again, configured, prepared and built);
2. warm: the same command again with nothing changed;
3. the floors, on the tree the series left:

   * kbuild: ``make arch/x86/kvm/`` in a new build directory with
     CCACHE_DISABLE=1 (full), then again after touching mmu.c
     (incremental); configure and prepare of that directory are timed too;
   * libclang: ``kmove-split entities`` parses a translation unit once;
     it is run on every .c file the big move (step 03) changes, on both
     sides, which is what move-verifier has to parse;
   * spatch: a one-rule semantic patch that visits every function
     definition of mmu.c (output discarded);
   * ``git diff --color-moved`` of the big move;

4. the tools alone, with their peak memory: move-verifier between step 02
   and step 03 (``--tree WORK --from A --to B --compdb BUILD --workdir
   DIR``), export-checker on step 03, ``kmove-split plan`` on step 02's
   mmu.c, spatch, and the pipeline's own Python process.

Stage times come from the series' report.json ("stages").  A stage is
kbuild when it runs the kernel's make: configure, prepare, the gcc and
clang builds and sparse (``make C=2``).  Everything else is tool overhead:
the base import, the work clone, compile_commands.json, the edits (the
split: kmove-split and spatch), move-verifier, format-patch, checkpatch,
and "other", the wall time outside any stage (interpreter start, commits,
report).  "import base" is nested in "base" and is not summed twice.

Caveats, also printed with the table:

* ccache is shared by every output directory, so the cold run's compiles
  are mostly cache hits; ``--no-ccache`` runs the cold series with
  CCACHE_DISABLE=1.  The kbuild floors always run without ccache.
* Peak memory is the ru_maxrss that wait4() returns for each command (what
  /usr/bin/time -v prints): the largest resident set of the command or of
  any process it waited for, not a sum.  For the series that includes the
  compilers, so the Python process's own peak is read from VmHWM in
  /proc/PID/status while it runs.
* The machine may be shared: absolute seconds are for information, the
  ratios are what to compare between runs.

The goals are reported, never enforced: the exit status is 0 when every
measurement could be taken, also when goals are missed, and 2 when a
measurement failed (e.g. a tool is missing).  OUT/bench.json keeps the raw
numbers, the ratios and the goals.
"""

import argparse
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from . import kbuild
from .util import PathLike, Trouble, cpus, die, log, run, which

_PROJECT = Path(__file__).resolve().parents[2]
_MMU_DIR = 'arch/x86/kvm/mmu'
_MMU_C = f'{_MMU_DIR}/mmu.c'
# The files move-verifier compares by default.
_VERIFIER_FILES = re.compile(r'^arch/x86/kvm/(mmu/[^/]+\.[ch]|debugfs\.c)$')
_DEFAULT_KVERSIONS = ('6.1', '6.12')
_DEFAULT_GATES = 'clang,sparse,checkpatch,exports'
_KBUILD_STAGE = re.compile(r'\b(configure|prepare|build|clang|sparse)\b')
_NESTED_STAGE = re.compile(r'^import base\b')
_STEP_STAGE = re.compile(r'^step \d+ ')
_OTHER = 'other (start-up, commits, report)'
_MIB = 1024
# A rule that makes spatch parse every function of the file.
_SPATCH_RULE = '@@\nidentifier f;\ntype T;\n@@\n- static\n  T f(...) {...}\n'

# The goals: (key, description, limit, unit).
GOAL_COLD_S = 180.0
GOAL_WARM_S = 10.0
GOAL_OVERHEAD = 0.25
GOAL_VERIFIER = 2.0
GOAL_PEAK_MIB = 1024.0


@dataclass
class Measure:
    """One command, timed.

    Attributes:
        seconds: Wall time.
        rc: Exit status (negative: killed by that signal).
        maxrss_kib: ru_maxrss from wait4(): the largest resident set of the
            command or of any descendant it waited for.
        hwm_kib: The command's own VmHWM, when polled (else 0).
    """
    seconds: float
    rc: int
    maxrss_kib: int
    hwm_kib: int = 0

    def to_dict(self) -> dict:
        """Returns the measure as a JSON-able dict."""
        d = {'seconds': round(self.seconds, 3), 'rc': self.rc,
             'maxrss_mib': round(self.maxrss_kib / _MIB, 1)}
        if self.hwm_kib:
            d['own_peak_mib'] = round(self.hwm_kib / _MIB, 1)
        return d


def _vm_hwm(pid: int) -> int:
    """The VmHWM of pid in KiB, 0 if it cannot be read."""
    try:
        with open(f'/proc/{pid}/status', encoding='ascii',
                  errors='replace') as f:
            for line in f:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def measure(cmd: Sequence[PathLike], cwd: Optional[PathLike] = None,
            env: Optional[Mapping[str, str]] = None,
            stdout: Optional[PathLike] = None,
            poll: bool = False) -> Measure:
    """Runs a command and measures its wall time and peak memory.

    Args:
        cmd: The program and its arguments.
        cwd: The directory to run in.
        env: Variables added to the current environment.
        stdout: File for the command's stdout (default: discarded); stderr
            goes to the same file with '.err' appended, or is inherited
            when stdout is None and poll is set.
        poll: Also sample the command's own VmHWM every 0.1 s.

    Returns:
        The Measure.

    Raises:
        Trouble: The command cannot be started.
    """
    argv = [str(c) for c in cmd]
    full_env = dict(os.environ)
    full_env.update(env or {})
    with contextlib.ExitStack() as stack:
        if stdout is not None:
            out = stack.enter_context(open(stdout, 'w', encoding='utf-8'))
            err = stack.enter_context(open(f'{stdout}.err', 'w',
                                           encoding='utf-8'))
        else:
            out = subprocess.DEVNULL if not poll else sys.stderr
            err = subprocess.DEVNULL if not poll else None
        start = time.monotonic()
        try:
            proc = subprocess.Popen(argv, cwd=cwd, env=full_env,
                                    stdout=out, stderr=err)
        except OSError as e:
            raise Trouble(f"cannot run '{argv[0]}': {e.strerror}") from e
        hwm = 0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG if poll else 0)
            if pid:
                break
            hwm = max(hwm, _vm_hwm(proc.pid))
            time.sleep(0.1)
        seconds = time.monotonic() - start
    rc = os.waitstatus_to_exitcode(status)
    proc.returncode = rc
    return Measure(seconds=seconds, rc=rc, maxrss_kib=usage.ru_maxrss,
                   hwm_kib=hwm)


@contextlib.contextmanager
def _environ(name: str, value: Optional[str]) -> Iterator[None]:
    """Sets (or, with None, leaves alone) one variable for a with body."""
    if value is None:
        yield
        return
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            del os.environ[name]
        else:
            os.environ[name] = old


# --- the arithmetic (no processes; see tests/bench/test_bench.py) ---------


def classify(stage: str) -> str:
    """Returns 'kbuild', 'tool' or 'nested' (counted in another stage)."""
    if _NESTED_STAGE.search(stage):
        return 'nested'
    if stage == _OTHER:
        return 'tool'
    return 'kbuild' if _KBUILD_STAGE.search(stage) else 'tool'


def summarise(stages: Mapping[str, float], wall: float) -> dict:
    """Sums a run's stages by kind.

    Args:
        stages: Stage name -> seconds, from report.json.
        wall: The wall time of the whole command.

    Returns:
        {'wall', 'stages' (with the 'other' residual added), 'kbuild',
        'tool', 'groups' (tool stages summed over the steps, e.g.
        'verify (all steps)'), 'biggest' ([name, seconds] of the biggest
        tool stage), 'biggest_group' (likewise for groups of 2+ stages)}.
    """
    counted = {k: v for k, v in stages.items() if classify(k) != 'nested'}
    other = max(0.0, wall - sum(counted.values()))
    all_stages = dict(stages)
    all_stages[_OTHER] = other
    kb = sum(v for k, v in counted.items() if classify(k) == 'kbuild')
    tool = sum(v for k, v in counted.items() if classify(k) == 'tool') + other
    tools = {k: v for k, v in all_stages.items() if classify(k) == 'tool'}
    groups: Dict[str, List[float]] = {}
    for k, v in tools.items():
        if _STEP_STAGE.match(k):
            groups.setdefault(_STEP_STAGE.sub('', k) + ' (all steps)',
                              []).append(v)
    biggest = max(tools.items(), key=lambda kv: kv[1]) if tools else ('', 0.0)
    multi = {k: sum(v) for k, v in groups.items() if len(v) > 1}
    big_group = max(multi.items(), key=lambda kv: kv[1]) if multi \
        else ('', 0.0)
    return {'wall': wall, 'stages': all_stages, 'kbuild': kb, 'tool': tool,
            'groups': {k: sum(v) for k, v in groups.items()},
            'biggest': [biggest[0], biggest[1]],
            'biggest_group': [big_group[0], big_group[1]]}


_FIRST = ('base', 'import base', 'work clone', 'configure', 'prepare',
          'build base', 'compile_commands', 'clang configure+prepare',
          'clang build base', 'sparse base')
_STEP_PARTS = ('edit', 'build', 'clang', 'sparse', 'verify')
_LAST = ('format-patch', 'checkpatch', _OTHER)


def stage_order(name: str) -> tuple:
    """Sort key putting stages in the order the series runs them.

    report.json keeps the stages sorted by name; this restores the
    pipeline's order: set-up, then each step (edit, build, gates, verify,
    anything else), then format-patch and checkpatch; unknown stages come
    before those.
    """
    m = re.match(r'^step (\d+) (.*)$', name)
    if m:
        part = m.group(2)
        rank = _STEP_PARTS.index(part) if part in _STEP_PARTS else \
            len(_STEP_PARTS)
        return (1, int(m.group(1)), rank, part)
    for i, first in enumerate(_FIRST):
        if name == first or (first == 'import base' and
                             _NESTED_STAGE.search(name)):
            return (0, i, 0, name)
    if name in _LAST:
        return (3, _LAST.index(name), 0, name)
    return (2, 0, 0, name)


def _div(a: Optional[float], b: Optional[float]) -> Optional[float]:
    """a / b, or None when either is missing or b is 0."""
    if a is None or not b:
        return None
    return a / b


def ratios(res: dict) -> Dict[str, Optional[float]]:
    """The ratios of one base's results.

    Args:
        res: {'cold': summary, 'warm': summary, 'floors': {...},
            'tools': {...}} as built by bench_one(); parts may be missing.

    Returns:
        {'overhead_cold', 'overhead_warm' (tool overhead / kbuild),
        'verifier_parse' (move-verifier / parse floor), 'warm_cold',
        'cold_kbuild_floor' (cold wall / (full + steps x incremental
        kbuild floor))}; None where a number is missing.
    """
    cold, warm = res.get('cold') or {}, res.get('warm') or {}
    floors, tools = res.get('floors') or {}, res.get('tools') or {}
    verifier = (tools.get('move-verifier') or {}).get('seconds')
    parse = (floors.get('parse') or {}).get('seconds')
    full = (floors.get('kbuild full') or {}).get('seconds')
    inc = (floors.get('kbuild incremental') or {}).get('seconds')
    kb_floor = None
    if full is not None and inc is not None:
        kb_floor = full + res.get('steps_built', 0) * inc
    return {
        'overhead_cold': _div(cold.get('tool'), cold.get('kbuild')),
        'overhead_warm': _div(warm.get('tool'), warm.get('kbuild')),
        'verifier_parse': _div(verifier, parse),
        'warm_cold': _div(warm.get('wall'), cold.get('wall')),
        'cold_kbuild_floor': _div(cold.get('wall'), kb_floor),
    }


def _held_back(summary: dict, share: bool = False) -> str:
    """Names the biggest tool stage of a run (and the biggest group).

    Args:
        summary: A summarise() result.
        share: Also say how much of the wall time is kbuild.
    """
    name, sec = summary.get('biggest') or ['', 0.0]
    if not name:
        return ''
    text = f"'{name}' {sec:.1f} s"
    gname, gsec = summary.get('biggest_group') or ['', 0.0]
    if gname and gsec > sec:
        text += f"; '{gname}' {gsec:.1f} s"
    if share and summary.get('wall'):
        text += (f"; kbuild {summary.get('kbuild', 0.0):.0f} s of "
                 f"{summary['wall']:.0f} s")
    return text


def _peaks(res: dict) -> Dict[str, float]:
    """Tool name -> peak MiB of the tools the memory goal covers.

    Those are the tools run alone, spatch and kmove-split entities (the
    parse floor), and the series' own Python process; not git nor the
    compilers.
    """
    peaks = {}
    floors = res.get('floors') or {}
    named = dict(res.get('tools') or {})
    for key, name in (('spatch', 'spatch'),
                      ('parse', 'kmove-split entities')):
        if floors.get(key):
            named[name] = floors[key]
    for name, m in named.items():
        if m and 'own_peak_mib' in m:
            peaks[name] = m['own_peak_mib']
        elif m and 'maxrss_mib' in m:
            peaks[name] = m['maxrss_mib']
    return peaks


def goals(res: dict) -> List[dict]:
    """Checks one base's results against the goals.

    Args:
        res: As for ratios(), plus 'ratios'.

    Returns:
        One dict per goal: name, value, limit, unit, met (None when not
        measured) and held_back_by (what to look at when missed).
    """
    cold, warm = res.get('cold') or {}, res.get('warm') or {}
    r = res.get('ratios') or ratios(res)
    peaks = _peaks(res)
    top = max(peaks.items(), key=lambda kv: kv[1]) if peaks else None
    verifier = (res.get('tools') or {}).get('move-verifier') or {}
    parse = (res.get('floors') or {}).get('parse') or {}
    found = []

    def add(name: str, value: Optional[float], limit: float, unit: str,
            why: str) -> None:
        met = None if value is None else value <= limit
        found.append({'name': name, 'value': value, 'limit': limit,
                      'unit': unit, 'met': met,
                      'held_back_by': why if met is False else ''})

    add('cold pipeline', cold.get('wall'), GOAL_COLD_S, 's',
        _held_back(cold, share=True))
    add('warm re-run', warm.get('wall'), GOAL_WARM_S, 's',
        _held_back(warm, share=True))
    add('tool overhead / kbuild', r.get('overhead_cold'), GOAL_OVERHEAD, 'x',
        _held_back(cold))
    excess = None
    if 'seconds' in verifier and 'seconds' in parse:
        excess = verifier['seconds'] - parse['seconds']
    add('move-verifier / parse floor', r.get('verifier_parse'),
        GOAL_VERIFIER, 'x', f"'move-verifier' {excess:.1f} s over its floor"
        if excess is not None else '')
    add('peak memory', top[1] if top else None, GOAL_PEAK_MIB, 'MiB',
        f"'{top[0]}' {top[1]:.0f} MiB" if top else '')
    return found


def _fmt(v: Optional[float], unit: str = '') -> str:
    """A number for the table ('-' when missing)."""
    if v is None:
        return '-'
    if unit == 'x':
        return f'{v:.2f}'
    if unit == 'MiB':
        return f'{v:.0f}'
    return f'{v:.1f}'


def render(results: dict) -> str:
    """The table of bench.json, as printed on stdout."""
    m = results.get('machine', {})
    lines = [f"kmove bench: {m.get('cpus', '?')} CPUs, load "
             f"{m.get('load_before', '?')} -> {m.get('load_after', '?')}, "
             f"gates {results.get('gates') or 'none'}",
             f"ccache: {m.get('ccache', '?')}"]
    for kv, res in results.get('kversions', {}).items():
        cold, warm = res.get('cold') or {}, res.get('warm') or {}
        lines += ['', f"== linux {kv} ({res.get('version', '?')})"]
        for e in res.get('errors', []):
            lines.append(f'error: {e}')
        if m.get('export_checker') and not any(
                'export' in n for n in (cold.get('stages') or {})):
            lines.append('export-checker: built, but the series did not '
                         'run it (no "step NN exports" stage)')
        names = sorted(set(cold.get('stages') or {}) |
                       set(warm.get('stages') or {}) | {_OTHER},
                       key=stage_order)
        if cold or warm:
            lines.append(f"{'stage':<36} {'kind':<7} {'cold s':>8} "
                         f"{'warm s':>8}")
            for n in names:
                kind = classify(n)
                label = ('  ' + n) if kind == 'nested' else n
                lines.append(
                    f"{label:<36} {kind:<7} "
                    f"{_fmt((cold.get('stages') or {}).get(n)):>8} "
                    f"{_fmt((warm.get('stages') or {}).get(n)):>8}")
            for key, label in (('kbuild', 'kbuild'),
                               ('tool', 'tool overhead'),
                               ('wall', 'total (wall)')):
                lines.append(f"{label:<36} {'':<7} {_fmt(cold.get(key)):>8} "
                             f"{_fmt(warm.get(key)):>8}")
            hits = [(r.get('ccache') or {}) for r in (cold, warm)]
            if any(hits):
                cells = [f"{h['hits']}/{h['hits'] + h['misses']}" if h
                         else '-' for h in hits]
                label = 'ccache hits/calls (whole machine)'
                lines.append(f"{label:<44} {cells[0]:>8} {cells[1]:>8}")
        floors, tools = res.get('floors') or {}, res.get('tools') or {}
        if floors or tools:
            lines += ['', f"{'floor / tool alone':<44} {'s':>7} "
                      f"{'peak MiB':>9}"]
            for name, fm in list(floors.items()) + list(tools.items()):
                if not isinstance(fm, dict):
                    continue
                peak = fm.get('own_peak_mib', fm.get('maxrss_mib'))
                lines.append(f"{name:<44} {_fmt(fm.get('seconds')):>7} "
                             f"{_fmt(peak, 'MiB'):>9}"
                             + (f"  ({fm['note']})" if fm.get('note') else ''))
        r = res.get('ratios') or {}
        lines += ['', f"{'ratio':<44} {'value':>7}"]
        for key, label in (
                ('overhead_cold', 'tool overhead / kbuild, cold'),
                ('overhead_warm', 'tool overhead / kbuild, warm'),
                ('verifier_parse', 'move-verifier / parse floor'),
                ('warm_cold', 'warm / cold'),
                ('cold_kbuild_floor', 'cold / kbuild floor (no ccache)')):
            lines.append(f'{label:<44} {_fmt(r.get(key), "x"):>7}')
        lines += ['', f"{'goal':<30} {'value':>8} {'limit':>8}  result"]
        for g in res.get('goals', []):
            state = {True: 'ok', False: 'MISSED', None: 'not measured'}[
                g['met']]
            if g['held_back_by']:
                state += f": held back by {g['held_back_by']}"
            lines.append(f"{g['name']:<30} {_fmt(g['value'], g['unit']):>8} "
                         f"{_fmt(g['limit'], g['unit']):>8}  {state}")
    lines += ['', 'kbuild = configure, prepare, gcc/clang builds, sparse; '
              'tool overhead = all else.',
              'peak memory: ru_maxrss from wait4() (largest process of the '
              'command); the series: its own VmHWM.']
    return '\n'.join(lines) + '\n'


# --- the measurements --------------------------------------------------------


def _ccache_counts() -> Dict[str, int]:
    """ccache's hit and miss counters ({} without ccache)."""
    if not which('ccache'):
        return {}
    proc = run(['ccache', '--print-stats'], check=False)
    counts = {'hits': 0, 'misses': 0}
    for line in proc.stdout.splitlines():
        f = line.split('\t')
        if len(f) == 2 and f[1].isdigit():
            if f[0] in ('direct_cache_hit', 'preprocessed_cache_hit'):
                counts['hits'] += int(f[1])
            elif f[0] == 'cache_miss':
                counts['misses'] += int(f[1])
    return counts if proc.returncode == 0 else {}


def _series(out: Path, kv: str, args: argparse.Namespace,
            cold: bool) -> Tuple[Measure, dict, Dict[str, int]]:
    """Runs the series once.

    Returns:
        Its Measure, its report.json and the ccache hits and misses during
        the run (other users of the cache count too).
    """
    cmd = [sys.executable, '-m', 'kmove', 'series', '--out', out,
           '--kversion', kv, '--bin', args.bin, '--series', args.series,
           '--gates', args.gates]
    env = {'PYTHONPATH': str(_PROJECT / 'scripts')}
    if cold and args.no_ccache:
        env['CCACHE_DISABLE'] = '1'
    log(f"bench: {kv}: {'cold' if cold else 'warm'} series in {out}")
    before = _ccache_counts()
    rpath = out / 'report.json'
    stamp = rpath.stat().st_mtime_ns if rpath.is_file() else None
    m = measure(cmd, cwd=_PROJECT, env=env, poll=True)
    after = _ccache_counts()
    cache = {k: after[k] - before.get(k, 0) for k in after}
    if m.rc not in (0, 1):
        raise Trouble(f'the series failed (exit {m.rc}) in {out}')
    try:
        report = json.loads(rpath.read_text())
    except (OSError, ValueError) as err:
        raise Trouble(f'the series wrote no report.json in {out}') from err
    if stamp is not None and rpath.stat().st_mtime_ns == stamp:
        # the series reused its last run: no stage ran, all is overhead
        report = dict(report, stages={})
    return m, report, cache


def _tool(name: str, cmd: Sequence[PathLike], outfile: Path,
          ok: Sequence[int] = (0,), cwd: Optional[PathLike] = None,
          note: str = '') -> dict:
    """Measures one tool run; raises Trouble when it fails."""
    m = measure(cmd, cwd=cwd, stdout=outfile)
    if m.rc not in ok:
        why = ''
        try:
            why = Path(f'{outfile}.err').read_text().strip().splitlines()[-1]
        except (OSError, IndexError):
            pass
        raise Trouble(f'{name} failed (exit {m.rc})'
                      + (f': {why}' if why else ''))
    d = m.to_dict()
    if note:
        d['note'] = note
    return d


def _kbuild_floors(work: Path, fb: Path) -> Dict[str, dict]:
    """Full and incremental kbuild of arch/x86/kvm/ without ccache."""
    if fb.exists():
        shutil.rmtree(fb)
    floors = {}
    with _environ('CCACHE_DISABLE', '1'):
        log(f'bench: kbuild floors in {fb} (CCACHE_DISABLE=1)')
        start = time.monotonic()
        kbuild.configure(work, fb)
        kbuild.prepare(work, fb)
        floors['configure+prepare (no ccache)'] = {
            'seconds': round(time.monotonic() - start, 3)}
        full = kbuild.build_kvm(work, fb)
        if not full.ok:
            raise Trouble(f'the floor build failed: see {full.log_path}')
        floors['kbuild full'] = {'seconds': round(full.seconds, 3),
                                 'note': f'{len(full.compiled)} objects'}
        os.utime(work / _MMU_C)
        inc = kbuild.build_kvm(work, fb, log_path=fb / 'kmove-touch.log')
        floors['kbuild incremental'] = {
            'seconds': round(inc.seconds, 3),
            'note': f'touch mmu.c: {len(inc.compiled)} objects'}
    return floors


def _move_step(report: dict) -> Optional[dict]:
    """The step whose operation is 'move' (step 03), if it was built."""
    for s in report.get('steps', []):
        if s.get('op') == 'move' and s.get('commit') and s.get('parent'):
            return s
    return None


def _probe(work: Path, build: Path, probe: Path, step: dict,
           args: argparse.Namespace
           ) -> Tuple[Dict[str, dict], Dict[str, dict]]:
    """The tools alone on the big move, and the parse/spatch/git floors."""
    bin_dir = Path(args.bin)
    frm, to = step['parent'], step['commit']
    if probe.exists():
        shutil.rmtree(probe)
    probe.mkdir(parents=True)
    floors: Dict[str, dict] = {}
    tools: Dict[str, dict] = {}
    vwd = probe / 'verify'
    log(f'bench: move-verifier {frm[:12]}..{to[:12]}')
    tools['move-verifier'] = _tool(
        'move-verifier', [bin_dir / 'move-verifier', '--tree', work,
                          '--from', frm, '--to', to, '--compdb', build,
                          '--workdir', vwd, '--format=json'],
        probe / 'verifier.json', ok=(0, 1),
        note=f"step {step.get('n')} against its parent")

    changed = run(['git', '-C', work, 'diff', '--name-only', frm, to, '--',
                   'arch/x86/kvm']).stdout.split()
    tus = [f for f in changed if _VERIFIER_FILES.match(f) and
           f.endswith('.c')]
    total, peak, parsed = 0.0, 0.0, 0
    for side in ('before', 'after'):
        for rel in tus:
            path = vwd / side / rel
            if not path.is_file():
                continue
            d = _tool('kmove-split entities',
                      [bin_dir / 'kmove-split', 'entities', path,
                       '--compdb', build, '--rel', rel],
                      probe / f'entities-{side}-{Path(rel).stem}.txt')
            if not (probe / f'entities-{side}-{Path(rel).stem}.txt'
                    ).read_text().strip():
                raise Trouble(f'kmove-split entities found nothing in {path}')
            total += d['seconds']
            peak = max(peak, d['maxrss_mib'])
            parsed += 1
    floors['parse'] = {'seconds': round(total, 3), 'maxrss_mib': peak,
                       'note': f'libclang, {parsed} TUs: '
                               + ', '.join(Path(t).name for t in tus)}

    before_mmu = vwd / 'before' / _MMU_C
    tools['kmove-split plan'] = _tool(
        'kmove-split plan', [bin_dir / 'kmove-split', 'plan', '--file',
                             before_mmu, '--rel', _MMU_C, '--compdb', build,
                             '--manifest', args.manifest, '--dest', 'shadow'],
        probe / 'plan.txt', cwd=work, note="step 02's mmu.c")
    if which('spatch'):
        rule = probe / 'visit-all.cocci'
        rule.write_text(_SPATCH_RULE)
        floors['spatch'] = _tool(
            'spatch', ['spatch', '--very-quiet', '--no-includes',
                       '--sp-file', rule, before_mmu], probe / 'spatch.diff',
            note='one rule visiting every function of mmu.c')
    tools['export-checker'] = _tool(
        'export-checker', [bin_dir / 'export-checker', '--dir', work, '--rev',
                           to, '--compdb', build, '--format=json'],
        probe / 'exports.json', ok=(0, 1),
        note=f"step {step.get('n')}, the tree as the series checks it")
    floors['git diff --color-moved'] = _tool(
        'git diff', ['git', '-C', work, 'diff', '--color=always',
                     '--color-moved=zebra', frm, to], probe / 'moved.diff',
        note=f"step {step.get('n')}")
    return floors, tools


def bench_one(kv: str, args: argparse.Namespace) -> dict:
    """Measures one base; errors are collected in 'errors', not raised."""
    out = Path(args.out) / 'bench' / kv
    res: dict = {'errors': []}
    if out.exists():
        shutil.rmtree(out)
    report = None
    try:
        m, report, cache = _series(out, kv, args, cold=True)
        res['cold'] = summarise(report.get('stages', {}), m.seconds)
        res['cold']['series'] = m.to_dict()
        res['cold']['ccache'] = cache
        res['version'] = report.get('base', {}).get('version')
        res['status_cold'] = report.get('status')
        (out / 'report.cold.json').write_text(json.dumps(report, indent=2))
        m, report, cache = _series(out, kv, args, cold=False)
        res['warm'] = summarise(report.get('stages', {}), m.seconds)
        res['warm']['series'] = m.to_dict()
        res['warm']['ccache'] = cache
        res['steps_built'] = sum(1 for s in report.get('steps', [])
                                 if s.get('build'))
    except Trouble as err:
        res['errors'].append(str(err))
    tools: Dict[str, dict] = {}
    if 'cold' in res:
        tools['kmove series (python)'] = dict(res['cold']['series'])
        tools['kmove series (python)']['note'] = (
            'cold run; its own peak, the largest process of its tree '
            f"(a compiler) {res['cold']['series']['maxrss_mib']:.0f} MiB")
    floors: Dict[str, dict] = {}
    work, build = out / 'work', out / 'build'
    step = _move_step(report or {})
    if step and (build / 'compile_commands.json').is_file():
        try:
            f, t = _probe(work, build, Path(args.out) / 'bench' /
                          f'{kv}-probe', step, args)
            floors.update(f)
            tools.update(t)
        except Trouble as err:
            res['errors'].append(str(err))
    elif report is not None:
        res['errors'].append('no move step in the report: tools not probed')
    if (work / _MMU_C).is_file():
        try:
            floors.update(_kbuild_floors(work, Path(args.out) / 'bench' /
                                         f'{kv}-floor'))
        except Trouble as err:
            res['errors'].append(str(err))
    res['floors'], res['tools'] = floors, tools
    res['ratios'] = ratios(res)
    res['goals'] = goals(res)
    return res


def _kversions(given: Optional[List[str]]) -> List[str]:
    """The bases to measure: --kversion, else $KVERSIONS, else both."""
    words = given or [os.environ.get('KVERSIONS') or
                      ' '.join(_DEFAULT_KVERSIONS)]
    found: List[str] = []
    for w in words:
        found += [v for v in re.split(r'[\s,]+', w) if v and v not in found]
    return found


def _ccache_note(no_ccache: bool) -> str:
    """Says how ccache affects the cold run."""
    if not which('ccache'):
        return 'not installed: every compile is real'
    if no_ccache:
        return 'disabled for the cold run and the floors (CCACHE_DISABLE=1)'
    return ('installed and shared across runs: the cold run compiles mostly '
            'from cache; the kbuild floors use CCACHE_DISABLE=1 '
            '(--no-ccache for a truly cold run)')


def run_bench(args: argparse.Namespace) -> int:
    """Measures every base, prints the table, writes OUT/bench.json."""
    bin_dir = Path(args.bin).resolve()
    args.bin = str(bin_dir)
    args.out = str(Path(args.out).resolve())
    args.manifest = str((_PROJECT / args.series / 'manifest').resolve())
    for tool in ('move-verifier', 'kmove-split'):
        if not os.access(bin_dir / tool, os.X_OK):
            raise Trouble(f"cannot find '{bin_dir / tool}': run 'make tools'")
    results: dict = {
        'machine': {'cpus': cpus(), 'load_before': _load(),
                    'ccache': _ccache_note(args.no_ccache),
                    'export_checker': (bin_dir / 'export-checker').is_file()},
        'gates': args.gates,
        'goals': {'cold_s': GOAL_COLD_S, 'warm_s': GOAL_WARM_S,
                  'overhead': GOAL_OVERHEAD, 'verifier_parse': GOAL_VERIFIER,
                  'peak_mib': GOAL_PEAK_MIB},
        'kversions': {}}
    for kv in _kversions(args.kversion):
        results['kversions'][kv] = bench_one(kv, args)
    results['machine']['load_after'] = _load()
    path = Path(args.out) / 'bench.json'
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, sort_keys=False) + '\n')
    sys.stdout.write(render(results))
    log(f'bench: {path}')
    failed = any(r['errors'] for r in results['kversions'].values())
    return 2 if failed else 0


def _load() -> str:
    """The 1-minute load average, as text."""
    try:
        return f'{os.getloadavg()[0]:.1f}'
    except OSError:
        return '?'


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(
        prog='kmove bench', description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('--out', default='out',
                        help='output directory (runs go to OUT/bench/)')
    parser.add_argument('--bin', default='out/bin', help='kmove tools')
    parser.add_argument('--kversion', action='append',
                        help='base to measure (repeatable; default '
                        '$KVERSIONS or "6.1 6.12")')
    parser.add_argument('--series', default='series/shadow-mmu',
                        help='series definition directory')
    parser.add_argument('--gates', default=os.environ.get('GATES') or
                        _DEFAULT_GATES,
                        help='gates of the series runs (default $GATES)')
    parser.add_argument('--no-ccache', dest='no_ccache', action='store_true',
                        help='run the cold series with CCACHE_DISABLE=1')
    args = parser.parse_args(argv)
    try:
        sys.exit(run_bench(args))
    except Trouble as err:
        die(err)
