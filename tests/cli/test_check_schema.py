"""`check --format json` against its published schema, docs/schemas/check.json, on real output."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from tests.cli.test_check import _run
from watchdog.commands.report import SCHEMA_VERSION
from watchdog.simulator import Fault

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "schemas" / "check.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


@pytest.mark.slow
def test_clean_broken_and_unknown_outputs_validate(sim, world, tmp_path, validator):
    first = json.loads(_run(["check", "--format", "json"], sim, tmp_path).stdout)
    validator.validate(first)
    assert first["schema_version"] == SCHEMA_VERSION and first["baseline_adopted"]
    world.set_number(world.flex_numbers[0], sms_url="https://example.com/sms")
    world.delete(world.flex_proxy_sid)
    sim.faults.add(Fault("503", product="studio"))
    broken = json.loads(_run(["check", "--format", "json"], sim, tmp_path).stdout)
    validator.validate(broken)
    assert broken["findings"] and [u["family"] for u in broken["unknown"]] == ["studio"]
    severities = [f["severity"] for f in broken["findings"]]
    assert severities == sorted(severities, key=["critical", "warning", "info"].index)
    assert first["entry_points"]["broken"] == 0 and first["entry_points"]["ok"] > 0
    assert broken["entry_points"]["by_channel"]["sms"]["broken"] >= 1
    impacts = {f["rule"]: f["details"]["impact"] for f in broken["findings"]}
    assert impacts["proxy.service-missing"]["by_channel"]["sms"] == len(world.legacy_numbers)


def test_the_schema_refuses_what_a_consumer_must_not_get(validator):
    good = {"schema_version": 1, "account_sid": "AC" + "0" * 32, "polled_at": "2026-12-01T00:00:00Z",
            "findings": [], "unknown": [], "api_requests": 0, "baseline_adopted": []}
    validator.validate(good)
    for bad in ({**good, "schema_version": 2}, {**good, "polled_at": "yesterday"},
                {**good, "findings": [{"rule": "x"}]},
                {**good, "entry_points": {"total": 1, "ok": 1, "broken": 0, "unknown": 0,
                                          "by_channel": {"sms": {"ok": 1}}}},
                {**good, "findings": [{"id": "r.x:PN1", "rule": "r.x", "severity": "critical",
                                       "resource_type": "phone_number", "resource_sid": "PN1",
                                       "summary": "s", "runbook": "", "healable": False,
                                       "details": {"impact": {"entry_points": 1}}}]},
                {k: v for k, v in good.items() if k != "unknown"}):
        with pytest.raises(jsonschema.ValidationError):
            validator.validate(bad)
