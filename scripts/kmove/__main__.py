# SPDX-License-Identifier: GPL-2.0
"""kmove command line: `python3 -m kmove COMMAND ...` (with scripts/ on the path)."""

import sys


def _series(argv):
    from . import series
    series.main(argv)


def _verify(argv):
    from . import verify
    verify.main(argv)


def _replay(argv):
    from . import replay
    replay.main(argv)


def _bench(argv):
    from . import bench
    bench.main(argv)


_COMMANDS = {
    'bench': _bench,
    'replay': _replay,
    'series': _series,
    'verify': _verify,
}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in _COMMANDS:
        print('usage: kmove (' + ' | '.join(_COMMANDS) + ') ...', file=sys.stderr)
        sys.exit(2)
    _COMMANDS[sys.argv[1]](sys.argv[2:])


if __name__ == '__main__':
    main()
