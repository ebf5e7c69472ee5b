"""`flex-watchdog migration`: what is left on Programmable Chat for Flex, through the simulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from tests.schemas import validator
from watchdog.commands.migration import SCHEMA_VERSION
from watchdog.simulator import Fault, SimulatorServer, World, healthy_conversations, mixed


def _run(server: SimulatorServer, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    world = server.world
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "FLEX_WATCHDOG_"))}
    env |= {"TWILIO_ACCOUNT_SID": world.account_sid, "TWILIO_AUTH_TOKEN": world.auth_token,
            "FLEX_WATCHDOG_TWILIO_BASE_URL": server.url,
            "FLEX_WATCHDOG_TWILIO__REQUESTS_PER_SECOND": "100000",
            "FLEX_WATCHDOG_STATE_PATH": str(tmp_path / "state.db"),
            "FLEX_WATCHDOG_TWILIO__MAX_ATTEMPTS": "1"}
    return subprocess.run([sys.executable, "-m", "watchdog", "migration", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def _report(world: World, tmp_path: Path) -> tuple[int, dict]:
    with SimulatorServer(world) as server:
        proc = _run(server, tmp_path, "--format", "json")
    body = json.loads(proc.stdout)
    validator("migration").validate(body)  # every report a test reads, against its schema
    assert body["schema_version"] == SCHEMA_VERSION
    return proc.returncode, body


@pytest.mark.slow
def test_mid_migration_lists_each_legacy_entry_point_and_what_it_needs(tmp_path):
    world = mixed()
    code, body = _report(world, tmp_path)
    assert code == 1 and body["ready"] is False and body["end_of_life"] == "2026-06-01"
    points = {p["sid"]: p for p in body["entry_points"]}
    assert set(points) == {*(world.number_flex_flows[n] for n in world.legacy_numbers),
                           world.webchat_flex_flow_sid}
    sms = points[world.number_flex_flows[world.legacy_numbers[0]]]
    phone = world.number(world.legacy_numbers[0])["phone_number"]
    assert f"a Conversations address of type sms for {phone}" in sms["needs"]
    assert any("Incoming Conversation trigger" in n for n in sms["needs"])
    assert points[world.webchat_flex_flow_sid]["channel"] == "web"
    assert body["steps"][0].startswith("Make sure the address has no production traffic")


@pytest.mark.slow
def test_task_integration_is_a_blocker(tmp_path):
    world = mixed()
    flow = world.store.flex_flows[world.number_flex_flows[world.legacy_numbers[0]]]
    flow["integration_type"] = "task"  # set_flex_flow reads integration_* as integration keys
    _, body = _report(world, tmp_path)
    blocked = [p for p in body["entry_points"] if p["blockers"]]
    assert [p["sid"] for p in blocked] == [world.number_flex_flows[world.legacy_numbers[0]]]
    assert "Task integration type" in blocked[0]["blockers"][0]


@pytest.mark.slow
def test_nothing_left_exits_0(tmp_path):
    code, body = _report(healthy_conversations(), tmp_path)
    assert code == 0 and body["ready"] is True and body["entry_points"] == []
    with SimulatorServer(healthy_conversations()) as server:
        table = _run(server, tmp_path)
    assert table.returncode == 0 and "Nothing left on Programmable Chat for Flex" in table.stdout


@pytest.mark.slow
def test_a_failed_read_exits_3_and_judges_nothing(tmp_path):
    with SimulatorServer(mixed()) as server:
        server.faults.add(Fault("500", product="flex-api", path_regex="FlexFlows"))
        proc = _run(server, tmp_path)
    assert proc.returncode == 3
    assert "Could not read from Twilio: flex_flows" in proc.stdout
    assert "entry point" not in proc.stdout


@pytest.mark.slow
def test_a_failed_read_in_json_validates_and_judges_nothing(tmp_path):
    with SimulatorServer(mixed()) as server:
        server.faults.add(Fault("500", product="flex-api", path_regex="FlexFlows"))
        proc = _run(server, tmp_path, "--format", "json")
    body = json.loads(proc.stdout)
    validator("migration").validate(body)
    assert proc.returncode == 3 and body["ready"] is False and body["entry_points"] == []
    assert body["unknown"].startswith("Could not read from Twilio: flex_flows")


def test_the_schema_refuses_a_judgement_on_a_partial_read():
    good = {"schema_version": 1, "end_of_life": "2026-06-01", "entry_points": [],
            "steps": ["Make sure the address has no production traffic"], "ready": True,
            "unknown": None}
    validator("migration").validate(good)
    point = {"resource_type": "flex_flow", "sid": "FO" + "0" * 32, "channel": "sms",
             "contact": "+15550000100", "studio_flow_sid": None, "needs": [], "blockers": []}
    for bad in ({**good, "schema_version": 2},
                {**good, "unknown": "Could not read from Twilio: studio (500)"},
                {**good, "entry_points": [point]},
                {**good, "ready": False, "entry_points": [{**point, "resource_type": "x"}]},
                {k: v for k, v in good.items() if k != "unknown"}):
        with pytest.raises(jsonschema.ValidationError):
            validator("migration").validate(bad)
