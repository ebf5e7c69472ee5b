"""The daemon's own lines on a terminal: ``run``'s text log and the demo's tour are cut to the
terminal's width (80 columns under a pseudo-terminal); piped, they stay whole."""

from __future__ import annotations

import io
import logging

import pytest

from tests.cli.ptys import ANSI, in_pty, terminal_env
from tests.cli.test_terminal import sim_env
from watchdog.commands.terminal import Terminal
from watchdog.demo.tour import WIDTH, Console
from watchdog.telemetry.logs import JsonFormatter, TextFormatter

LONG = ("finding opened: numbers.message-webhook-overwritten PN3dfabc08935ddd725129fb7c6288e1a5: "
        '"A message comes in" points at https://example.com/a/very/long/path/for/the/sms/webhook'
        "/that/someone/pasted/from/a/tutorial, not the Flex Proxy Service")


def record(message: str, exc: bool = False) -> logging.LogRecord:
    info = None
    if exc:
        try:
            raise RuntimeError("x" * 120)
        except RuntimeError as error:
            info = (RuntimeError, error, error.__traceback__)
    return logging.LogRecord("watchdog.cycle", logging.WARNING, __file__, 1, message, None, info)


def test_text_log_lines_are_cut_to_the_terminal_with_continuations_indented():
    text = TextFormatter(Terminal(80, False).wrap).format(record(LONG, exc=True))
    lines = text.splitlines()
    assert max(map(len, lines)) <= 80 and len(lines) > 4
    assert all(line.startswith("    ") for line in lines[1:3])
    assert "RuntimeError: " in text and " ".join(LONG.split()[:4]) in " ".join(text.split())


def test_without_a_terminal_log_lines_stay_whole_and_json_is_never_cut():
    plain = TextFormatter().format(record(LONG))
    assert "\n" not in plain and plain.endswith(LONG)
    assert "\n" not in JsonFormatter().format(record(LONG))


def test_the_demo_console_cuts_what_it_says_and_shows_to_the_terminal():
    out = io.StringIO()
    console = Console(out, width=80)
    console.line("OPENED", LONG, "critical", more=(f"evidence: {LONG}",))
    console.say("    " + LONG + " " + LONG)
    console.say(console.paint(f"-- 1/4  {LONG}", "bold"))
    lines = ANSI.sub("", out.getvalue()).splitlines()
    assert max(map(len, lines)) <= 80
    assert lines[-1].startswith("  ") or lines[-2].startswith("  ")
    cut = [line for line in lines if line.startswith("      ")]
    assert cut, "a said line's continuation is indented under it"


def test_the_demo_console_without_a_terminal_fills_to_its_page_and_says_lines_whole():
    out = io.StringIO()
    console = Console(out)
    console.line("OPENED", LONG)
    console.say("    " + LONG)
    lines = out.getvalue().splitlines()
    assert max(map(len, lines[:-1])) <= WIDTH and lines[-1] == "    " + LONG


@pytest.mark.slow
def test_run_on_an_80_column_terminal(sim, world, tmp_path):
    env = sim_env(sim, tmp_path, FLEX_WATCHDOG_HTTP__PORT="0",
                  FLEX_WATCHDOG_HTTP__HOST="127.0.0.1")
    world.set_number(world.flex_numbers[0], sms_url="https://example.com/" + "s" * 90)
    run = in_pty(["run"], env, cols=80, timeout=60, stop_on=r"snapshot loaded: ready")
    assert run.code == 0, run.plain
    assert run.widest() <= 80, run.plain
    text = " ".join(run.plain.split())
    assert "finding opened: numbers.message-webhook-overwritten" in text
    assert "received SIGTERM" in text and text.endswith("stopped")


@pytest.mark.slow
def test_demo_on_an_80_column_terminal(tmp_path):
    run = in_pty(["demo", "--pace", "0", "--port", "0"], terminal_env(), cols=80, timeout=90)
    assert run.code == 0, run.plain
    assert run.widest() <= 80, [line for line in run.plain.splitlines() if len(line) > 80]
    assert "Every breakage was detected and cleared" in " ".join(run.plain.split())
