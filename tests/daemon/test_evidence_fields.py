"""Evidence is about the field: the Monitor event that changed what the rule reads, with URLs
shortened in the middle so the part that differs shows."""

from __future__ import annotations

from tests.daemon.timeline import Timeline, timeline_settings
from tests.heal.support import armed
from watchdog.healing import records
from watchdog.model.times import iso
from watchdog.signals.evidence import evidence_text
from watchdog.simulator import SimulatorServer, healthy_legacy

MESSAGE = "numbers.message-webhook-overwritten"


def test_an_sms_finding_names_the_sms_change_not_a_later_voice_change(fake_pd, tmp_path):
    with SimulatorServer(healthy_legacy()) as server:
        day = Timeline(server, timeline_settings(server, tmp_path / "state.db", fake_pd,
                                                 healing={"enabled": False}))
        try:
            world = day.server.world
            number = world.legacy_numbers[0]
            day.advance(1)
            world.set_number(number, sms_url="https://example.com/stolen")
            day.advance(2)
            world.set_number(number, voice_method="GET")  # later, and not what the rule reads
            day.advance(15)
            found = [f for r in day.results for f in r.opened
                     if f.rule == MESSAGE and f.resource_sid == number]
        finally:
            day.close()
    assert len(found) == 1
    change = found[0].details["evidence"]["last_change"]
    assert set(change["changes"]) == {"sms_url"}
    text = evidence_text(found[0].details)
    proxy = world.flex_proxy_sid or ""
    assert f"'…/Proxy/{proxy[:6]}…/Webhooks/Message' -> 'https://example.com/stolen'" in text
    assert "voice_method" not in text


def test_the_watchdogs_own_heal_is_marked_as_its_own_in_the_evidence(fake_pd, tmp_path):
    """The heal re-points the number; the Flex Proxy Service is re-created later, so the healed
    value is wrong again. The newest SMS change on the number is then the watchdog's own write:
    the evidence says so (the heal's rule and time from the heal journal) instead of presenting
    the credentials' actor as whoever broke it."""
    overrides = armed(MESSAGE, grace_seconds=0)
    with SimulatorServer(healthy_legacy()) as server:
        day = Timeline(server, timeline_settings(server, tmp_path / "state.db", fake_pd,
                                                 **overrides))
        try:
            world = day.server.world
            number = world.legacy_numbers[0]
            day.advance(1)
            world.set_number(number, sms_url="https://example.com/stolen")
            day.advance(240)
            assert [w for w in day.writes() if "IncomingPhoneNumbers" in w], "healed"
            since = len(day.results)
            world.recreate_proxy_service()
            day.advance(240)
            found = [f for r in day.results[since:] for f in r.findings if f.rule == MESSAGE
                     and {"type": "phone_number", "sid": number} in f.details["affected"]]
            heals = [h for h in records.history(day.watcher.store, number)
                     if h.outcome == "applied"]
        finally:
            day.close()
    assert found and heals
    change = found[-1].details["evidence"]["last_change"]
    assert change["by_watchdog"] == {"rule": MESSAGE, "heal_at": iso(heals[0].at)}
    assert "by flex-watchdog itself (its heal of numbers.message-webhook-overwritten at " \
        in evidence_text(found[-1].details)
