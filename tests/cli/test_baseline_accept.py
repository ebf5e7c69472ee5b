"""The baseline never makes a broken value "expected": neither the adoption on the first
complete check nor ``baseline accept`` takes in what a rule calls broken now."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.cli.inproc import run_cli
from tests.daemon.timeline import Timeline, timeline_settings
from watchdog.simulator import SimulatorServer, World, healthy_legacy

VOICE = "numbers.voice-webhook-overwritten"


def run(args: list[str], sim: SimulatorServer, tmp_path: Path,
        stdin: str | None = "") -> subprocess.CompletedProcess[str]:
    world = sim.world
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "FLEX_WATCHDOG_"))}
    env |= {"TWILIO_ACCOUNT_SID": world.account_sid, "TWILIO_AUTH_TOKEN": world.auth_token,
            "FLEX_WATCHDOG_TWILIO_BASE_URL": sim.url,
            "FLEX_WATCHDOG_TWILIO__REQUESTS_PER_SECOND": "100000",
            "FLEX_WATCHDOG_STATE_PATH": str(tmp_path / "cli.db"),
            "FLEX_WATCHDOG_TWILIO__MAX_ATTEMPTS": "1"}
    return run_cli(args, env, stdin)


def findings(sim: SimulatorServer, tmp_path: Path) -> list[tuple[str, str]]:
    proc = run(["check", "--format", "json"], sim, tmp_path)
    return [(f["rule"], f["resource_sid"]) for f in json.loads(proc.stdout)["findings"]]


def break_voice(world: World) -> str:
    number = world.flex_numbers[0]
    world.set_number(number, voice_url="https://example.com/not-the-ivr")
    return number


@pytest.mark.slow
def test_the_first_check_does_not_adopt_a_broken_webhook(sim, world, tmp_path):
    number = break_voice(world)
    assert findings(sim, tmp_path) == [(VOICE, number)]  # the first check adopts the baseline
    assert findings(sim, tmp_path) == [(VOICE, number)]  # ... without the broken webhook


def test_the_daemon_never_resolves_an_incident_by_adopting_its_cause(fake_pd, tmp_path):
    world = healthy_legacy()
    number = break_voice(world)
    with SimulatorServer(world) as server:
        day = Timeline(server, timeline_settings(server, tmp_path / "state.db", fake_pd,
                                                 healing={"enabled": False}))
        try:
            day.advance(900)
            assert f"{VOICE}:{number}" in day.watcher.store.open_findings()
        finally:
            day.close()
    assert [e.dedup_key for e in fake_pd.events("trigger")] != []
    assert fake_pd.events("resolve") == []


@pytest.mark.slow
def test_accept_keeps_out_what_a_rule_calls_broken_and_says_why(sim, world, tmp_path):
    assert run(["check"], sim, tmp_path).returncode == 0
    number = break_voice(world)
    world.delete(world.task_channels["video"])
    accept = run(["baseline", "accept", "--yes"], sim, tmp_path)
    assert accept.returncode == 0, accept.stderr
    assert "Kept out" in accept.stdout and f"phone_number {number}: {VOICE}" in accept.stdout
    assert findings(sim, tmp_path) == [(VOICE, number)]
    diff = run(["baseline", "diff"], sim, tmp_path)
    assert f"~ phone_number {number}" in diff.stdout
    assert "taskrouter_task_channel" not in diff.stdout  # the deletion was accepted


@pytest.mark.slow
def test_accept_asks_first(sim, world, tmp_path):
    assert run(["check"], sim, tmp_path).returncode == 0
    world.delete(world.task_channels["video"])
    unanswered = run(["baseline", "accept"], sim, tmp_path, stdin="")
    assert unanswered.returncode == 2 and "--yes" in unanswered.stderr
    declined = run(["baseline", "accept"], sim, tmp_path, stdin="n\n")
    assert declined.returncode == 0 and "Nothing accepted" in declined.stdout
    assert run(["baseline", "diff"], sim, tmp_path).returncode == 1
    assert "[y/N]" in declined.stdout and "- taskrouter_task_channel" in declined.stdout
    accepted = run(["baseline", "accept"], sim, tmp_path, stdin="y\n")
    assert accepted.returncode == 0 and "Baseline accepted" in accepted.stdout
    assert run(["baseline", "diff"], sim, tmp_path).returncode == 0


@pytest.mark.slow
def test_accept_named_resources_or_families_only(sim, world, tmp_path):
    assert run(["check"], sim, tmp_path).returncode == 0
    video, voice = world.task_channels["video"], world.task_channels["voice"]
    world.delete(video)
    world.set_flex_flow(world.webchat_flex_flow_sid or "", friendly_name="Web (renamed)")
    one = run(["baseline", "accept", "--yes", video], sim, tmp_path)
    assert one.returncode == 0 and f"Baseline accepted for: {video}" in one.stdout
    diff = run(["baseline", "diff"], sim, tmp_path).stdout
    assert video not in diff and world.webchat_flex_flow_sid in diff
    assert voice not in diff
    family = run(["baseline", "accept", "--yes", "--family", "flex_flows"], sim, tmp_path)
    assert family.returncode == 0 and "Baseline accepted for: flex_flows" in family.stdout
    assert run(["baseline", "diff"], sim, tmp_path).returncode == 0
