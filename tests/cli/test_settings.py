import os
import subprocess
import sys
from pathlib import Path

import pytest

from watchdog.errors import ConfigError
from watchdog.settings import load_settings, masked_dump, require_credentials

AC = "AC" + "1" * 32
TOKEN = "tok_" + "s3cr3t" * 4


def test_defaults_come_from_the_shipped_yaml():
    settings = load_settings()
    assert settings.rule("numbers.message-webhook-overwritten").autoheal is True
    assert settings.rule("chat.service-missing").autoheal is False
    assert settings.healing.enabled is False
    assert settings.schedule.numbers_seconds == 60


def test_shipped_config_is_the_packaged_one():
    repo = Path(__file__).resolve().parents[2]
    assert (repo / "config/flex-watchdog.yaml").read_text() == (
        repo / "watchdog/defaults/flex-watchdog.yaml").read_text()


def test_environment_wins_over_files(monkeypatch, tmp_path):
    user = tmp_path / "c.yaml"
    user.write_text("healing:\n  max_per_cycle: 9\n  grace_seconds: 10\n")
    monkeypatch.setenv("FLEX_WATCHDOG_CONFIG", str(user))
    monkeypatch.setenv("FLEX_WATCHDOG_HEALING__GRACE_SECONDS", "42")
    settings = load_settings()
    assert settings.healing.max_per_cycle == 9
    assert settings.healing.grace_seconds == 42
    # the user's file is merged over the shipped defaults, not instead of them
    assert settings.rule("numbers.message-webhook-overwritten").autoheal is True


def test_twilio_credentials_use_the_standard_variables(monkeypatch):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", AC)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    settings = load_settings()
    assert settings.account_sid == AC
    assert settings.auth_token.get_secret_value() == TOKEN
    require_credentials(settings)
    assert TOKEN not in str(masked_dump(settings))
    assert masked_dump(settings)["auth_token"] == "**********"


@pytest.mark.parametrize("yaml_text, expected", [
    pytest.param("twilio:\n  timeout_seconds: -1\n",
                 "config: twilio.timeout_seconds: must be > 0", id="negative-timeout"),
    pytest.param("healing:\n  enabld: true\n", "config: healing.enabld: unknown key",
                 id="unknown-key"),
    pytest.param("schedule:\n  numbers_seconds: soon\n", "config: schedule.numbers_seconds:",
                 id="wrong-type"),
    pytest.param("log:\n  format: xml\n", "config: log.format: must be one of", id="bad-enum"),
    pytest.param("surprise: 1\n", "config: surprise: unknown key", id="unknown-top-level"),
])
def test_bad_config_is_one_line_naming_the_field(monkeypatch, tmp_path, yaml_text, expected):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml_text)
    monkeypatch.setenv("FLEX_WATCHDOG_CONFIG", str(path))
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert message.startswith(expected)
    assert len(message.splitlines()) == 1


def test_missing_config_file_is_an_error(monkeypatch, tmp_path):
    monkeypatch.setenv("FLEX_WATCHDOG_CONFIG", str(tmp_path / "nope.yaml"))
    with pytest.raises(ConfigError, match="FLEX_WATCHDOG_CONFIG: file not found"):
        load_settings()


def test_missing_credentials_name_the_variables():
    with pytest.raises(ConfigError, match="TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"):
        require_credentials(load_settings())


def _cli(args, env, cwd):
    full = {k: v for k, v in os.environ.items()
            if not k.startswith(("TWILIO_", "FLEX_WATCHDOG_"))} | env
    return subprocess.run([sys.executable, "-m", "watchdog", *args], env=full, cwd=cwd,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.slow
def test_check_without_credentials_exits_2(tmp_path):
    proc = _cli(["check"], {}, tmp_path)
    assert proc.returncode == 2
    assert "TWILIO_ACCOUNT_SID" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_bad_config_exits_2_with_one_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("twilio:\n  timeout_seconds: 0\n")
    proc = _cli(["config", "show"], {"FLEX_WATCHDOG_CONFIG": str(bad)}, tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "config: twilio.timeout_seconds: must be > 0"


@pytest.mark.slow
def test_unknown_rule_in_config_exits_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  numbers.no-such-rule:\n    enabled: false\n")
    proc = _cli(["config", "show"], {"FLEX_WATCHDOG_CONFIG": str(bad)}, tmp_path)
    assert proc.returncode == 2
    assert "rules.numbers.no-such-rule: unknown rule" in proc.stderr


@pytest.mark.slow
def test_config_show_masks_secrets(tmp_path):
    proc = _cli(["config", "show"], {"TWILIO_ACCOUNT_SID": AC, "TWILIO_AUTH_TOKEN": TOKEN,
                                     "FLEX_WATCHDOG_PAGERDUTY__ROUTING_KEY": "R" * 32}, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert TOKEN not in proc.stdout and "R" * 32 not in proc.stdout
    assert "**********" in proc.stdout
