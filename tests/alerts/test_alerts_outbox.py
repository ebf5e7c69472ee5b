"""The outbox through a PagerDuty outage: nothing lost, order kept, bounded backoff, one Sentry
event per outage (plus one per stuck event), and no routing key in logs, Sentry or the state."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sentry_sdk
from sentry_sdk.transport import Transport
from test_alerts_support import ALL_KEYS, fake_pd, make_rig, no_client_sleep  # tests/ is on sys.path

__all__ = ["fake_pd", "make_rig", "no_client_sleep"]
pytestmark = pytest.mark.usefixtures("no_client_sleep")


class Recorder(Transport):
    """A Sentry transport that keeps every envelope in memory."""

    envelopes: list[bytes] = []

    def capture_envelope(self, envelope) -> None:  # type: ignore[no-untyped-def]
        Recorder.envelopes.append(envelope.serialize())


@pytest.fixture
def sentry_events() -> Iterator[list[bytes]]:
    Recorder.envelopes = []
    sentry_sdk.init(dsn="https://public@sentry.example.invalid/1", transport=Recorder,
                    include_local_variables=True, max_breadcrumbs=200)
    yield Recorder.envelopes
    sentry_sdk.get_client().close()
    sentry_sdk.init()


def hijack(rig, index: int) -> str:
    sid = rig.world.legacy_numbers[index]
    rig.world.set_number(sid, sms_url=f"https://example.com/hijack/{index}")
    return sid


def restore(rig, sid: str) -> None:
    rig.world.set_number(sid, sms_url=rig.results[0].snapshot.get("phone_number", sid)
                         .get("sms_url"))


def test_outage_then_recovery_delivers_everything_in_order(make_rig, sentry_events):
    rig = make_rig()
    first = hijack(rig, 0)
    rig.poll()
    rig.fake.outage()
    report = rig.send()
    delays = [(report.paused_until - rig.now).total_seconds()]
    second = hijack(rig, 1)
    rig.poll()
    restore(rig, first)
    rig.poll()
    rig.sink.change_event("Heal applied: sms_url restored", {"rule": "x"}, now=rig.now)
    for _ in range(6):
        assert rig.sink.send_pending(report.paused_until - timedelta(seconds=1)).sent == []
        rig.now = report.paused_until
        report = rig.send()
        assert report.failed is not None and report.outcome.reason == "network"
        delays.append((report.paused_until - rig.now).total_seconds())
    assert delays == [10, 20, 40, 80, 160, 300, 300]  # bounded by backoff_max_seconds
    assert rig.fake.events() == [] and rig.sink.outbox.count() == 4
    assert rig.alerts("error") == 7
    rig.fake.recover()
    rig.now = report.paused_until
    report = rig.send()
    got = [(r.kind, r.dedup_key) for r in rig.fake.events()]
    key = f"flex-watchdog:{rig.world.account_sid}:numbers.message-webhook-overwritten:"
    assert got == [("trigger", key + first), ("trigger", key + second),
                   ("resolve", key + first), ("change", None)]
    assert rig.sink.outbox.count() == 0
    assert rig.alerts("trigger") == 2 and rig.alerts("resolve") == 1
    assert rig.alerts("change") == 1
    messages = [e for e in sentry_events if b"PagerDuty" in e]
    assert len(messages) == 2  # the outage began; one event reached max_attempts (5)
    assert any(b"delivery failing (network)" in e for e in messages)


def test_order_is_kept_per_dedup_key_even_after_a_restart(make_rig):
    rig = make_rig()
    sid = hijack(rig, 0)
    rig.poll()
    restore(rig, sid)
    rig.poll()
    rig.fake.fail("503", times=1)
    failed = rig.send()
    assert failed.failed.action == "trigger"
    rig.restart()  # the pause survives: it is the failed event's next attempt time
    assert rig.send().sent == []
    rig.now = failed.paused_until
    assert [i.action for i in rig.send().sent] == ["trigger", "resolve"]
    assert [r.kind for r in rig.fake.events()] == ["trigger", "resolve"]
    assert rig.fake.open_alerts() == {}


def test_change_events_for_heals(make_rig):
    rig = make_rig()
    rig.sink.change_event("Healed +15550000100: sms_url restored to Flex",
                          {"rule": "numbers.message-webhook-overwritten", "before": "x",
                           "auth_token": "must-not-leave"},
                          [{"href": "https://example.com/runbook", "text": "Runbook"}],
                          now=rig.now)
    rig.send()
    (change,) = rig.fake.events("change")
    payload = change.body["payload"]
    assert payload["source"] == rig.world.account_sid
    assert payload["summary"].startswith("Healed +15550000100")
    assert payload["custom_details"]["auth_token"] == "**********"
    assert change.body["links"] == [{"href": "https://example.com/runbook", "text": "Runbook"}]
    assert change.path == "/v2/change/enqueue" and rig.alerts("change") == 1


def test_routing_keys_never_reach_logs_sentry_or_the_state_file(make_rig, caplog,
                                                                 sentry_events):
    caplog.set_level(logging.DEBUG)
    rig = make_rig(severity_routing_keys={"critical": ALL_KEYS[1], "warning": ALL_KEYS[2]},
                   rules={"chat.service-missing": {"routing_key": ALL_KEYS[3]}})
    rig.world.delete(rig.world.chat_service_sid)
    hijack(rig, 0)
    rig.world.unpublish_flow(rig.world.flows["Voice IVR"])
    rig.poll(2)
    rig.fake.fail("400", times=1)
    rig.send()  # one dropped with an error log (a Sentry event through logging)
    rig.fake.outage()
    rig.sink.change_event("heal", {"routing_key": ALL_KEYS[0]}, now=rig.now)
    for _ in range(6):
        rig.now += timedelta(hours=1)
        rig.send()  # failures: warnings, Sentry messages
    rig.fake.recover()
    rig.now += timedelta(hours=1)
    rig.send()
    assert len(rig.fake.events()) >= 3 and sentry_events
    rig.watcher.store.close()
    state = b"".join(p.read_bytes() for p in rig.settings.state_path.parent.glob("state.db*"))
    for key in ALL_KEYS:
        assert key not in caplog.text
        assert all(key.encode() not in envelope for envelope in sentry_events)
        assert key.encode() not in state
