"""End to end: the Twilio simulator -> Watcher -> PagerDuty sink -> the real ``pagerduty`` client
-> the fake PagerDuty over TLS. Explicit clocks, no sleeps."""

from __future__ import annotations

import pytest
from test_alerts_support import (
    CRITICAL_KEY,
    DEFAULT_KEY,
    RULE_KEY,
    WARNING_KEY,
    fake_pd,
    make_rig,
    no_client_sleep,
)  # tests/ is on sys.path

from watchdog.simulator import Fault

__all__ = ["fake_pd", "make_rig", "no_client_sleep"]  # fixtures used by name below
pytestmark = pytest.mark.usefixtures("no_client_sleep")
RUNBOOK = "https://github.com/flex-watchdog/flex-watchdog/blob/main/docs/rules.md"


def test_one_trigger_per_finding_with_the_whole_payload(make_rig):
    rig = make_rig()
    chat = rig.world.chat_service_sid
    rig.world.delete(chat)
    rig.world.delete(rig.world.workspace_sid)
    rig.poll(2)  # deletions need two complete observations
    rig.send()
    rig.poll(3)
    rig.send()
    triggers = rig.fake.events("trigger")
    classes = sorted(t.body["payload"]["class"] for t in triggers)
    assert classes == ["chat.service-missing", "taskrouter.workspace-missing"]
    chat_page = next(t for t in triggers if t.body["payload"]["class"] == "chat.service-missing")
    account = rig.world.account_sid
    assert chat_page.dedup_key == f"flex-watchdog:{account}:chat.service-missing:{chat}"
    assert chat_page.routing_key == DEFAULT_KEY
    payload = chat_page.body["payload"]
    assert payload["severity"] == "critical" and payload["source"] == account
    assert payload["component"] == f"chat_service/{chat}" and payload["group"] == "chat"
    assert "\n" not in payload["summary"] and len(payload["summary"]) < 1024
    assert payload["custom_details"]["chat_service_sid"] == chat
    assert payload["custom_details"]["observations"] == 2
    assert chat_page.body["links"][0]["href"] == f"{RUNBOOK}#chat-service-missing"
    assert rig.alerts("trigger") == 2


def test_confirmations_wait_for_deletions_not_for_overwrites(make_rig):
    rig = make_rig()
    rig.world.delete(rig.world.chat_service_sid)
    rig.world.set_number(rig.world.legacy_numbers[0], sms_url="https://example.com/hijack")
    rig.poll()
    rig.send()
    assert [t.body["payload"]["class"] for t in rig.fake.events("trigger")] == [
        "numbers.message-webhook-overwritten"]
    rig.poll()
    rig.send()
    assert len(rig.fake.events("trigger")) == 2


def test_confirmations_are_settings(make_rig):
    rig = make_rig(confirmations={"deletion": 3, "overwrite": 2})
    rig.world.delete(rig.world.chat_service_sid)
    rig.world.set_number(rig.world.legacy_numbers[0], sms_url="https://example.com/hijack")
    rig.poll(2)
    rig.send()
    assert [t.body["payload"]["class"] for t in rig.fake.events("trigger")] == [
        "numbers.message-webhook-overwritten"]
    rig.poll()
    rig.send()
    assert len(rig.fake.events("trigger")) == 2


def test_an_unknown_family_neither_confirms_nor_triggers(make_rig):
    rig = make_rig()
    rig.world.delete(rig.world.chat_service_sid)
    rig.poll()  # first observation
    fault = rig.sim.faults.add(Fault("500", product="chat"))
    result = rig.poll(3)
    rig.send()
    assert result.evaluation.skipped["chat.service-missing"] == "unknown"
    assert rig.fake.received() == []
    rig.sim.faults.clear()
    assert fault.hits > 0
    rig.poll()  # second complete observation
    rig.send()
    assert len(rig.fake.events("trigger")) == 1


def test_an_unknown_family_does_not_resolve_and_recovery_does(make_rig):
    rig = make_rig()
    rig.world.delete(rig.world.chat_service_sid)
    rig.poll(2)
    rig.send()
    rig.sim.faults.add(Fault("500", product="chat"))
    rig.poll(2)
    rig.send()
    assert rig.fake.events("resolve") == []
    rig.sim.faults.clear()
    rig.world.recreate_chat_service()  # also leaves the Flex Flows on the old service
    rig.poll()
    rig.send()
    (trigger,) = [t for t in rig.fake.events("trigger")
                  if t.body["payload"]["class"] == "chat.service-missing"]
    resolves = [r for r in rig.fake.events("resolve") if r.dedup_key == trigger.dedup_key]
    assert len(resolves) == 1 and resolves[0].routing_key == trigger.routing_key
    assert resolves[0].effect == "resolved"
    assert (DEFAULT_KEY, trigger.dedup_key) not in rig.fake.open_alerts()
    assert rig.alerts("resolve") >= 1


def test_a_restart_neither_pages_again_nor_forgets_to_resolve(make_rig):
    rig = make_rig()
    rig.world.set_number(rig.world.legacy_numbers[0], sms_url="https://example.com/hijack")
    rig.poll()
    rig.restart()  # the trigger is queued, not delivered yet
    rig.send()
    rig.poll(2)
    rig.restart()
    rig.poll()
    rig.send()
    (trigger,) = rig.fake.events("trigger")
    rig.world.set_number(rig.world.legacy_numbers[0],
                         sms_url=rig.results[0].snapshot.get(
                             "phone_number", rig.world.legacy_numbers[0]).get("sms_url"))
    rig.poll()
    rig.restart()  # the resolve is queued, not delivered yet
    rig.send()
    (resolve,) = rig.fake.events("resolve")
    assert resolve.dedup_key == trigger.dedup_key and resolve.effect == "resolved"
    assert len(rig.fake.events("trigger")) == 1


def test_routing_by_severity_and_by_rule(make_rig):
    rig = make_rig(severity_routing_keys={"critical": CRITICAL_KEY, "warning": WARNING_KEY},
                   rules={"chat.service-missing": {"routing_key": RULE_KEY}})
    rig.world.delete(rig.world.chat_service_sid)  # critical, rule override
    rig.world.set_number(rig.world.legacy_numbers[0], sms_url="https://example.com/x")  # critical
    rig.world.unpublish_flow(rig.world.flows["Voice IVR"])  # warning
    rig.world.duplicate_flow("Messaging Flow")  # info: not sent
    rig.poll(2)
    rig.send()
    by_class = {t.body["payload"]["class"]: t.routing_key for t in rig.fake.events("trigger")}
    assert by_class["chat.service-missing"] == RULE_KEY
    assert by_class["numbers.message-webhook-overwritten"] == CRITICAL_KEY
    assert by_class["studio.flow-unpublished"] == WARNING_KEY
    assert "studio.flow-duplicate" not in by_class
    routes = {r[0] for r in rig.watcher.store.execute("SELECT route FROM incidents")}
    assert routes == {"rule:chat.service-missing", "severity:critical", "severity:warning"}


def test_info_is_sent_with_send_info_and_severity_overrides_route(make_rig):
    rig = make_rig(send_info=True, severity_routing_keys={"warning": WARNING_KEY},
                   rules={"chat.service-missing": {"severity": "warning"}})
    rig.world.delete(rig.world.chat_service_sid)
    rig.world.duplicate_flow("Messaging Flow")
    rig.poll(2)
    rig.send()
    pages = {t.body["payload"]["class"]: t for t in rig.fake.events("trigger")}
    assert pages["chat.service-missing"].routing_key == WARNING_KEY
    assert pages["chat.service-missing"].body["payload"]["severity"] == "warning"
    assert pages["studio.flow-duplicate"].routing_key == DEFAULT_KEY
    assert pages["studio.flow-duplicate"].body["payload"]["severity"] == "info"


def test_a_429_is_retried_later_by_the_outbox_not_by_the_client(make_rig):
    rig = make_rig()
    rig.world.set_number(rig.world.legacy_numbers[0], sms_url="https://example.com/hijack")
    rig.poll()
    rig.fake.fail("429", times=1)
    first = rig.send()
    assert first.failed is not None and first.outcome.reason == "rate_limited"
    assert len(rig.fake.received()) == 1  # one request per attempt: the client did not retry
    assert rig.send(after=5).paused_until == first.paused_until  # still backing off
    assert len(rig.fake.received()) == 1
    assert len(rig.send(after=10).sent) == 1
    assert len(rig.fake.events("trigger")) == 1
    assert rig.alerts("error") == 1 and rig.alerts("trigger") == 1


def test_a_rejected_event_is_dropped_and_the_rest_goes_on(make_rig, caplog):
    rig = make_rig()
    rig.world.set_number(rig.world.legacy_numbers[0], sms_url="https://example.com/x")
    rig.world.set_number(rig.world.legacy_numbers[1], sms_url="https://example.com/y")
    rig.poll()
    rig.fake.fail("400", times=1)
    report = rig.send()
    assert len(report.dropped) == 1 and len(report.sent) == 1
    assert rig.sink.outbox.count() == 0
    assert "dropped: rejected (HTTP 400" in caplog.text
    assert rig.alerts("error") == 1


def test_the_daemon_attaches_the_sink_only_when_paging_is_on(make_watcher, fake_pd):
    from watchdog.daemon.app import build_daemon

    off = make_watcher()
    daemon = build_daemon(off.settings, off)
    assert daemon.sink is None and daemon.scheduler.get_job("pagerduty") is None
    off.store.close()
    on = make_watcher(pagerduty={"routing_key": DEFAULT_KEY, "base_url": fake_pd.base_url})
    daemon = build_daemon(on.settings, on)
    sink = daemon.sink
    assert sink is not None and sink.on_cycle in on.listeners
    assert daemon.scheduler.get_job("pagerduty") is not None
