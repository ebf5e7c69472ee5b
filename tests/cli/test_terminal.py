"""The CLI at a person's terminal (80 columns, under a pty) and in a pipe (nothing changes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.cli.ptys import in_pty, terminal_env
from watchdog.commands.report import display_order, plural
from watchdog.commands.terminal import Terminal, render_markdown
from watchdog.model.findings import Finding
from watchdog.rules.registry import all_rules

MESSAGE = "numbers.message-webhook-overwritten"


def sim_env(sim, tmp_path, **extra: str) -> dict[str, str]:
    world = sim.world
    env = {k: v for k, v in terminal_env().items()
           if not k.startswith(("TWILIO_", "FLEX_WATCHDOG_"))}
    return env | {"TWILIO_ACCOUNT_SID": world.account_sid, "TWILIO_AUTH_TOKEN": world.auth_token,
                  "FLEX_WATCHDOG_TWILIO_BASE_URL": sim.url,
                  "FLEX_WATCHDOG_TWILIO__REQUESTS_PER_SECOND": "100000",
                  "FLEX_WATCHDOG_STATE_PATH": str(tmp_path / "cli.db"),
                  "FLEX_WATCHDOG_TWILIO__MAX_ATTEMPTS": "1"} | extra


def piped(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "watchdog", *args], env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def broken(sim, world, tmp_path):
    """An adopted baseline, then a voice number repointed and two SMS webhooks overwritten."""
    env = sim_env(sim, tmp_path)
    assert piped(["check"], env).returncode == 0
    for sid in world.flex_numbers[:2]:
        world.set_number(sid, sms_url="https://example.com/a/very/long/path/for/the/sms/webhook"
                                      "/that/someone/pasted/from/a/tutorial")
    world.set_number(world.flex_numbers[0], voice_url="https://example.com/voice")
    return env


@pytest.mark.slow
def test_check_fits_80_columns_with_colour_and_the_summary_under_the_rule(broken):
    run = in_pty(["check"], broken, stderr_tty=False)  # the daemon's log lines stay whole
    assert run.code == 1, run.out
    assert run.widest() <= 80, run.plain
    assert "\x1b[1;31mCRITICAL\x1b[0m" in run.out
    lines = run.plain.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("CRITICAL"))
    assert lines[first + 1].startswith(" " * 9) and lines[first + 1][9] != " "
    assert "3 findings (3 critical); 0 unknown families" in " ".join(lines)


@pytest.mark.slow
def test_no_color_and_a_pipe_change_nothing_but_colour_and_wrapping(broken):
    no_colour = in_pty(["check"], broken | {"NO_COLOR": "1"}, stderr_tty=False)
    assert "\x1b[" not in no_colour.out and no_colour.widest() <= 80
    pipe = piped(["check"], broken)
    assert "\x1b[" not in pipe.stdout + pipe.stderr
    assert max(len(line) for line in pipe.stdout.splitlines()) > 80, "a pipe is not wrapped"
    def headers(text: str) -> list[list[str]]:
        return [line.split()[:2] for line in text.splitlines() if line.startswith("CRITICAL")]

    assert headers(pipe.stdout) == headers(no_colour.plain) and len(headers(pipe.stdout)) == 3


@pytest.mark.slow
def test_columns_sets_the_width(broken):
    run = in_pty(["check"], broken | {"COLUMNS": "60"}, stderr_tty=False)
    assert run.widest() <= 60


@pytest.mark.slow
def test_rules_and_explain_fit_80_columns(tmp_path):
    env = terminal_env({"FLEX_WATCHDOG_STATE_PATH": str(tmp_path / "x.db")})
    rules = in_pty(["rules"], env)
    assert rules.code == 0 and rules.widest() <= 80
    assert all(rule in rules.plain for rule in all_rules())
    explain = in_pty(["explain", "numbers-message-webhook-overwritten"], env)
    assert explain.code == 0 and explain.widest() <= 80
    assert "**" not in explain.plain and "Why it matters." in explain.plain
    assert "\x1b[1m" in explain.out  # bold, where the Markdown had **...**
    pipe = piped(["explain", MESSAGE], env)
    assert pipe.stdout.startswith(f"# {MESSAGE} (") and "**Why it matters.**" in pipe.stdout


@pytest.mark.slow
def test_check_filters_fail_on_and_quiet(broken):
    every = json.loads(piped(["check", "--format", "json"], broken).stdout)["findings"]
    assert {f["rule"] for f in every} == {MESSAGE, "numbers.voice-webhook-overwritten"}
    only = piped(["check", "--format", "json", "--rule", "numbers-voice-webhook-overwritten"],
                 broken)
    assert [f["rule"] for f in json.loads(only.stdout)["findings"]] == [
        "numbers.voice-webhook-overwritten"]
    none = piped(["check", "--severity", "info", "--fail-on", "warning"], broken)
    assert none.returncode == 0
    assert "No findings shown (3 findings filtered out)." in none.stdout
    assert "0 findings, 3 filtered out" in none.stdout
    studio = piped(["check", "--family", "studio", "--format", "json"], broken)
    assert json.loads(studio.stdout)["findings"] == [] and studio.returncode == 0
    numbers = piped(["check", "--family", "numbers", "--format", "json"], broken)
    assert len(json.loads(numbers.stdout)["findings"]) == 3 and numbers.returncode == 1
    quiet = piped(["check", "--quiet", "--rule", MESSAGE], broken)
    assert quiet.returncode == 1
    assert quiet.stdout.splitlines()[0].startswith("CRITICAL numbers.message-webhook-overwritten")
    assert "flex-watchdog check:" not in quiet.stdout and "Families" not in quiet.stdout
    assert "findings" not in quiet.stdout.splitlines()[-1]
    clean = piped(["check", "--quiet", "--severity", "warning"], broken)
    assert (clean.returncode, clean.stdout, clean.stderr) == (0, "", "")


@pytest.mark.slow
def test_a_misspelt_rule_is_answered_with_the_closest(tmp_path):
    env = terminal_env({"FLEX_WATCHDOG_STATE_PATH": str(tmp_path / "x.db")})
    for args in (["explain", "numbers.message-webhok-overwritten"],
                 ["check", "--rule", "numbers-message-webhook-overwriten"]):
        proc = piped(args, env)
        assert proc.returncode == 2
        assert proc.stderr.strip().endswith(
            "did you mean numbers.message-webhook-overwritten? (see `flex-watchdog rules`)")
    far = piped(["explain", "zzz"], env)
    assert far.returncode == 2 and "did you mean" not in far.stderr


def test_findings_sort_by_severity_then_the_number_not_the_sid():
    class Empty:
        def get(self, *_):
            return None

    def number(sid: str, phone: str, severity: str = "critical") -> Finding:
        return Finding(MESSAGE, severity, "phone_number", sid, "s",  # type: ignore[arg-type]
                       {"phone_number": phone})

    findings = [number("PN1", "+15550000003"), number("PN2", "+15550000001"),
                number("PN3", "+15550000002", "warning"), number("PN0", "+15550000009", "info")]
    ordered = display_order(findings, Empty())  # type: ignore[arg-type]
    assert [f.resource_sid for f in ordered] == ["PN2", "PN1", "PN3", "PN0"]


def test_grammar_of_counts():
    assert plural(1, "finding") == "1 finding" and plural(2, "finding") == "2 findings"
    assert plural(1, "unknown family", "unknown families") == "1 unknown family"


def test_markdown_rendering_without_colour():
    term = Terminal(40, False)
    text = ("Title line\n\n**Why it matters.** A `channelSid` that is [set](https://x.y) breaks "
            "chat for everyone who writes in.\n\n- one item that is long enough to wrap around\n"
            "- two")
    out = render_markdown(text, term)
    assert "**" not in out and "`" not in out
    assert "set (https://x.y)" in " ".join(out.split())
    assert all(len(line) <= 40 for line in out.splitlines())
    items = [line for line in out.splitlines() if line.startswith(("- ", "  "))]
    assert items[0].startswith("- one") and items[1].startswith("  ")


def test_no_terminal_means_no_wrapping_and_no_colour(monkeypatch):
    monkeypatch.setenv("COLUMNS", "20")
    with open(os.devnull, "w") as sink:
        term = Terminal.of(sink)
    assert (term.width, term.colour) == (None, False)
    assert term.wrap("x" * 100) == ["x" * 100]
