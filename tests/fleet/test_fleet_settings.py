"""The fleet's configuration: accounts, their credentials, state files and overrides."""

from __future__ import annotations

from datetime import timedelta

import pytest
import yaml

from tests.conftest import NOW, sim_settings
from watchdog.accounts import DEFAULT, fleet
from watchdog.alerts.outbox import Incident, IncidentBook
from watchdog.cli import main
from watchdog.daemon.app import build_watcher
from watchdog.errors import ConfigError
from watchdog.settings import load_settings
from watchdog.store.store import StateStore
from watchdog.telemetry.redact import Redactor

PROD, DEV = "AC" + "1" * 32, "AC" + "2" * 32
KEY = "SK" + "3" * 32
TOKEN_PROD, TOKEN_DEV, SECRET = "tok-prod-" + "p" * 20, "tok-dev-" + "d" * 20, "sec-" + "s" * 24
ROUTE_PROD = "r" * 32


def entry(name: str, sid: str, **extra: object) -> dict[str, object]:
    return {"name": name, "account_sid": sid,
            "credentials": extra.pop("credentials", {"auth_token_env": "TOKEN_PROD"}),
            **extra}


@pytest.fixture
def tokens(monkeypatch):
    monkeypatch.setenv("TOKEN_PROD", TOKEN_PROD)
    monkeypatch.setenv("TOKEN_DEV", TOKEN_DEV)
    monkeypatch.setenv("DEV_KEY", KEY)
    monkeypatch.setenv("DEV_SECRET", SECRET)


def test_each_account_has_its_credentials_state_file_and_overrides(tokens, tmp_path):
    settings = load_settings(state_dir=tmp_path, accounts=[
        entry("prod", PROD, labels={"tier": "prod"},
              overrides={"pagerduty": {"routing_key": ROUTE_PROD,
                                       "confirmations": {"deletion": 3}}}),
        entry("dev", DEV, credentials={"api_key_env": "DEV_KEY", "api_secret_env": "DEV_SECRET"},
              overrides={"healing": {"enabled": True},
                         "rules": {"chat.service-missing": {"autoheal": True}}}),
    ])
    prod, dev = fleet(settings)
    assert (prod.name, prod.sid, dev.name, dev.sid) == ("prod", PROD, "dev", DEV)
    assert prod.labels == {"tier": "prod"}
    assert prod.state_path == tmp_path / f"{PROD}.db" and dev.state_path == tmp_path / f"{DEV}.db"
    assert prod.settings.account_name == "prod" and prod.settings.account_sid == PROD
    assert prod.settings.auth_token.get_secret_value() == TOKEN_PROD
    assert (dev.settings.api_key, dev.settings.api_secret.get_secret_value()) == (KEY, SECRET)
    assert dev.settings.auth_token is None
    # heal in dev, only page in prod: a group is merged key by key over the process's
    assert dev.settings.healing.enabled and not prod.settings.healing.enabled
    assert dev.settings.healing.grace_seconds == settings.healing.grace_seconds
    assert prod.settings.pagerduty.routing_key.get_secret_value() == ROUTE_PROD
    assert dev.settings.pagerduty.routing_key is None
    assert prod.settings.pagerduty.confirmations.deletion == 3
    assert prod.settings.pagerduty.confirmations.overwrite == settings.pagerduty.confirmations.overwrite
    # rules merge per rule ID: the shipped autoheal of the overwritten webhook stays
    assert dev.settings.rule("chat.service-missing").autoheal
    assert dev.settings.rule("numbers.message-webhook-overwritten").autoheal
    assert not prod.settings.rule("chat.service-missing").autoheal


def test_the_fleets_secrets_are_redacted_from_the_process_log(tokens, tmp_path):
    settings = load_settings(state_dir=tmp_path, accounts=[
        entry("prod", PROD, overrides={"pagerduty": {"routing_key": ROUTE_PROD}}),
        entry("dev", DEV, credentials={"api_key_env": "DEV_KEY", "api_secret_env": "DEV_SECRET"})])
    text = Redactor.for_settings(settings).text(f"{TOKEN_PROD} {SECRET} {ROUTE_PROD}")
    assert text == " ".join(["**********"] * 3)


def test_the_twilio_variables_are_a_fleet_of_one_named_default(monkeypatch, tmp_path):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", PROD)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN_PROD)
    monkeypatch.setenv("FLEX_WATCHDOG_STATE_PATH", str(tmp_path / "flex-watchdog.db"))
    (one,) = fleet(load_settings())
    assert (one.name, one.sid, one.state_path) == (DEFAULT, PROD, tmp_path / "flex-watchdog.db")
    assert one.settings.auth_token.get_secret_value() == TOKEN_PROD
    monkeypatch.setenv("FLEX_WATCHDOG_STATE_DIR", str(tmp_path / "fleet"))
    (one,) = fleet(load_settings())
    assert one.state_path == tmp_path / "fleet" / f"{PROD}.db"


BAD = [
    ([entry("Prod!", PROD)], "config: accounts.0.name: expected a short name of lowercase "
                             "letters, digits and dashes, e.g. prod or client-acme"),
    ([entry("prod", PROD), entry("prod", DEV)],
     "config: accounts.1.name: 'prod' is also accounts.0; account names must be unique"),
    ([entry("prod", PROD), entry("dev", PROD.lower().replace("ac", "AC", 1))],
     f"config: accounts.1.account_sid: {PROD.lower().replace('ac', 'AC', 1)} is also accounts.0; "
     "one entry per account"),
    ([entry("prod", PROD, credentials={"auth_token_env": "NOT_SET_ANYWHERE"})],
     "config: accounts.0.credentials.auth_token_env: environment variable NOT_SET_ANYWHERE is "
     "not set (it should hold the credential)"),
    ([entry("prod", PROD, credentials={"api_key_env": "DEV_KEY"})],
     "config: accounts.0.credentials: give auth_token_env, or api_key_env and api_secret_env "
     "(names of environment variables, e.g. auth_token_env: TWILIO_AUTH_TOKEN_PROD)"),
    ([entry("prod", PROD, overrides={"http": {"port": 1}})],
     "config: accounts.0.overrides.http: unknown key"),
    ([entry("prod", PROD, overrides={"schedule": {"numbers_seconds": 0}})],
     "config: accounts.0.overrides.schedule.numbers_seconds: must be > 0"),
    ([entry("prod", "AC123")],
     "config: accounts.0.account_sid: expected AC and 32 hex digits, e.g. "
     "AC0123456789abcdef0123456789abcdef"),
]


@pytest.mark.parametrize(("accounts", "line"), BAD, ids=[str(i) for i in range(len(BAD))])
def test_a_bad_fleet_is_one_line_and_exit_2(tokens, monkeypatch, tmp_path, capsys, accounts, line):
    config = tmp_path / "fleet.yaml"
    config.write_text(yaml.safe_dump({"accounts": accounts}))
    monkeypatch.setenv("FLEX_WATCHDOG_CONFIG", str(config))
    monkeypatch.setenv("FLEX_WATCHDOG_STATE_DIR", str(tmp_path))
    assert main(["check", "--account", "prod"]) == 2
    assert capsys.readouterr().err.strip() == line


def test_several_accounts_need_account_named(tokens, tmp_path, monkeypatch, capsys):
    config = tmp_path / "fleet.yaml"
    config.write_text(yaml.safe_dump({"accounts": [entry("prod", PROD), entry("dev", DEV)]}))
    monkeypatch.setenv("FLEX_WATCHDOG_CONFIG", str(config))
    assert main(["check"]) == 2
    assert capsys.readouterr().err.strip() == (
        "config: accounts: 2 accounts are configured; name one with --account NAME (prod, dev)")
    assert main(["silence", "list", "--account", "qa"]) == 2
    assert capsys.readouterr().err.strip() == (
        "config: --account: no account named 'qa' (accounts: prod, dev)")


def test_a_single_account_installation_that_grows_into_a_fleet_keeps_its_state(
        sim, world, tmp_path, monkeypatch):
    legacy = tmp_path / "flex-watchdog.db"
    single = sim_settings(sim, legacy)
    watcher = build_watcher(single)
    watcher.poll(NOW)  # the baseline
    world.set_number(world.flex_numbers[0], sms_url="https://example.com/sms")
    result = watcher.poll(NOW + timedelta(minutes=1))
    (finding,) = [f for f in result.findings if f.rule == "numbers.message-webhook-overwritten"]
    with watcher.store.transaction() as conn:
        IncidentBook(watcher.store).mark_triggered(
            conn, Incident(f"flex-watchdog:{world.account_sid}:{finding.id}", finding.id,
                           "default", "triggered"), NOW)
    watcher.store.close()

    # the same account, now an entry of a fleet whose files live in a directory
    monkeypatch.setenv("SIM_TOKEN", world.auth_token)
    settings = single.model_copy(update={
        "account_sid": None, "auth_token": None, "state_dir": tmp_path / "fleet",
        "accounts": load_settings(accounts=[entry("prod", world.account_sid, credentials={
            "auth_token_env": "SIM_TOKEN"})]).accounts})
    (prod,) = fleet(settings)
    assert prod.state_path == legacy  # kept, not a fresh file in the directory
    store = StateStore(prod.state_path)
    assert store.baseline(world.account_sid) is not None
    assert finding.id in store.open_findings()
    assert finding.id in IncidentBook(store).triggered()
    store.close()
    again = build_watcher(prod.settings).poll(NOW + timedelta(minutes=2))
    assert finding.id in {f.id for f in again.findings}
    assert not any(f.rule == "baseline.resource-added" for f in again.findings)

    # another account's file is never adopted
    other = fleet(settings.model_copy(update={"accounts": load_settings(accounts=[
        entry("dev", DEV, credentials={"auth_token_env": "SIM_TOKEN"})]).accounts}))
    assert other[0].state_path == tmp_path / "fleet" / f"{DEV}.db"


def test_config_error_is_a_config_error_not_a_crash(tmp_path):
    with pytest.raises(ConfigError, match=r"accounts\.0\.credentials\.auth_token_env"):
        fleet(load_settings(accounts=[entry("prod", PROD)]), environ={})


def test_commands_on_the_state_file_alone_need_no_credentials(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FLEX_WATCHDOG_STATE_PATH", str(tmp_path / "state.db"))
    assert main(["silence", "list"]) == 0
    assert main(["check", "--rule", "numbers-message-webhook-overwriten"]) == 2
    assert capsys.readouterr().err.strip().endswith(
        "did you mean numbers.message-webhook-overwritten? (see `flex-watchdog rules`)")
    assert main(["check"]) == 2
    assert "config: credentials missing: set TWILIO_ACCOUNT_SID" in capsys.readouterr().err


def test_config_check_reads_every_accounts_credentials(tokens, tmp_path, monkeypatch, capsys):
    config = tmp_path / "fleet.yaml"
    config.write_text(yaml.safe_dump({"accounts": [entry("prod", PROD), entry(
        "dev", DEV, credentials={"auth_token_env": "NOT_SET_ANYWHERE"})]}))
    monkeypatch.setenv("FLEX_WATCHDOG_CONFIG", str(config))
    assert main(["config", "check"]) == 2
    assert capsys.readouterr().err.strip() == (
        "config: accounts.1.credentials.auth_token_env: environment variable NOT_SET_ANYWHERE "
        "is not set (it should hold the credential)")
    monkeypatch.setenv("NOT_SET_ANYWHERE", "tok-" + "x" * 20)
    assert main(["config", "check"]) == 0
    assert "2 account(s)" in capsys.readouterr().out
