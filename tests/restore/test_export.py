"""``export DIR [--current]`` and ``restore --plan --from DIR``."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.restore.support import cli_env, load_plan, run, writes
from tests.schemas import validator
from watchdog.simulator import SimulatorServer, healthy_legacy
from watchdog.simulator.records import flow_webhook_url


@pytest.fixture
def env(sim: SimulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cli_env(sim, tmp_path / "state.db", monkeypatch)
    return tmp_path


def test_export_writes_one_sorted_file_per_resource_and_a_manifest(sim, env, capsys):
    world = sim.world
    assert run(capsys, "export", str(env / "out"))[0] == 2  # no baseline yet
    assert run(capsys, "baseline", "accept", "--yes")[0] == 0
    code, out, _ = run(capsys, "export", str(env / "out"))
    assert code == 0 and "manifest.json" in out
    manifest = json.loads((env / "out" / "manifest.json").read_text())
    assert manifest["account_sid"] == world.account_sid and manifest["source"] == "baseline"
    for rel, digest in manifest["files"].items():
        text = (env / "out" / rel).read_text()
        assert hashlib.sha256(text.encode()).hexdigest() == digest
        assert text == json.dumps(json.loads(text), indent=2, sort_keys=True,
                                  ensure_ascii=False) + "\n"
        assert world.auth_token not in text
    flows = {r["name"]: r for r in manifest["resources"] if r["type"] == "studio_flow"}
    voice = json.loads((env / "out" / flows["Voice IVR"]["flow_file"]).read_text())
    with world.lock:
        assert voice == world.store.flows[world.flows["Voice IVR"]]["definition"]
    assert {"initial_state", "states", "flags"} <= set(voice)  # what Studio's import reads
    types = {r["type"] for r in manifest["resources"]}
    assert {"flex_flow", "phone_number", "taskrouter_workflow", "studio_flow"} <= types


def test_restore_from_an_export_when_the_state_file_is_lost(sim, env, capsys):
    world = sim.world
    run(capsys, "export", str(env / "backup"), "--current")
    world.delete(world.flows["Voice IVR"])
    before = len(writes(sim))
    code, out, _ = run(capsys, "restore", "--plan", "--from", str(env / "backup"),
                       "--out", str(env / "plan.json"))
    assert code == 1, out
    assert len(writes(sim)) == before and "against the export" in out
    kinds = [s["kind"] for s in load_plan(env / "plan.json")["steps"]]
    assert kinds == ["studio-flow-create"] + ["number-webhooks"] * 3
    assert run(capsys, "restore", "--apply", str(env / "plan.json"))[0] == 0
    with world.lock:
        assert [f["friendly_name"] for f in world.store.flows.values()].count("Voice IVR") == 1


def test_an_edited_export_is_refused(sim, env, capsys):
    run(capsys, "export", str(env / "backup"), "--current")
    manifest = json.loads((env / "backup" / "manifest.json").read_text())
    first = manifest["resources"][0]["file"]
    (env / "backup" / first).write_text("{}\n")
    code, _, err = run(capsys, "restore", "--plan", "--from", str(env / "backup"))
    assert code == 2 and first in err and "fingerprint" in err


def test_staging_to_prod_maps_sids_by_name(tmp_path, monkeypatch, capsys):
    staging, prod = healthy_legacy(seed=1), healthy_legacy(seed=2)
    with SimulatorServer(staging) as sim:
        cli_env(sim, tmp_path / "staging.db", monkeypatch)
        assert run(capsys, "export", str(tmp_path / "staging"), "--current")[0] == 0
    prod.delete(prod.flex_flows["Flex Web Channel"])
    with SimulatorServer(prod) as sim:
        cli_env(sim, tmp_path / "prod.db", monkeypatch)
        code, out, _ = run(capsys, "restore", "--plan", "--from", str(tmp_path / "staging"),
                           "--format", "json")
    plan = json.loads(out)
    validator("restore-plan").validate(plan)
    mapped = {(m["type"], m["name"]): m["to"] for m in plan["mappings"]}
    assert mapped[("taskrouter_workflow", "Assign to Anyone")] == prod.workflow_sid
    assert mapped[("studio_flow", "Webchat Flow")] == prod.flows["Webchat Flow"]
    create = [s for s in plan["steps"] if s["kind"] == "flex-flow-create"]
    assert code == 1 and len(create) == 1
    assert create[0]["request"]["form"]["Integration.FlowSid"] == prod.flows["Webchat Flow"]
    assert create[0]["request"]["form"]["ChatServiceSid"] == prod.chat_service_sid


def test_staging_to_prod_maps_numbers_by_phone_number(tmp_path, monkeypatch, capsys):
    staging, prod = healthy_legacy(seed=1), healthy_legacy(seed=2)
    with SimulatorServer(staging) as sim:
        cli_env(sim, tmp_path / "staging.db", monkeypatch)
        assert run(capsys, "export", str(tmp_path / "staging"), "--current")[0] == 0
    number = prod.flex_numbers[0]
    phone = prod.number(number)["phone_number"]
    (old,) = [pn for pn in staging.flex_numbers if staging.number(pn)["phone_number"] == phone]
    assert old != number  # the same phone number, another account's SID
    prod.set_number(number, voice_url="https://ivr.example.com/answer")
    with SimulatorServer(prod) as sim:
        cli_env(sim, tmp_path / "prod.db", monkeypatch)
        code, out, _ = run(capsys, "restore", "--plan", "--from", str(tmp_path / "staging"),
                           "--format", "json")
    plan = json.loads(out)
    assert {"type": "phone_number", "name": phone, "from": old, "to": number,
            "by": "phone number"} in plan["mappings"]
    (step,) = [s for s in plan["steps"] if s["kind"] == "number-webhooks"]
    assert code == 1 and step["resource_sid"] == number
    assert step["request"]["form"]["VoiceUrl"] == flow_webhook_url(prod.account_sid,
                                                                   prod.flows["Voice IVR"])
