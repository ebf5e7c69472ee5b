"""``flex-watchdog demo`` runs to completion, shows findings opening and clearing, exits 0."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest

from watchdog.commands.demo import free_or_any


@pytest.mark.slow
def test_the_readme_command_without_credentials(tmp_path):
    """What a person sees first: the full tour, in well under a minute, exit 0."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "FLEX_WATCHDOG_"))}
    env["FLEX_WATCHDOG_PAGERDUTY__ROUTING_KEY"] = "a" * 32  # a real key must be ignored
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "watchdog", "demo", "--pace", "0", "--port",
                           "0"], env=env, capture_output=True, text=True, timeout=60,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert time.monotonic() - started < 45
    out = proc.stdout
    assert re.search(r"metrics   http://127\.0\.0\.1:\d+/metrics", out)
    for rule in ("numbers.message-webhook-overwritten", "proxy.service-missing",
                 "studio.send-to-flex-channel-invalid", "taskrouter.workspace-missing"):
        assert re.search(rf"OPENED  critical {re.escape(rule)}", out), rule
        assert re.search(rf"CLEARED {re.escape(rule)}", out), rule
    assert "via a Monitor event" in out and "via a Debugger alert" in out
    assert "via the scheduled studio poll" in out
    assert "evidence: phone-number.updated" in out
    # who each breakage cuts off, under the finding that cuts them off
    assert re.search(r"OPENED  critical numbers\.message-webhook-overwritten  PN\w+\n\s+SMS to 1 "
                     r"of \d+ numbers cannot reach Flex\n", out), out
    assert re.search(r"OPENED  critical proxy\.service-missing  \w+\n\s+SMS to (\d+) of \1 "
                     r"numbers cannot reach Flex", out), out
    assert "MISSED" not in out and "still open" not in out
    assert "Every breakage was detected and cleared" in out
    # the first breakage is healed by the daemon (grace 0), with its change event, and clears
    healed = re.search(r"HEALED  numbers\.message-webhook-overwritten  (PN\w+)", out)
    assert healed, out
    assert "change event: flex-watchdog healed numbers.message-webhook-overwritten" in out
    assert re.search(r"change \[.*\] flex-watchdog healed numbers\.message-webhook-overwritten",
                     out), "PagerDuty received the change event"
    step1 = out.split("-- 2/4")[0]
    assert step1.index("HEALED") < step1.index("CLEARED numbers.message-webhook-overwritten")
    assert "repair  none by hand: the daemon healed it" in step1
    # the guide's two multi-step repairs: System Checkup, then restore --plan and --apply
    for section in (out.split("-- 2/4")[1].split("-- 3/4")[0], out.split("-- 4/4")[1]):
        assert "$ flex-watchdog restore --plan --out plan.json" in section
        assert re.search(r"restore --apply plan\.json: (\d+) of \1 step\(s\) verified", section)
        assert section.index("restore --apply") < section.index("CLEARED")
    assert re.search(r"as the plan's notes say: DELETE\s+https://studio\.twilio\.com/v2/Flows/FW",
                     out.split("-- 3/4")[0])
    assert "\033[" not in out, "no colour codes when not on a terminal"
    assert proc.stderr == "", "the daemon's log stays out of the tour"
    assert list(tmp_path.iterdir()) == [], "no state file left behind"


def test_a_busy_port_falls_back_to_any():
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        assert free_or_any(busy.getsockname()[1]) == 0
    assert free_or_any(0) == 0


@pytest.mark.slow
def test_the_conversations_tour(tmp_path):
    """The same story on a Flex Conversations account: each breakage found, repaired, cleared."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "FLEX_WATCHDOG_"))}
    proc = subprocess.run([sys.executable, "-m", "watchdog", "demo", "--world", "conversations",
                           "--pace", "0", "--port", "0"], env=env, capture_output=True,
                          text=True, timeout=90, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "healthy Flex Conversations" in out
    for rule in ("conversations.address-studio-flow-missing",
                 "conversations.address-autocreation-disabled",
                 "numbers.message-webhook-set-on-conversations"):
        assert re.search(rf"OPENED  \w+ {re.escape(rule)}", out), rule
        assert re.search(rf"CLEARED {re.escape(rule)}", out), rule
    for rule in ("proxy.service-missing", "numbers.stack-conflict"):
        assert not re.search(rf"OPENED  \w+ {re.escape(rule)}", out), rule
    assert "MISSED" not in out and "still open" not in out
    assert "Every breakage was detected and cleared after its repair." in out


def test_an_opened_finding_shows_who_it_cuts_off_and_one_that_cuts_off_nobody_does_not():
    import io
    from datetime import UTC, datetime

    from watchdog.demo.tour import Console, FindingLog
    from watchdog.model.findings import Finding, Severity
    from watchdog.model.results import CycleResult, Evaluation
    from watchdog.model.snapshot import Snapshot

    now = datetime(2026, 11, 25, tzinfo=UTC)
    impact = {"entry_points": 2, "by_channel": {"voice": 2}, "sample": ["voice:+15550001"]}
    cut = Finding("numbers.voice-flow-missing", Severity.CRITICAL, "studio_flow", "FW1",
                  "the IVR is gone", {"impact": impact})
    dup = Finding("studio.flow-duplicate", Severity.INFO, "studio_flow", "FW2", "a copy",
                  {"impact": {**impact, "entry_points": 0, "by_channel": {}}})
    reach = {"by_channel": {"voice": {"ok": 1, "broken": 2, "unknown": 0}}}
    out = io.StringIO()
    FindingLog(Console(out), {})(CycleResult("AC1", now, Snapshot("AC1", now, {}), (),
                                             Evaluation([cut, dup]), opened=[cut, dup],
                                             reach=reach))
    text = out.getvalue()
    assert "Calls to 2 of 3 numbers cannot reach Flex\n" in text
    assert text.index("cannot reach Flex") < text.index("the IVR is gone")
    assert text.count("cannot reach Flex") == 1
