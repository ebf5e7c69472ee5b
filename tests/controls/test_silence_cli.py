"""`flex-watchdog silence ...`, `check` and `heal` with silences and config ignores, through the
CLI under freezegun."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from freezegun import freeze_time

from tests.conftest import NOW
from watchdog.cli import main
from watchdog.simulator import SimulatorServer

MESSAGE = "numbers.message-webhook-overwritten"


@pytest.fixture
def cli_env(sim: SimulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    world = sim.world
    for key, value in {
        "TWILIO_ACCOUNT_SID": world.account_sid, "TWILIO_AUTH_TOKEN": world.auth_token,
        "FLEX_WATCHDOG_TWILIO_BASE_URL": sim.url,
        "FLEX_WATCHDOG_STATE_PATH": str(tmp_path / "state.db"),
        "FLEX_WATCHDOG_TWILIO__MAX_ATTEMPTS": "1",
        "FLEX_WATCHDOG_TWILIO__REQUESTS_PER_SECOND": "100000",
    }.items():
        monkeypatch.setenv(key, value)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse usage errors
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_add_list_expire_remove_and_check_shows_the_silence(sim, cli_env, capsys):
    sid = sim.world.legacy_numbers[0]
    with freeze_time(NOW) as clock:
        assert run(capsys, "check")[0] == 0
        sim.world.set_number(sid, sms_url="https://example.com/sms")
        code, out, _ = run(capsys, "silence", "add", "--rule", MESSAGE, "--resource", sid,
                           "--for", "4h", "--reason", "number migration", "--by", "alice")
        assert code == 0
        assert out.startswith(f"Silence 1 added: {MESSAGE} {sid} until 2026-11-25T16:00:00Z, "
                              "by alice: number migration")
        clock.tick(60)
        code, out, _ = run(capsys, "check")
        assert code == 1, "a silenced finding is still a finding"
        assert f"{MESSAGE}  {sid}" in out
        assert (f"In force: silence 1: {MESSAGE} {sid} until 2026-11-25T16:00:00Z, by alice: "
                "number migration") in out
        assert ("silenced: number migration, until 2026-11-25T16:00:00Z, by alice "
                "(does not page, not healed)") in out
        code, out, _ = run(capsys, "check", "--format", "json")
        [finding] = json.loads(out)["findings"]
        assert finding["details"]["silence"]["reason"] == "number migration"
        assert finding["details"]["silence"]["until"] == "2026-11-25T16:00:00Z"
        code, out, _ = run(capsys, "heal", "--apply", "--yes")
        assert "REFUSED" in out and "silenced: number migration" in out
        assert sim.requests.count("POST") == 0, "a silenced finding is not healed"
        code, out, _ = run(capsys, "silence", "list")
        assert code == 0 and out.startswith(f"#1      active   {MESSAGE}  {sid}  until "
                                            "2026-11-25T16:00:00Z  by alice: number migration")
        assert run(capsys, "silence", "expire", "1")[0] == 0
        code, out, _ = run(capsys, "silence", "list", "--format", "json")
        assert json.loads(out)[0]["state"] == "expired"
        code, out, _ = run(capsys, "check")
        assert "silenced:" not in out
        assert run(capsys, "silence", "remove", "1")[0] == 0
        assert json.loads(run(capsys, "silence", "list", "--format", "json")[1]) == []
        code, out, _ = run(capsys, "silence", "remove", "1")
        assert code == 1 and "No silence 1" in out


@pytest.mark.parametrize("args, message", [
    ((), "silence: an expiry is required: give --for DURATION or --until TIME (one of them)"),
    (("--for", "31d"), "silence: longer than silences.max_duration_seconds (30 days); silence "
                       "for less, or use a config ignore for a permanent case"),
    (("--for", "soon"), "silence: --for: expected a duration like 30m, 4h, 2d or 1h30m, "
                        "not 'soon'"),
    (("--until", "2026-12-24T08:00"), "silence: --until: '2026-12-24T08:00' has no time zone; "
                                      "add Z or an offset like +01:00"),
])
def test_refused_silences_are_one_line_exit_2(cli_env, capsys, args, message):
    with freeze_time(NOW):
        code, out, err = run(capsys, "silence", "add", "--rule", MESSAGE, "--reason", "x", *args)
    assert (code, err.splitlines()) == (2, [message])


def test_the_longest_silence_is_a_setting(cli_env, capsys, monkeypatch):
    monkeypatch.setenv("FLEX_WATCHDOG_SILENCES__MAX_DURATION_SECONDS", "3600")
    with freeze_time(NOW):
        assert run(capsys, "silence", "add", "--rule", MESSAGE, "--reason", "x", "--for",
                   "2h")[0] == 2
        assert run(capsys, "silence", "add", "--rule", MESSAGE, "--reason", "x", "--until",
                   "2026-11-25T12:30Z")[0] == 0


def test_unknown_rule_is_refused(cli_env, capsys):
    code, _, err = run(capsys, "silence", "add", "--rule", "nope.nothing", "--reason", "x",
                       "--for", "1h")
    assert code == 2 and err.strip() == ("silence: --rule: unknown rule 'nope.nothing' "
                                         "(see `flex-watchdog rules`)")


def test_config_ignores_hold_and_an_expired_one_is_a_finding(sim, cli_env, capsys, monkeypatch):
    world = sim.world
    kept, lapsed = world.legacy_numbers[:2]
    config = cli_env / "config.yaml"
    config.write_text(yaml.safe_dump({"ignore": [
        {"rule": MESSAGE, "resource": kept, "reason": "kept off Flex on purpose"},
        {"rule": MESSAGE, "resource": lapsed, "reason": "until the port",
         "expires": "2026-11-25T12:30:00Z"}]}))
    monkeypatch.setenv("FLEX_WATCHDOG_CONFIG", str(config))
    with freeze_time(NOW) as clock:
        run(capsys, "check")
        for sid in (kept, lapsed):
            world.set_number(sid, sms_url="https://example.com/sms")
        code, out, _ = run(capsys, "check", "--format", "json")
        held = {f["resource_sid"]: f["details"].get("silence") for f in json.loads(out)["findings"]}
        assert held[kept] == {"source": "config", "reason": "kept off Flex on purpose",
                              "until": None}
        assert held[lapsed]["until"] == "2026-11-25T12:30:00Z"
        clock.move_to(NOW + timedelta(hours=1))
        code, out, _ = run(capsys, "check")
        assert "ignored: kept off Flex on purpose (config ignore)" in out
        assert f"INFO     config.ignore-expired  {MESSAGE}/{lapsed}" in out
        code, out, _ = run(capsys, "check", "--format", "json")
        findings = {(f["rule"], f["resource_sid"]): f for f in json.loads(out)["findings"]}
        assert "silence" not in findings[(MESSAGE, lapsed)]["details"], "an expired ignore ends"
        assert findings[("config.ignore-expired", f"{MESSAGE}/{lapsed}")]["severity"] == "info"


def test_an_ignore_naming_an_unknown_rule_is_bad_config(cli_env, capsys, monkeypatch):
    config = cli_env / "config.yaml"
    config.write_text(yaml.safe_dump({"ignore": [{"rule": "nope.x", "reason": "r"}]}))
    monkeypatch.setenv("FLEX_WATCHDOG_CONFIG", str(config))
    code, _, err = run(capsys, "check")
    assert code == 2 and err.strip() == ("config: ignore.0.rule: unknown rule 'nope.x' "
                                         "(see `flex-watchdog rules`)")
