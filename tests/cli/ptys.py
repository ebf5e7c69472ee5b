"""Run a command the way a person does: under a pseudo-terminal of a given size."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass
class Run:
    code: int
    out: str  # what the terminal showed (stdout, and stderr when it is the terminal too)
    err: str  # stderr when it was a pipe
    piped: str = ""  # stdout when it was a pipe

    @property
    def plain(self) -> str:
        return ANSI.sub("", self.out)

    def widest(self) -> int:
        return max((len(line) for line in self.plain.splitlines()), default=0)


def terminal_env(env: dict[str, str] | None = None) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR")}
    return base | {"TERM": "xterm-256color", "PYTHONPATH": str(REPO)} | (env or {})


def in_pty(args: list[str], env: dict[str, str], *, cols: int = 80, rows: int = 24,
           stderr_tty: bool = True, stdout_tty: bool = True, timeout: float = 120,
           stop_on: str | None = None) -> Run:
    """``python -m watchdog ARGS`` with stdout and/or stderr on a ``cols``-wide terminal; the
    other goes to a pipe (``Run.err`` for stderr, ``Run.piped`` for stdout). ``stop_on``: a
    pattern; once the terminal shows it (wrapped lines joined), the command gets SIGTERM."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    proc = subprocess.Popen([sys.executable, "-m", "watchdog", *args], stdin=slave,
                            stdout=slave if stdout_tty else subprocess.PIPE,
                            stderr=slave if stderr_tty else subprocess.PIPE,
                            env=env, close_fds=True)
    os.close(slave)
    chunks: list[bytes] = []
    try:
        while True:
            ready, _, _ = select.select([master], [], [], timeout)
            if not ready:
                proc.kill()
                raise TimeoutError(f"{args} wrote nothing for {timeout} s")
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
            if stop_on and re.search(stop_on, " ".join(
                    ANSI.sub("", b"".join(chunks).decode(errors="replace")).split())):
                proc.send_signal(signal.SIGTERM)
                stop_on = None
        err = proc.stderr.read().decode() if proc.stderr else ""
        piped = proc.stdout.read().decode() if proc.stdout else ""
        code = proc.wait(timeout)
    finally:
        os.close(master)
    return Run(code, b"".join(chunks).decode().replace("\r\n", "\n"), err, piped)
