"""Routing, event bodies, the configured client: small pieces, no simulator."""

from __future__ import annotations

import pytest
from test_alerts_support import (
    CRITICAL_KEY,
    DEFAULT_KEY,
    RULE_KEY,
    T0,
    WARNING_KEY,
    fake_pd,
    no_client_sleep,
)  # tests/ is on sys.path

from watchdog.alerts import events, routing
from watchdog.alerts.client import deliver, make_client
from watchdog.errors import Verdict
from watchdog.model.findings import Finding
from watchdog.rules.registry import all_rules
from watchdog.settings import PagerDutySettings, Settings
from watchdog.telemetry.redact import Redactor

__all__ = ["fake_pd", "no_client_sleep"]
AC = "AC" + "a" * 32


def settings(**pd) -> Settings:
    rules = pd.pop("rules", {})
    return Settings(pagerduty={"routing_key": DEFAULT_KEY, **pd}, rules=rules)


@pytest.mark.parametrize(("config", "rule", "severity", "route"), [
    pytest.param({}, "chat.service-missing", "critical", "default", id="default"),
    pytest.param({}, "studio.flow-duplicate", "info", None, id="info-not-sent"),
    pytest.param({"send_info": True}, "studio.flow-duplicate", "info", "default",
                 id="info-with-send-info"),
    pytest.param({"severity_routing_keys": {"critical": CRITICAL_KEY}}, "chat.service-missing",
                 "critical", "severity:critical", id="severity-critical"),
    pytest.param({"severity_routing_keys": {"critical": CRITICAL_KEY}},
                 "studio.flow-unpublished", "warning", "default", id="severity-other-default"),
    pytest.param({"severity_routing_keys": {"warning": WARNING_KEY},
                  "rules": {"studio.flow-unpublished": {"routing_key": RULE_KEY}}},
                 "studio.flow-unpublished", "warning", "rule:studio.flow-unpublished",
                 id="rule-wins"),
    pytest.param({"rules": {"studio.flow-duplicate": {"routing_key": RULE_KEY}}},
                 "studio.flow-duplicate", "info", "rule:studio.flow-duplicate",
                 id="rule-key-sends-info"),
])
def test_route_names(config, rule, severity, route):
    assert routing.route_for(settings(**config), rule, severity) == route


def test_route_names_resolve_to_keys_only_at_send_time():
    s = settings(severity_routing_keys={"warning": WARNING_KEY},
                 rules={"chat.service-missing": {"routing_key": RULE_KEY}})
    assert routing.routing_key(s, "default") == DEFAULT_KEY
    assert routing.routing_key(s, "severity:warning") == WARNING_KEY
    assert routing.routing_key(s, "severity:critical") is None
    assert routing.routing_key(s, "rule:chat.service-missing") == RULE_KEY
    assert routing.routing_key(s, "rule:gone.rule") is None
    assert routing.route_for(Settings(), "chat.service-missing", "critical") is None


def test_confirmations_by_rule_kind():
    s = settings(confirmations={"deletion": 3, "overwrite": 1})
    assert [routing.confirmations(s, k) for k in ("deletion", "overwrite", "other")] == [3, 1, 3]


def test_dedup_key_is_stable_and_bounded():
    assert events.dedup_key(AC, "chat.service-missing", "IS1") == (
        f"flex-watchdog:{AC}:chat.service-missing:IS1")
    long = events.dedup_key(AC, "rule.x", "R" * 400)
    assert len(long) == 255 and long == events.dedup_key(AC, "rule.x", "R" * 400)
    assert long != events.dedup_key(AC, "rule.x", "R" * 399 + "S")


def test_trigger_summary_is_one_short_line_and_details_are_scrubbed():
    rule = all_rules()["numbers.message-webhook-overwritten"]
    finding = Finding(rule.id, "critical", "phone_number", "PN1", "line one\nline two " * 200,
                      {"sms_url": "https://user:hunter2@example.com/hook",
                       "auth_token": "tok", "nested": [{"api_secret": "x"}],
                       "echo": f"key {DEFAULT_KEY}"})
    event = events.trigger_event(finding, AC, rule, runbook_base="https://r/rules.md", now=T0,
                                 observations=1, redact=Redactor([DEFAULT_KEY]))
    payload = event["payload"]
    assert "\n" not in payload["summary"] and len(payload["summary"]) == 1023
    details = payload["custom_details"]
    assert details["sms_url"] == "https://user:**********@example.com/hook"
    assert details["auth_token"] == "**********"
    assert details["nested"] == [{"api_secret": "**********"}]
    assert DEFAULT_KEY not in str(event)
    assert event["links"][0]["href"] == "https://r/rules.md#numbers-message-webhook-overwritten"
    assert payload["class"] == rule.id and payload["group"] == "numbers"
    assert "routing_key" not in event


def test_the_client_never_retries_or_sleeps_by_itself(fake_pd, no_client_sleep):
    client = make_client(DEFAULT_KEY, PagerDutySettings(base_url=fake_pd.base_url))
    assert client.retry == {429: 1} and client.max_network_attempts == 0
    trigger = {"event_action": "trigger", "dedup_key": "k",
               "payload": {"summary": "s", "source": AC, "severity": "critical"}}
    for fault, reason in (("429", "rate_limited"), ("500", "server_error"),
                          ("503", "server_error"), ("disconnect", "network")):
        fake_pd.fail(fault, times=1)
        before = len(fake_pd.received())
        outcome = deliver(client, "trigger", trigger, Redactor())
        assert (outcome.verdict, outcome.reason) == ("retry", reason)
        assert len(fake_pd.received()) == before + 1
    fake_pd.fail("400", times=1)
    assert deliver(client, "trigger", trigger, Redactor()).verdict is Verdict.DROP
    assert deliver(client, "trigger", trigger, Redactor()).verdict is Verdict.DONE


def test_the_client_trusts_the_fake_only_through_ssl_cert_file(fake_pd, monkeypatch):
    trigger = {"event_action": "trigger", "dedup_key": "k",
               "payload": {"summary": "s", "source": AC, "severity": "critical"}}
    trusted = make_client(DEFAULT_KEY, PagerDutySettings(base_url=fake_pd.base_url))
    assert deliver(trusted, "trigger", trigger, Redactor()).verdict is Verdict.DONE
    monkeypatch.delenv("SSL_CERT_FILE")
    untrusted = make_client(DEFAULT_KEY, PagerDutySettings(base_url=fake_pd.base_url))
    outcome = deliver(untrusted, "trigger", trigger, Redactor())
    assert outcome.verdict is Verdict.RETRY and "CERTIFICATE_VERIFY_FAILED" in outcome.detail
