"""``flex-watchdog ARGS`` run in the test's own process, as a subprocess would run it: its own
environment, standard input, output and error, and its exit code. For the tests where a separate
process proves nothing more; start-up, signals, terminals and crashes keep a real one."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence

from watchdog.cli import main


def run_cli(args: Sequence[str], env: Mapping[str, str],
            stdin: str | None = "") -> subprocess.CompletedProcess[str]:
    """Like ``subprocess.run([python, "-m", "watchdog", *args], env=env, input=stdin,
    capture_output=True, text=True)``."""
    out, err = io.StringIO(), io.StringIO()
    with _environment(env), _logging(), contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(err), _stdin(stdin or ""):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse: usage errors and --help
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return subprocess.CompletedProcess(["flex-watchdog", *args], code, out.getvalue(),
                                       err.getvalue())


@contextlib.contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def _logging() -> Iterator[None]:
    """The command installs its log handler on the root logger: take it away afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


@contextlib.contextmanager
def _stdin(text: str) -> Iterator[None]:
    saved = sys.stdin
    sys.stdin = io.StringIO(text)
    try:
        yield
    finally:
        sys.stdin = saved
