"""Restore through the real CLI against the simulator: a baseline accepted while the account
works, a breakage from the recovery guide, then ``restore --plan`` and ``--apply``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from watchdog.cli import main
from watchdog.simulator import SimulatorServer


def cli_env(sim: SimulatorServer, state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    world = sim.world
    for key, value in {
        "TWILIO_ACCOUNT_SID": world.account_sid, "TWILIO_AUTH_TOKEN": world.auth_token,
        "FLEX_WATCHDOG_TWILIO_BASE_URL": sim.url, "FLEX_WATCHDOG_STATE_PATH": str(state),
        "FLEX_WATCHDOG_TWILIO__MAX_ATTEMPTS": "1",
        "FLEX_WATCHDOG_TWILIO__REQUESTS_PER_SECOND": "100000",
    }.items():
        monkeypatch.setenv(key, value)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def writes(sim: SimulatorServer) -> list[tuple[str, str, str]]:
    """Every write the simulator served: (method, product, path template)."""
    return [(e.method, e.product, e.template) for e in sim.requests.entries()
            if e.method != "GET"]


def load_plan(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def findings(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    code, out, _ = run(capsys, "check", "--format", "json")
    data = json.loads(out)
    found: list[dict[str, Any]] = data["findings"]
    return found
