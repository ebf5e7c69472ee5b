"""``flex-watchdog alert test`` against the fake PagerDuty."""

from __future__ import annotations

import pytest
from test_alerts_support import DEFAULT_KEY, WARNING_KEY, fake_pd  # tests/ is on sys.path

from watchdog.cli import main

__all__ = ["fake_pd"]


@pytest.fixture
def configured(fake_pd, monkeypatch):
    monkeypatch.setenv("FLEX_WATCHDOG_PAGERDUTY__ROUTING_KEY", DEFAULT_KEY)
    monkeypatch.setenv("FLEX_WATCHDOG_PAGERDUTY__BASE_URL", fake_pd.base_url)
    return fake_pd


def test_without_a_routing_key_it_names_the_variable(capsys):
    assert main(["alert", "test"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "FLEX_WATCHDOG_PAGERDUTY__ROUTING_KEY" in err[0]


def test_sends_a_trigger_then_resolves_it(configured, capsys):
    assert main(["alert", "test"]) == 0
    out = capsys.readouterr().out
    (trigger,) = configured.events("trigger")
    (resolve,) = configured.events("resolve")
    assert resolve.dedup_key == trigger.dedup_key and resolve.effect == "resolved"
    assert trigger.body["payload"]["severity"] == "info"
    assert out.count("accepted by PagerDuty") == 2 and trigger.dedup_key in out
    assert DEFAULT_KEY not in out


def test_a_severity_route_and_its_key(configured, monkeypatch, capsys):
    monkeypatch.setenv("FLEX_WATCHDOG_PAGERDUTY__SEVERITY_ROUTING_KEYS__WARNING", WARNING_KEY)
    assert main(["alert", "test", "--route", "severity:warning", "--severity", "warning"]) == 0
    assert [r.routing_key for r in configured.events()] == [WARNING_KEY, WARNING_KEY]
    assert main(["alert", "test", "--route", "severity:critical"]) == 2


@pytest.mark.parametrize("fault", ["400", "503", "disconnect"])
def test_a_failure_exits_1_and_says_why(configured, capsys, fault):
    configured.fail(fault, times=1)
    assert main(["alert", "test"]) == 1
    out = capsys.readouterr().out
    assert "FAILED" in out and configured.events() == []
    assert DEFAULT_KEY not in out


def test_a_plain_http_base_url_is_a_config_error(monkeypatch, capsys):
    monkeypatch.setenv("FLEX_WATCHDOG_PAGERDUTY__ROUTING_KEY", DEFAULT_KEY)
    monkeypatch.setenv("FLEX_WATCHDOG_PAGERDUTY__BASE_URL", "http://127.0.0.1:1")
    assert main(["alert", "test"]) == 2
    assert "pagerduty.base_url: must be an https:// URL" in capsys.readouterr().err
