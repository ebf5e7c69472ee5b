"""Progress of a long `check` on stderr: at a terminal only, never in stdout or with --quiet."""

from __future__ import annotations

import io
import re

import pytest

from tests.cli.ptys import in_pty
from tests.cli.test_terminal import piped, sim_env
from watchdog.commands.progress import StderrProgress
from watchdog.fetchers import progress
from watchdog.simulator import SimulatorServer, large

REDRAW = re.compile(r"\r\x1b\[K([^\r]*)")


@pytest.fixture
def big(tmp_path):
    """2,500 numbers (three pages of 1,000) and 6 Studio flows."""
    with SimulatorServer(large(numbers=2_500, studio_flows=6, flex_flows=3)) as server:
        yield sim_env(server, tmp_path)


def drawn(text: str) -> list[str]:
    return [m[1] for m in REDRAW.finditer(text) if m[1]]


@pytest.mark.slow
def test_progress_on_a_terminal_stderr_and_nothing_in_stdout(big):
    run = in_pty(["check"], big, stdout_tty=False)
    assert run.code == 0, run.out + run.err
    lines = drawn(run.out)
    assert any(line.startswith("check: reading numbers (") for line in lines), lines
    numbers = [line for line in lines if "reading numbers" in line]
    pages = max(int(re.search(r"(\d+) pages? read", line)[1]) for line in numbers)
    assert pages >= 3
    assert any(re.search(r"[1-9]\d* definitions? fetched", line) for line in lines)
    assert all(len(line) < 80 for line in lines)
    assert run.out.endswith("\r\x1b[K"), "the progress line is erased at the end"
    assert "reading" not in run.piped and "\x1b" not in run.piped
    assert run.piped.startswith("flex-watchdog check: account ")


@pytest.mark.slow
def test_no_progress_without_a_terminal_or_with_quiet(big):
    pipe = piped(["check"], big)
    assert "reading" not in pipe.stderr and "\r" not in pipe.stderr + pipe.stdout
    quiet = in_pty(["check", "--quiet"], big)
    assert quiet.code == 0 and quiet.out == ""


def test_the_display_redraws_at_most_ten_times_a_second(monkeypatch):
    monkeypatch.setenv("COLUMNS", "50")
    now = [0.0]
    stream = io.StringIO()
    display = StderrProgress("check", stream, clock=lambda: now[0])
    with progress.watching(display):
        progress.family_started("numbers")
        for _ in range(5):
            progress.page_read()  # same instant: not redrawn
        now[0] = 0.5
        progress.page_read()
        progress.family_started("studio")
        progress.definition_fetched()
    progress.page_read()  # after the block: nobody listens
    display.erase()
    lines = drawn(stream.getvalue())
    assert lines == ["check: reading numbers (0 pages read, 0 definitio",
                     "check: reading numbers (6 pages read, 0 definitio",
                     "check: reading studio (6 pages read, 0 definition"]
    assert display.pages == 6 and display.definitions == 1
    assert stream.getvalue().endswith("\r\x1b[K")


@pytest.mark.slow
def test_export_and_restore_plan_show_progress_too(big, tmp_path):
    export = in_pty(["export", str(tmp_path / "out"), "--current"], big, stdout_tty=False)
    assert export.code == 0, export.out + export.piped
    assert any(line.startswith("export: reading numbers (") for line in drawn(export.out))
    assert "reading" not in export.piped
    assert piped(["check"], big).returncode == 0  # a baseline to plan against
    plan = in_pty(["restore", "--plan"], big, stdout_tty=False)
    assert plan.code == 0, plan.out + plan.piped
    assert any(line.startswith("restore: reading ") for line in drawn(plan.out))
    assert "reading" not in plan.piped
