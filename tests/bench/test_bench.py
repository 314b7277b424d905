#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Tests of kmove bench's arithmetic and table, no kernel needed.

Covers the kbuild/tool classification of stages, the sums (the nested
"import base" stage is not counted twice, the time outside any stage
becomes "other"), the ratios, the goals with what holds each one back,
the table, and measure() on a trivial command.

Run: python3 tests/bench/test_bench.py [-v]
"""

import sys
import unittest
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(_HERE.parents[1] / 'scripts'))

# pylint: disable=wrong-import-position,protected-access
from kmove import bench  # noqa: E402

_OTHER = bench._OTHER

_STAGES = {
    'import base linux-6.1': 50.0,
    'base': 50.5,
    'work clone': 2.0,
    'configure': 4.0,
    'prepare': 6.0,
    'build base': 3.0,
    'compile_commands': 0.5,
    'clang configure+prepare': 12.0,
    'clang build base': 5.0,
    'sparse base': 8.0,
    'step 01 edit': 0.1,
    'step 01 build': 1.0,
    'step 01 verify': 2.0,
    'step 03 edit': 1.0,
    'step 03 build': 4.0,
    'step 03 clang': 4.0,
    'step 03 sparse': 3.0,
    'step 03 verify': 5.0,
    'format-patch': 0.2,
    'checkpatch': 6.0,
}


def _result(cold_wall: float = 120.0, warm_wall: float = 11.0) -> dict:
    """A fake bench_one() result."""
    res = {
        'cold': bench.summarise(_STAGES, cold_wall),
        'warm': bench.summarise({'base': 0.1, 'work clone': 1.0,
                                 'step 01 verify': 2.0, 'step 03 verify': 5.0,
                                 'step 03 build': 1.0}, warm_wall),
        'floors': {'parse': {'seconds': 2.0, 'maxrss_mib': 120.0},
                   'spatch': {'seconds': 1.0, 'maxrss_mib': 60.0},
                   'kbuild full': {'seconds': 40.0},
                   'kbuild incremental': {'seconds': 5.0}},
        'tools': {'move-verifier': {'seconds': 5.0, 'maxrss_mib': 170.0},
                  'kmove series (python)': {'seconds': 120.0,
                                            'maxrss_mib': 900.0,
                                            'own_peak_mib': 30.0}},
        'steps_built': 2,
    }
    res['ratios'] = bench.ratios(res)
    res['goals'] = bench.goals(res)
    return res


class ClassifyTest(unittest.TestCase):
    """Which stages are kbuild."""

    def test_kinds(self):
        kbuild = ['configure', 'prepare', 'build base', 'step 03 build',
                  'clang configure+prepare', 'clang build base',
                  'step 02 clang', 'sparse base', 'step 02 sparse']
        tool = ['base', 'work clone', 'compile_commands', 'step 02 edit',
                'step 02 verify', 'format-patch', 'checkpatch',
                'step 02 exports', _OTHER]
        for s in kbuild:
            self.assertEqual(bench.classify(s), 'kbuild', s)
        for s in tool:
            self.assertEqual(bench.classify(s), 'tool', s)
        self.assertEqual(bench.classify('import base linux-6.12'), 'nested')


class OrderTest(unittest.TestCase):
    """Stages in the order the series runs them."""

    def test_order(self):
        want = ['base', 'import base linux-6.1', 'work clone', 'configure',
                'prepare', 'build base', 'sparse base', 'step 01 edit',
                'step 01 build', 'step 01 verify', 'step 01 exports',
                'step 10 edit', 'new stage', 'format-patch', 'checkpatch',
                _OTHER]
        self.assertEqual(sorted(reversed(want), key=bench.stage_order), want)


class SummariseTest(unittest.TestCase):
    """Sums by kind."""

    def test_sums(self):
        s = bench.summarise(_STAGES, 120.0)
        self.assertAlmostEqual(s['kbuild'], 4 + 6 + 3 + 12 + 5 + 8 + 1 + 4 +
                               4 + 3)
        counted = sum(v for k, v in _STAGES.items() if k != 'import base '
                      'linux-6.1')
        other = 120.0 - counted
        self.assertAlmostEqual(s['stages'][_OTHER], other)
        self.assertAlmostEqual(s['tool'] + s['kbuild'], 120.0)
        self.assertEqual(s['biggest'], ['base', 50.5])
        self.assertEqual(s['biggest_group'][0], 'verify (all steps)')
        self.assertAlmostEqual(s['biggest_group'][1], 7.0)

    def test_wall_below_stages(self):
        s = bench.summarise({'base': 5.0, 'build base': 5.0}, 9.0)
        self.assertEqual(s['stages'][_OTHER], 0.0)

    def test_empty(self):
        s = bench.summarise({}, 3.0)
        self.assertEqual(s['biggest'], [_OTHER, 3.0])
        self.assertEqual(s['biggest_group'], ['', 0.0])


class RatioTest(unittest.TestCase):
    """Ratios and goals."""

    def test_ratios(self):
        res = _result()
        r = res['ratios']
        self.assertAlmostEqual(r['overhead_cold'],
                               res['cold']['tool'] / res['cold']['kbuild'])
        self.assertAlmostEqual(r['verifier_parse'], 2.5)
        self.assertAlmostEqual(r['warm_cold'], 11.0 / 120.0)
        self.assertAlmostEqual(r['cold_kbuild_floor'], 120.0 / 50.0)

    def test_missing(self):
        r = bench.ratios({'cold': bench.summarise({}, 1.0)})
        self.assertIsNone(r['warm_cold'])
        self.assertIsNone(r['verifier_parse'])
        self.assertIsNone(r['overhead_cold'])     # no kbuild stage: 0 s
        goals = bench.goals({'cold': bench.summarise({}, 1.0)})
        self.assertEqual([g['met'] for g in goals],
                         [True, None, None, None, None])

    def test_goals(self):
        goals = {g['name']: g for g in _result()['goals']}
        self.assertTrue(goals['cold pipeline']['met'])
        self.assertEqual(goals['cold pipeline']['held_back_by'], '')
        warm = goals['warm re-run']
        self.assertFalse(warm['met'])
        self.assertIn("'step 03 verify' 5.0 s", warm['held_back_by'])
        self.assertIn("'verify (all steps)' 7.0 s", warm['held_back_by'])
        self.assertFalse(goals['tool overhead / kbuild']['met'])
        self.assertIn("'base' 50.5 s",
                      goals['tool overhead / kbuild']['held_back_by'])
        v = goals['move-verifier / parse floor']
        self.assertFalse(v['met'])
        self.assertIn('3.0 s over its floor', v['held_back_by'])
        peak = goals['peak memory']
        self.assertTrue(peak['met'])
        # the series' own peak counts, not its compilers'
        self.assertEqual(peak['value'], 170.0)

    def test_cold_missed(self):
        goals = {g['name']: g for g in _result(cold_wall=400.0)['goals']}
        self.assertFalse(goals['cold pipeline']['met'])
        self.assertIn("'other (start-up, commits, report)'",
                      goals['cold pipeline']['held_back_by'])


class RenderTest(unittest.TestCase):
    """The table."""

    def test_table(self):
        text = bench.render({'machine': {'cpus': 2, 'ccache': 'x'},
                             'gates': 'clang',
                             'kversions': {'6.1': _result()}})
        self.assertIn('== linux 6.1', text)
        self.assertIn('  import base linux-6.1', text)
        self.assertRegex(text, r'warm re-run +11\.0 +10\.0  MISSED: held '
                         r"back by 'step 03 verify'")
        self.assertRegex(text, r'move-verifier / parse floor +2\.50')
        self.assertRegex(text, r'peak memory +170 +1024  ok')

    def test_error(self):
        text = bench.render({'kversions': {'6.12': {'errors': ['boom']}}})
        self.assertIn('error: boom', text)


class MeasureTest(unittest.TestCase):
    """measure() on real, tiny commands."""

    def test_true(self):
        m = bench.measure(['true'])
        self.assertEqual(m.rc, 0)
        self.assertGreater(m.maxrss_kib, 0)
        self.assertGreaterEqual(m.seconds, 0.0)

    def test_status_and_poll(self):
        m = bench.measure([sys.executable, '-c',
                           'import time, sys; b = bytearray(64 << 20); '
                           'time.sleep(0.5); sys.exit(3)'], poll=True)
        self.assertEqual(m.rc, 3)
        self.assertGreater(m.hwm_kib, 60 << 10)
        self.assertGreater(m.maxrss_kib, 60 << 10)

    def test_kversions(self):
        self.assertEqual(bench._kversions(['6.1']), ['6.1'])
        self.assertEqual(bench._kversions(['6.1,6.12', '6.1']),
                         ['6.1', '6.12'])


if __name__ == '__main__':
    unittest.main()
