"""The command line over a fleet: check --account and --all, and --account on the others."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from watchdog.cli import main
from watchdog.simulator import SimulatorServer, World, healthy_legacy

NAMES = ("prod", "dev", "qa")


@pytest.fixture
def worlds() -> list[World]:
    return [healthy_legacy(seed) for seed in (21, 22, 23)]


@pytest.fixture
def server(worlds: list[World]) -> Iterator[SimulatorServer]:
    with SimulatorServer(worlds[0]) as running:
        for world in worlds[1:]:
            running.add_world(world)
        yield running


@pytest.fixture
def configured(server, worlds, tmp_path, monkeypatch) -> Path:
    state = tmp_path / "state"
    state.mkdir()
    accounts = []
    for name, world in zip(NAMES, worlds, strict=True):
        monkeypatch.setenv(f"TOKEN_{name.upper()}", world.auth_token)
        accounts.append({"name": name, "account_sid": world.account_sid,
                         "credentials": {"auth_token_env": f"TOKEN_{name.upper()}"}})
    config = tmp_path / "fleet.yaml"
    config.write_text(yaml.safe_dump({"accounts": accounts}))
    for key, value in {"FLEX_WATCHDOG_CONFIG": str(config), "FLEX_WATCHDOG_STATE_DIR": str(state),
                       "FLEX_WATCHDOG_TWILIO_BASE_URL": server.url,
                       "FLEX_WATCHDOG_TWILIO__MAX_ATTEMPTS": "1"}.items():
        monkeypatch.setenv(key, value)
    return state


def check(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["check", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.slow
def test_check_one_account_and_all_of_them(configured, worlds, capsys):
    prod = worlds[0]
    assert check(capsys, "--all", "-q")[0] == 0  # the baselines
    prod.set_number(prod.flex_numbers[0], sms_url="https://example.com/bot")

    code, out, _ = check(capsys, "--account", "dev", "--format", "json")
    assert code == 0 and json.loads(out)["account_sid"] == worlds[1].account_sid

    code, out, _ = check(capsys, "--all", "--format", "json")
    assert code == 1
    rows = json.loads(out)["accounts"]
    assert [(r["account"], r["account_sid"], r["exit_code"]) for r in rows] == [
        (name, w.account_sid, 1 if name == "prod" else 0)
        for name, w in zip(NAMES, worlds, strict=True)]
    (finding,) = rows[0]["findings"]
    assert finding["id"] == f"numbers.message-webhook-overwritten:{prod.flex_numbers[0]}"
    assert rows[1]["findings"] == [] and rows[2]["findings"] == []

    code, out, _ = check(capsys, "--all")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].split() == ["ACCOUNT", "SEVERITY", "RULE", "RESOURCE"]
    assert lines[1].split()[:4] == ["prod", "critical", "numbers.message-webhook-overwritten",
                                    prod.flex_numbers[0]]
    assert f"prod ({prod.account_sid}): 1 finding(s)" in lines
    assert f"qa ({worlds[2].account_sid}): clean" in lines


def test_check_all_exits_with_the_worst_account_and_checks_the_rest(configured, worlds, capsys,
                                                                    monkeypatch):
    monkeypatch.setenv("TOKEN_DEV", "not-the-token-of-dev-at-all")
    code, out, _ = check(capsys, "--all", "--format", "json")
    assert code == 2
    rows = {r["account"]: r for r in json.loads(out)["accounts"]}
    assert rows["dev"]["exit_code"] == 2 and "rejected the credentials" in rows["dev"]["error"]
    assert "not-the-token" not in out
    assert rows["prod"]["exit_code"] == 0 and rows["qa"]["exit_code"] == 0
    assert rows["qa"]["account_sid"] == worlds[2].account_sid


def test_account_and_all_exclude_each_other(configured, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["check", "--all", "--account", "prod"])
    assert exc.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


@pytest.mark.slow
def test_the_other_commands_take_account(configured, worlds, capsys):
    assert main(["silence", "add", "--account", "dev", "--rule", "chat.service-missing",
                 "--for", "2h", "--reason", "migrating dev"]) == 0
    capsys.readouterr()
    assert main(["silence", "list", "--account", "dev", "--format", "json"]) == 0
    assert "migrating dev" in capsys.readouterr().out
    assert main(["silence", "list", "--account", "prod", "--format", "json"]) == 0
    assert "migrating dev" not in capsys.readouterr().out
    # the silence lives in dev's state file alone
    assert (configured / f"{worlds[1].account_sid}.db").is_file()
    assert main(["baseline", "diff", "--account", "qa"]) == 2  # no state file of qa yet
    assert "no state file yet" in capsys.readouterr().err
    assert check(capsys, "--account", "qa", "-q")[0] == 0
    assert main(["baseline", "diff", "--account", "qa"]) == 0
    capsys.readouterr()
    assert main(["heal", "--plan", "--account", "qa"]) == 0
    capsys.readouterr()
    assert main(["trace", "--account", "qa", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["account_sid"] == worlds[2].account_sid
