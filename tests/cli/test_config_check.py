"""Start-up fails loudly, once: `flex-watchdog config check` (and every command) turns a bad
variable or file into one line naming it, what is expected and an example, exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

KEY = "0123456789abcdef0123456789abcdef"


def cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items()
            if not k.startswith(("TWILIO_", "FLEX_WATCHDOG_"))} | env
    return subprocess.run([sys.executable, "-m", "watchdog", *args], env=full, cwd=cwd,
                          capture_output=True, text=True, timeout=60)


def one_line_exit_2(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


@pytest.mark.slow
def test_a_valid_configuration_passes(tmp_path):
    proc = cli(["config", "check"], {}, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("config ok")


@pytest.mark.slow
def test_yaml_syntax_error_names_file_line_and_column(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("healing:\n  enabled: true\n   grace_seconds: 3\n")
    line = one_line_exit_2(cli(["config", "check"], {"FLEX_WATCHDOG_CONFIG": str(bad)}, tmp_path))
    assert line.startswith(f"config: {bad}: line 3, column 17: ")


@pytest.mark.slow
@pytest.mark.parametrize("key, variable", [("auth_token", "TWILIO_AUTH_TOKEN"),
                                           ("account_sid", "TWILIO_ACCOUNT_SID"),
                                           ("api_secret", "TWILIO_API_SECRET")])
def test_credentials_in_yaml_are_refused(tmp_path, key, variable):
    bad = tmp_path / "creds.yaml"
    bad.write_text(f"{key}: s3cr3t-value\n")
    line = one_line_exit_2(cli(["config", "check"], {"FLEX_WATCHDOG_CONFIG": str(bad)}, tmp_path))
    assert line.startswith(f"config: {bad}: {key}: credentials are never read from a file")
    assert variable in line and "s3cr3t-value" not in line


@pytest.mark.slow
def test_invalid_sentry_dsn_is_named_never_echoed(tmp_path):
    line = one_line_exit_2(cli(["config", "check"],
                               {"FLEX_WATCHDOG_SENTRY__DSN": "secret-not-a-dsn"}, tmp_path))
    assert line.startswith("config: FLEX_WATCHDOG_SENTRY__DSN (sentry.dsn): not a Sentry DSN")
    assert "e.g. https://" in line and "secret-not-a-dsn" not in line


@pytest.mark.slow
def test_routing_key_is_stripped_and_checked(tmp_path):
    padded = cli(["config", "show"], {"FLEX_WATCHDOG_PAGERDUTY__ROUTING_KEY": f" {KEY}\n"},
                 tmp_path)
    assert padded.returncode == 0, padded.stderr
    short = one_line_exit_2(cli(["config", "check"],
                                {"FLEX_WATCHDOG_PAGERDUTY__ROUTING_KEY": "f" * 31}, tmp_path))
    assert short.startswith("config: FLEX_WATCHDOG_PAGERDUTY__ROUTING_KEY (pagerduty.routing_key):"
                            " must be a PagerDuty Events API v2 integration key of 32 characters")
    assert "f" * 31 not in short
    rule = one_line_exit_2(cli(["config", "check"], {
        "FLEX_WATCHDOG_PAGERDUTY__SEVERITY_ROUTING_KEYS__CRITICAL": "abc"}, tmp_path))
    assert "(pagerduty.severity_routing_keys.critical): must be" in rule


def test_routing_key_strip_reaches_the_settings(monkeypatch):
    from watchdog.settings import load_settings

    monkeypatch.setenv("FLEX_WATCHDOG_PAGERDUTY__ROUTING_KEY", f"  {KEY}\n")
    assert load_settings().pagerduty.routing_key.get_secret_value() == KEY
    monkeypatch.setenv("FLEX_WATCHDOG_PAGERDUTY__ROUTING_KEY", " ")
    assert load_settings().pagerduty.routing_key is None


@pytest.mark.slow
@pytest.mark.parametrize("url", ["localhost:8080", "ftp://host", "http://host/path",
                                 "http://host:99x", "http://user:pw@host"])
def test_twilio_base_url_must_be_scheme_host_port(tmp_path, url):
    line = one_line_exit_2(cli(["config", "check"], {"FLEX_WATCHDOG_TWILIO_BASE_URL": url},
                               tmp_path))
    assert line.startswith("config: FLEX_WATCHDOG_TWILIO_BASE_URL (twilio_base_url): must be "
                           "http(s)://host[:port], e.g. http://127.0.0.1:8080")


@pytest.mark.slow
def test_twilio_base_url_accepts_host_and_port(tmp_path):
    for url in ("http://127.0.0.1:8080", "https://twilio.staging.example.com/"):
        proc = cli(["config", "check"], {"FLEX_WATCHDOG_TWILIO_BASE_URL": url}, tmp_path)
        assert proc.returncode == 0, proc.stderr


@pytest.mark.slow
def test_one_underscore_routing_key_is_an_error_not_paging_off(tmp_path):
    line = one_line_exit_2(cli(["check"], {"FLEX_WATCHDOG_PAGERDUTY_ROUTING_KEY": KEY}, tmp_path))
    assert line == ("config: FLEX_WATCHDOG_PAGERDUTY_ROUTING_KEY: no such setting; did you mean "
                    "FLEX_WATCHDOG_PAGERDUTY__ROUTING_KEY (pagerduty.routing_key)? Groups and "
                    "fields are separated by two underscores.")


@pytest.mark.slow
@pytest.mark.parametrize("variable, closest", [
    ("FLEX_WATCHDOG_HEALING__ENABLE", "FLEX_WATCHDOG_HEALING__ENABLED (healing.enabled)"),
    ("FLEX_WATCHDOG_STATEPATH", "FLEX_WATCHDOG_STATE_PATH (state_path)"),
    ("FLEX_WATCHDOG_RULES__chat.service-missing__AUTOHEL",
     "FLEX_WATCHDOG_RULES__chat.service-missing__AUTOHEAL (rules.chat.service-missing.autoheal)"),
])
def test_unknown_variables_name_the_closest_setting(tmp_path, variable, closest):
    line = one_line_exit_2(cli(["config", "check"], {variable: "true"}, tmp_path))
    assert f"did you mean {closest}?" in line


@pytest.mark.slow
def test_known_nested_and_rule_variables_are_accepted(tmp_path):
    proc = cli(["config", "check"], {
        "FLEX_WATCHDOG_PAGERDUTY__CONFIRMATIONS__DELETION": "3",
        "FLEX_WATCHDOG_RULES__chat.service-missing__AUTOHEAL": "true",
        "FLEX_WATCHDOG_PAGERDUTY__SEVERITY_ROUTING_KEYS__WARNING": KEY}, tmp_path)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.slow
@pytest.mark.parametrize("variable, value, expected", [
    ("FLEX_WATCHDOG_HEALING__GRACE_SECONDS", "soon",
     "config: FLEX_WATCHDOG_HEALING__GRACE_SECONDS (healing.grace_seconds): expected a number, "
     "e.g. 300"),
    ("FLEX_WATCHDOG_HEALING__ENABLED", "maybe",
     "config: FLEX_WATCHDOG_HEALING__ENABLED (healing.enabled): expected true or false, e.g. false"),
    ("FLEX_WATCHDOG_HTTP__PORT", "99999",
     "config: FLEX_WATCHDOG_HTTP__PORT (http.port): must be <= 65535"),
    ("TWILIO_ACCOUNT_SID", "AC12",
     "config: TWILIO_ACCOUNT_SID (account_sid): expected AC and 32 hex digits, e.g. AC0123"),
    ("FLEX_WATCHDOG_EVENTS__ALERT_ERROR_CODES", "45205",
     "config: FLEX_WATCHDOG_EVENTS__ALERT_ERROR_CODES (events.alert_error_codes): expected a list,"
     " e.g. [45205, 80620"),
    ("FLEX_WATCHDOG_EVENTS__ALERT_ERROR_CODES", "[452",
     "config: FLEX_WATCHDOG_EVENTS__ALERT_ERROR_CODES: cannot be parsed; lists and mappings are "
     "given as JSON"),
])
def test_pydantic_wording_is_translated(tmp_path, variable, value, expected):
    assert one_line_exit_2(cli(["config", "check"], {variable: value}, tmp_path)).startswith(expected)


@pytest.mark.slow
def test_placeholder_runbook_url_warns_when_paging(tmp_path):
    proc = cli(["config", "check"], {"FLEX_WATCHDOG_PAGERDUTY__ROUTING_KEY": KEY}, tmp_path)
    assert proc.returncode == 0
    assert "warning: pagerduty.runbook_base_url is still the placeholder" in proc.stderr
    own = cli(["config", "check"], {"FLEX_WATCHDOG_PAGERDUTY__ROUTING_KEY": KEY,
                                    "FLEX_WATCHDOG_PAGERDUTY__RUNBOOK_BASE_URL":
                                        "https://wiki.example.com/flex"}, tmp_path)
    assert own.returncode == 0 and own.stderr == ""


@pytest.mark.slow
def test_config_check_can_require_credentials(tmp_path):
    proc = cli(["config", "check", "--require-credentials"], {}, tmp_path)
    assert one_line_exit_2(proc).startswith("config: credentials missing")
