"""A one-line progress display on stderr while a command reads the account.

``check`` of a 10,000-number account takes about half a minute; on a terminal this shows which
family is being read, the list pages read and the Studio definitions fetched, redrawn in place
at most ten times a second and erased at the end, so stdout and the final screen are unchanged.
Nothing at all when stderr is not a terminal or with ``--quiet``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from watchdog.commands.terminal import columns
from watchdog.fetchers import progress

REDRAW_SECONDS = 0.1


class StderrProgress:
    """The fetch listener that draws ``<command>: reading <family> (N pages, M definitions)``."""

    def __init__(self, command: str, stream: TextIO,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.command, self.stream, self.clock = command, stream, clock
        self.current = ""
        self.pages = self.definitions = 0
        self.families = 0
        self._drawn_at: float | None = None
        self._shown = False

    def family(self, name: str) -> None:
        self.current, self.families = name, self.families + 1
        self._draw(force=True)

    def page(self) -> None:
        self.pages += 1
        self._draw()

    def definition(self) -> None:
        self.definitions += 1
        self._draw()

    def text(self) -> str:
        pages = f"{self.pages} page" + ("" if self.pages == 1 else "s")
        defs = f"{self.definitions} definition" + ("" if self.definitions == 1 else "s")
        return f"{self.command}: reading {self.current} ({pages} read, {defs} fetched)"

    def _draw(self, force: bool = False) -> None:
        now = self.clock()
        if not force and self._drawn_at is not None and now - self._drawn_at < REDRAW_SECONDS:
            return
        self._drawn_at = now
        line = self.text()[:max(1, columns(self.stream) - 1)]  # never wraps, so \r redraws one line
        self.stream.write(f"\r\x1b[K{line}")
        self.stream.flush()
        self._shown = True

    def erase(self) -> None:
        if self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def wanted(quiet: bool, stream: TextIO | None = None) -> bool:
    stream = stream or sys.stderr
    try:
        return not quiet and stream.isatty()
    except (AttributeError, ValueError):
        return False


@contextmanager
def shown(command: str, quiet: bool) -> Iterator[None]:
    """Show progress on stderr for the duration of the block, if a person is watching."""
    if not wanted(quiet):
        yield
        return
    display = StderrProgress(command, sys.stderr)
    try:
        with progress.watching(display):
            yield
    finally:
        display.erase()
