"""``restore --plan`` JSON (stdout and ``--out``) against docs/schemas/restore-plan.json, on
real plans; the recovery guide's cases and the export mapping validate in their own tests."""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest

from tests.restore.support import cli_env, load_plan, run
from tests.schemas import validator
from watchdog.restore.plan import PLAN_VERSION, Plan


def test_a_plan_with_a_creation_validates_on_stdout_and_in_its_file(sim, tmp_path, monkeypatch,
                                                                    capsys):
    cli_env(sim, tmp_path / "state.db", monkeypatch)
    assert run(capsys, "baseline", "accept", "--yes")[0] == 0
    code, out, _ = run(capsys, "restore", "--plan", "--format", "json")
    empty = json.loads(out)
    validator("restore-plan").validate(empty)
    assert code == 0 and empty["steps"] == [] and empty["schema_version"] == PLAN_VERSION

    sim.world.delete(sim.world.flows["Voice IVR"])
    plan_file = tmp_path / "plan.json"
    code, out, _ = run(capsys, "restore", "--plan", "--format", "json", "--out", str(plan_file))
    printed, written = json.loads(out), load_plan(plan_file)
    assert code == 1 and printed == written
    validator("restore-plan").validate(written)
    actions = [s["action"] for s in written["steps"]]
    assert actions[0] == "create" and "update" in actions
    assert any("$NEW[" in json.dumps(s["request"]) for s in written["steps"][1:])
    assert run(capsys, "restore", "--apply", str(plan_file))[0] == 0


def test_a_plan_written_before_schema_version_still_applies(sim, tmp_path, monkeypatch, capsys):
    cli_env(sim, tmp_path / "state.db", monkeypatch)
    assert run(capsys, "baseline", "accept", "--yes")[0] == 0
    sim.world.delete(sim.world.flows["Voice IVR"])
    code, out, _ = run(capsys, "restore", "--plan", "--format", "json")
    older = json.loads(out)
    older["version"] = older.pop("schema_version")
    assert Plan.from_json(older).plan_id == older["plan_id"]
    with pytest.raises(ValueError, match="schema_version: expected 1, got 2"):
        Plan.from_json({**older, "version": 2})


def _good() -> dict:
    sid = "FW" + "0" * 32
    step = {"kind": "studio-flow-create", "action": "create", "resource_type": "studio_flow",
            "resource_sid": sid, "label": f'studio_flow "Voice IVR" ({sid})',
            "reasons": [{"rule": "studio.flow-missing", "finding_id": f"studio.flow-missing:{sid}",
                         "summary": "gone"}],
            "request": {"method": "POST", "url": "https://studio.twilio.com/v2/Flows",
                        "form": {"FriendlyName": "Voice IVR", "Status": "published"}},
            "before": {}, "after": {"friendly_name": "Voice IVR"}, "fingerprint": None,
            "read_url": "https://studio.twilio.com/v2/Flows", "match": {"friendly_name": "Voice IVR"}}
    return {"schema_version": 1, "plan_id": "0123456789abcdef", "account_sid": "AC" + "0" * 32,
            "planned_at": "2026-12-01T00:00:00+00:00", "source": "baseline", "steps": [step],
            "notes": [], "mappings": []}


def _with(path: tuple[str | int, ...], value: object) -> dict:
    bad = copy.deepcopy(_good())
    target = bad
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return bad


@pytest.mark.parametrize("bad", [
    pytest.param(_with(("schema_version",), 2), id="schema-version"),
    pytest.param(_with(("steps", 0, "fingerprint"), "a" * 64), id="create-with-fingerprint"),
    pytest.param(_with(("steps", 0, "action"), "delete"), id="unknown-action"),
    pytest.param(_with(("steps", 0, "request", "url"), "http://example.com/"), id="not-twilio"),
    pytest.param(_with(("steps", 0, "reasons"), []), id="no-reason"),
    pytest.param(_with(("planned_at",), "yesterday"), id="planned-at"),
    pytest.param({k: v for k, v in _good().items() if k != "notes"}, id="notes-missing"),
])
def test_the_schema_refuses_what_apply_must_not_get(bad):
    validator("restore-plan").validate(_good())
    with pytest.raises(jsonschema.ValidationError):
        validator("restore-plan").validate(bad)
