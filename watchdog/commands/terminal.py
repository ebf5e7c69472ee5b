"""Output for a person at a terminal: wrapped to its width, coloured, Markdown rendered.

Only a terminal changes anything. Piped or redirected output keeps its lines whole and has no
escape codes, so scripts and files see what they always saw. ``COLUMNS`` sets the width (else
the terminal's own); ``NO_COLOR`` (any non-empty value) or ``TERM=dumb`` turns colour off.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

MIN_WIDTH = 40
_CODES = {"bold": "1", "red": "31", "yellow": "33", "cyan": "36", "dim": "2"}
SEVERITY_STYLE = {"critical": ("bold", "red"), "warning": ("bold", "yellow"), "info": ("cyan",)}
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class Terminal:
    """How to write to one stream: ``width`` None means do not wrap."""

    width: int | None
    colour: bool

    @classmethod
    def of(cls, stream: TextIO | None = None) -> Terminal:
        stream = stream or sys.stdout
        if not _isatty(stream):
            return cls(None, False)
        return cls(max(MIN_WIDTH, columns(stream)), colour_allowed())

    def paint(self, text: str, *styles: str) -> str:
        if not self.colour or not styles:
            return text
        codes = ";".join(_CODES[s] for s in styles)
        return f"\x1b[{codes}m{text}\x1b[0m"

    def severity(self, severity: str, text: str) -> str:
        return self.paint(text, *SEVERITY_STYLE.get(severity, ()))

    def wrap(self, line: str, indent: int = 0) -> list[str]:
        """Plain ``line`` cut to the width, continuation lines indented by ``indent`` (or as
        the line itself is); unchanged without a width. Paint after wrapping."""
        if self.width is None or len(line) <= self.width:
            return [line]
        lead = line[:len(line) - len(line.lstrip())]
        return textwrap.wrap(line.strip(), width=self.width, initial_indent=lead,
                             subsequent_indent=" " * indent or lead,
                             break_on_hyphens=False) or [""]


def log_wrap(stream: TextIO | None = None) -> Callable[[str, int], list[str]] | None:
    """What cuts the text log to the width of ``stream`` (stderr) when it is a terminal."""
    terminal = Terminal.of(stream or sys.stderr)
    return terminal.wrap if terminal.width is not None else None


def columns(stream: TextIO | None = None) -> int:
    """``COLUMNS``, else the width of ``stream``'s terminal (stdout's by default), else 80."""
    try:
        value = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        value = 0
    if value > 0:
        return value
    if stream is not None:
        try:
            return os.get_terminal_size(stream.fileno()).columns
        except (AttributeError, ValueError, OSError):
            pass
    return shutil.get_terminal_size().columns


def colour_allowed() -> bool:
    return not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def visible_len(text: str) -> int:
    return len(_ANSI.sub("", text))


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


# -- Markdown (the runbooks) for a terminal ----------------------------------------------------
_LINK = re.compile(r"\[([^\]]+)\]\(([^)]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`]+)`")
_ITEM = re.compile(r"^(\s*)([-*]|\d+\.)\s+")


def render_markdown(text: str, term: Terminal) -> str:
    """Paragraphs and list items wrapped, ``**bold**`` and ``code`` styled, links spelled out."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        out += _block(block, term)
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _block(block: str, term: Terminal) -> list[str]:
    lines = block.splitlines()
    if lines and lines[0].startswith("#"):
        heading = [term.paint(_inline(lines[0].lstrip("# "), Terminal(None, False)), "bold")]
        return heading + (_block("\n".join(lines[1:]), term) if len(lines) > 1 else [])
    items: list[list[str]] = []
    for line in lines:
        if _ITEM.match(line) or not items:
            items.append([line.strip()])
        else:
            items[-1].append(line.strip())
    out: list[str] = []
    for item in items:
        joined = " ".join(item)
        marker = _ITEM.match(joined)
        hang = len(marker[0]) if marker else 0
        plain = _inline(joined, Terminal(term.width, False))
        width = term.width or max(len(plain), 1)
        wrapped = textwrap.wrap(plain, width=width, subsequent_indent=" " * hang,
                                break_on_hyphens=False) or [""]
        out += [_restyle(line, joined, term) for line in wrapped]
    return out


def _inline(text: str, term: Terminal) -> str:
    text = _LINK.sub(lambda m: f"{m[1]} ({m[2]})", text)
    text = _BOLD.sub(lambda m: term.paint(m[1], "bold"), text)
    return _CODE.sub(lambda m: term.paint(m[1], "cyan"), text)


def _restyle(line: str, source: str, term: Terminal) -> str:
    """Colour a wrapped line's bold and code spans again (wrapping works on the plain text)."""
    if not term.colour:
        return line
    for match in _BOLD.finditer(source):
        if match[1] in line:
            line = line.replace(match[1], term.paint(match[1], "bold"), 1)
    for match in _CODE.finditer(source):
        if match[1] in line:
            line = line.replace(match[1], term.paint(match[1], "cyan"), 1)
    return line
