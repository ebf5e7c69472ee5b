"""`flex-watchdog heal --plan | --apply | history | reset`, through the CLI, under freezegun."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from freezegun import freeze_time

from tests.conftest import NOW
from tests.heal.support import MESSAGE, NUMBER_POST
from watchdog.cli import main
from watchdog.healing import records
from watchdog.simulator import SimulatorServer
from watchdog.simulator.records import proxy_webhook_url
from watchdog.store.store import StateStore


@pytest.fixture
def cli_env(sim: SimulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    world = sim.world
    state = tmp_path / "state.db"
    for key, value in {
        "TWILIO_ACCOUNT_SID": world.account_sid, "TWILIO_AUTH_TOKEN": world.auth_token,
        "FLEX_WATCHDOG_TWILIO_BASE_URL": sim.url, "FLEX_WATCHDOG_STATE_PATH": str(state),
        "FLEX_WATCHDOG_TWILIO__MAX_ATTEMPTS": "1",
        "FLEX_WATCHDOG_TWILIO__REQUESTS_PER_SECOND": "100000",
    }.items():
        monkeypatch.setenv(key, value)
    return state


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["heal", *argv])
    return code, capsys.readouterr().out


def test_plan_then_apply_with_the_grace_period(sim, cli_env, capsys):
    world = sim.world
    sid = world.legacy_numbers[0]
    with freeze_time(NOW) as clock:
        assert _run(capsys, "--plan")[1].startswith("Nothing to heal")
        world.set_number(sid, sms_url="https://example.com/sms")
        clock.move_to(NOW + timedelta(minutes=1))
        code, out = _run(capsys, "--plan")
        assert code == 0 and "WAITING: grace period: 300 s left" in out
        code, out = _run(capsys, "--apply", "--yes")
        assert "WAITING" in out and sim.requests.count("POST") == 0
        clock.move_to(NOW + timedelta(minutes=6, seconds=1))
        code, out = _run(capsys, "--plan")
        expected = proxy_webhook_url(world.account_sid, world.flex_proxy_sid or "")
        assert f"{MESSAGE} · +15550000100 ({sid}) · WOULD APPLY" in out
        assert (f"  POST https://api.twilio.com/2010-04-01/Accounts/{world.account_sid}"
                f"/IncomingPhoneNumbers/{sid}.json") in out
        assert f"      SmsUrl={expected}" in out and "      SmsMethod=POST" in out
        assert f"  sms_url: https://example.com/sms -> {expected}" in out
        assert "daemon: does not heal this on its own (healing.enabled is false)" in out
        assert "Nothing was written" in out and sim.requests.count("POST") == 0
        code, out = _run(capsys, "--apply", "--yes")
    assert code == 0 and "APPLIED: verified" in out
    assert world.number(sid)["sms_url"] == expected
    assert sim.requests.by_template()[NUMBER_POST] == 1


def test_plan_json_lists_request_diff_and_refusals(sim, cli_env, capsys):
    world = sim.world
    numbers = world.legacy_numbers[:2]
    with freeze_time(NOW) as clock:
        _run(capsys, "--plan")
        for sid in numbers:
            world.set_number(sid, sms_url="https://example.com/sms")
        _run(capsys, "--plan")
        clock.move_to(NOW + timedelta(minutes=10))
        code, out = _run(capsys, "--plan", "--format", "json")
    items = json.loads(out)
    assert {i["resource_sid"] for i in items} == set(numbers)
    assert all(i["state"] == "refused" and "2 of 3" in i["reason"] for i in items)
    assert all(i["request"]["method"] == "POST" and i["diff"][0]["field"] == "sms_url"
               for i in items)
    assert sim.requests.count("POST") == 0


def test_apply_respects_the_rule_enabled_switch(sim, cli_env, capsys, monkeypatch, tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(f"rules:\n  {MESSAGE}:\n    enabled: false\n")
    monkeypatch.setenv("FLEX_WATCHDOG_CONFIG", str(config))
    world = sim.world
    with freeze_time(NOW) as clock:
        _run(capsys, "--plan")
        world.set_number(world.legacy_numbers[0], sms_url="https://example.com/sms")
        _run(capsys, "--plan")
        clock.move_to(NOW + timedelta(minutes=10))
        code, out = _run(capsys, "--apply", "--yes")
    assert out.startswith("Nothing to heal") and sim.requests.count("POST") == 0


def test_history_and_reset(sim, cli_env, capsys):
    world = sim.world
    sid = world.legacy_numbers[0]
    with freeze_time(NOW) as clock:
        _run(capsys, "--plan")
        world.set_number(sid, sms_url="https://example.com/sms")
        _run(capsys, "--plan")
        clock.move_to(NOW + timedelta(minutes=6))
        _run(capsys, "--apply", "--yes")
    code, out = _run(capsys, "history", sid)
    lines = out.splitlines()
    assert code == 0 and "apply APPLIED" in lines[0]
    assert f"+15550000100 ({sid}): verified" in lines[0]
    assert "    sms_url: https://example.com/sms -> https://webhooks.twilio.com/" in out
    assert "(read back: https://webhooks.twilio.com/" in out
    code, out = _run(capsys, "history", "--format", "json")
    assert [r["outcome"] for r in json.loads(out)] == ["applied"]
    assert _run(capsys, "reset", world.legacy_numbers[1])[0] == 1, "never healed: no breaker"
    store = StateStore(cli_env)
    breaker = records.breaker(store, MESSAGE, sid)
    breaker.tripped_at, breaker.tripped_reason = NOW, "fight: test"
    records.save_breaker(store, breaker)
    assert "CIRCUIT BREAKER OPEN" in _run(capsys, "history")[1]
    code, out = _run(capsys, "reset", "+15550000100")
    assert code == 0 and "Re-armed numbers.message-webhook-overwritten" in out
    assert records.breakers(store) == []


def test_heal_without_an_action_is_a_usage_error(cli_env, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["heal"])
    assert exc.value.code == 2


def test_zero_grace_heals_a_finding_seen_for_the_first_time(sim, cli_env, capsys, monkeypatch):
    monkeypatch.setenv("FLEX_WATCHDOG_HEALING__GRACE_SECONDS", "0")
    world = sim.world
    sid = world.legacy_numbers[0]
    with freeze_time(NOW) as clock:
        _run(capsys, "--plan")
        world.set_number(sid, sms_url="https://example.com/sms")
        clock.move_to(NOW + timedelta(minutes=1))
        code, out = _run(capsys, "--apply", "--yes")
    assert code == 0 and "APPLIED: verified" in out and "WAITING" not in out
    assert world.number(sid)["sms_url"] == proxy_webhook_url(world.account_sid,
                                                             world.flex_proxy_sid or "")
