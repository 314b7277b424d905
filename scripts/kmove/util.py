# SPDX-License-Identifier: GPL-2.0
"""Shared helpers of kmove: errors, progress logging, commands and timing.

Every user-facing failure is a Trouble carrying one line of text; the
command-line front end prints it as ``kmove: error: MSG`` and exits with
status 2.  Progress goes to stderr so that stdout stays free for results.
"""

import contextlib
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, Iterator, Mapping, Optional, Sequence, Union

_PROG = 'kmove'
_ERROR_EXIT = 2
_QUIET_ENV = 'KMOVE_QUIET'

_quiet = bool(os.environ.get(_QUIET_ENV))

PathLike = Union[str, Path]


class Trouble(Exception):
    """A one-line, user-facing error.

    The message must make sense on its own after ``kmove: error: ``.
    """


def set_quiet(quiet: bool) -> None:
    """Turns progress messages on or off.

    Args:
        quiet: True to silence log().
    """
    global _quiet
    _quiet = quiet


def log(msg: str) -> None:
    """Writes one progress line to stderr unless quiet.

    Args:
        msg: The text to write.
    """
    if not _quiet:
        print(msg, file=sys.stderr, flush=True)


def die(err: Trouble) -> None:
    """Prints a Trouble the standard way and exits with status 2.

    Args:
        err: The error to report.
    """
    print(f'{_PROG}: error: {err}', file=sys.stderr, flush=True)
    sys.exit(_ERROR_EXIT)


def _last_line(text: Optional[str]) -> str:
    """Returns the last non-blank line of text, stripped, or ''."""
    for line in reversed((text or '').splitlines()):
        if line.strip():
            return line.strip()
    return ''


def run(cmd: Sequence[PathLike], cwd: Optional[PathLike] = None,
        env: Optional[Mapping[str, str]] = None, check: bool = True,
        capture: bool = True,
        stdin: Optional[str] = None,
        merge: bool = False) -> subprocess.CompletedProcess:
    """Runs a command.

    Args:
        cmd: The program and its arguments.
        cwd: The directory to run in.
        env: Variables added to (not replacing) the current environment.
        check: Raise Trouble when the command fails.
        capture: Capture stdout and stderr as text; when False they are
            inherited from this process.
        stdin: Text fed to the command's standard input.
        merge: With capture, send stderr to stdout, keeping the order in
            which the lines were written (stderr is then None).

    Returns:
        The completed process (stdout/stderr are None unless captured).

    Raises:
        Trouble: The command cannot be started, or fails while check is set;
            the message names the command and ends with its last stderr line.
    """
    argv = [str(c) for c in cmd]
    full_env = None
    if env:
        full_env = dict(os.environ)
        full_env.update(env)
    try:
        proc = subprocess.run(argv, cwd=cwd, env=full_env, text=True,
                              input=stdin,
                              stdout=subprocess.PIPE if capture else None,
                              stderr=(subprocess.STDOUT if merge else
                                      subprocess.PIPE) if capture else None,
                              check=False)
    except OSError as err:
        raise Trouble(f"cannot run '{argv[0]}': {err.strerror}") from err
    if check and proc.returncode != 0:
        why = _last_line(proc.stderr) or _last_line(proc.stdout)
        what = shlex.join(argv[:3]) + (' ...' if len(argv) > 3 else '')
        msg = f"'{what}' failed (exit {proc.returncode})"
        raise Trouble(f'{msg}: {why}' if why else msg)
    return proc


class Timer:
    """Times named stages and remembers how long each one took.

    Attributes:
        seconds: Maps stage name to elapsed seconds, in the order the stages
            finished; a repeated name accumulates.
    """

    def __init__(self) -> None:
        self.seconds: Dict[str, float] = {}
        self._start = time.monotonic()

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Times the body of a with statement as one stage.

        Logs ``  [ 12.3s] NAME`` to stderr when the stage ends, also when it
        ends with an exception.

        Args:
            name: The stage name, e.g. 'import base linux-6.1'.
        """
        start = time.monotonic()
        try:
            yield
        finally:
            took = time.monotonic() - start
            self.seconds[name] = self.seconds.get(name, 0.0) + took
            log(f'  [{took:5.1f}s] {name}')

    def total(self) -> float:
        """Returns the seconds since this Timer was created."""
        return time.monotonic() - self._start

    def as_dict(self) -> Dict[str, float]:
        """Returns the stage times rounded to 0.1 s, for JSON reports."""
        return {k: round(v, 1) for k, v in self.seconds.items()}


_default_timer = Timer()


def stage(name: str, timer: Optional[Timer] = None):
    """Times one stage with timer, or with the module's default Timer.

    Args:
        name: The stage name.
        timer: The Timer recording the result; default_timer() if None.

    Returns:
        A context manager.
    """
    return (timer or _default_timer).stage(name)


def default_timer() -> Timer:
    """Returns the Timer used by stage() when none is given."""
    return _default_timer


def which(prog: str) -> Optional[str]:
    """Returns the full path of prog on $PATH, or None."""
    return shutil.which(prog)


def cpus() -> int:
    """Returns the number of CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1

