"""A failed read is never "all clear": the evidence feeds are best effort, and the commands that
compare, plan or lint against live data exit 3 naming what could not be read. Through the real
CLI and the loopback simulator."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.cli.inproc import run_cli
from watchdog.model.snapshot import FAMILIES
from watchdog.simulator import Fault, SimulatorServer
from watchdog.simulator import studio as flows

MONITOR_FAULTS = [
    pytest.param(dict(kind="disconnect"), id="dropped-connection"),
    pytest.param(dict(kind="slow", delay=1.5), id="timeout"),
    pytest.param(dict(kind="500"), id="500"),
    pytest.param(dict(kind="invalid_json"), id="invalid-json"),
]


def cli(args: list[str], sim: SimulatorServer, tmp_path: Path, **env: str
        ) -> subprocess.CompletedProcess[str]:
    world = sim.world
    full = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "FLEX_WATCHDOG_"))}
    full |= {"TWILIO_ACCOUNT_SID": world.account_sid, "TWILIO_AUTH_TOKEN": world.auth_token,
             "FLEX_WATCHDOG_TWILIO_BASE_URL": sim.url,
             "FLEX_WATCHDOG_TWILIO__REQUESTS_PER_SECOND": "100000",
             "FLEX_WATCHDOG_STATE_PATH": str(tmp_path / "cli.db"),
             "FLEX_WATCHDOG_TWILIO__MAX_ATTEMPTS": "1",
             "FLEX_WATCHDOG_TWILIO__TIMEOUT_SECONDS": "0.5"} | env
    return run_cli(args, full)


def warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if " WARNING " in line]


@pytest.mark.slow
@pytest.mark.parametrize("fault", MONITOR_FAULTS)
def test_check_survives_the_monitor_api_failing(sim, world, tmp_path, fault):
    assert cli(["check"], sim, tmp_path).returncode == 0  # baseline
    sim.faults.add(Fault(product="monitor", **fault))
    clean = cli(["check"], sim, tmp_path)
    assert "Traceback" not in clean.stderr
    assert clean.returncode == 0, "the exit code follows the families, not the feeds"
    lines = warnings(clean.stderr)
    assert len(lines) == 1, clean.stderr
    assert "evidence feeds unavailable: monitor (" in lines[0] and "debugger (" in lines[0]

    world.set_number(world.flex_numbers[0], sms_url="https://example.com/sms")
    broken = cli(["check", "--format", "json"], sim, tmp_path)
    assert broken.returncode == 1 and "Traceback" not in broken.stderr
    rules = [f["rule"] for f in json.loads(broken.stdout)["findings"]]
    assert rules == ["numbers.message-webhook-overwritten"]


@pytest.fixture
def unreachable(sim, tmp_path):
    """A state file with a baseline, then Twilio cannot be reached at all."""
    assert cli(["check"], sim, tmp_path).returncode == 0
    sim.stop()
    yield sim
    sim.start()


@pytest.mark.slow
def test_check_exits_3_when_twilio_cannot_be_reached(unreachable, tmp_path):
    proc = cli(["check"], unreachable, tmp_path)
    assert proc.returncode == 3 and "Traceback" not in proc.stderr
    assert "No findings." in proc.stdout and f"{len(FAMILIES)} unknown families" in proc.stdout


@pytest.mark.slow
def test_baseline_diff_exits_3_naming_what_could_not_be_read(unreachable, tmp_path):
    proc = cli(["baseline", "diff"], unreachable, tmp_path)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "Could not read from Twilio: configuration (network error" in proc.stdout
    assert "studio (" in proc.stdout and "No differences from the baseline." not in proc.stdout


@pytest.mark.slow
def test_baseline_diff_names_the_one_family_it_could_not_read(sim, tmp_path):
    assert cli(["check"], sim, tmp_path).returncode == 0
    sim.faults.add(Fault("503", product="studio"))
    proc = cli(["baseline", "diff"], sim, tmp_path)
    assert proc.returncode == 3
    assert "Could not read from Twilio: studio (HTTP 503" in proc.stdout


@pytest.mark.slow
def test_heal_plan_exits_3_instead_of_nothing_to_heal(unreachable, tmp_path):
    proc = cli(["heal", "--plan"], unreachable, tmp_path)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "Nothing to heal: no open finding" not in proc.stdout
    assert "Could not read from Twilio: configuration (" in proc.stderr
    as_json = cli(["heal", "--plan", "--format", "json"], unreachable, tmp_path)
    assert as_json.returncode == 3 and json.loads(as_json.stdout) == []


def _flow_file(world, tmp_path: Path) -> Path:
    path = tmp_path / "flow.json"
    chat = world.task_channels["chat"]
    path.write_text(json.dumps(flows.chat_flow(world.workflow_sid, chat, "Messaging")))
    return path


@pytest.mark.slow
def test_lint_flow_online_checks_the_live_workspace(sim, world, tmp_path):
    proc = cli(["lint-flow", "--online", "--format", "json", str(_flow_file(world, tmp_path))],
               sim, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["findings"] == []
    assert not (tmp_path / "cli.db").exists(), "linting records nothing in the state file"


@pytest.mark.slow
def test_lint_flow_online_never_falls_back_to_offline(unreachable, world, tmp_path):
    flow = _flow_file(world, tmp_path)
    proc = cli(["lint-flow", "--online", str(flow)], unreachable, tmp_path)
    assert proc.returncode == 3
    assert proc.stdout == ""
    assert proc.stderr.strip().splitlines()[-1].startswith(
        "lint-flow: Could not read from Twilio: configuration (network error")
    assert cli(["lint-flow", str(flow)], unreachable, tmp_path).returncode == 0, "offline works"
