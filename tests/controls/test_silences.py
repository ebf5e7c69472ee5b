"""Silences through the daemon: the finding opens and shows, does not page, is not healed; an
open incident resolves with a note; when the silence ends the finding pages once and heals."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.controls.support import MESSAGE, fake_pd, make_rig
from watchdog.controls import silences
from watchdog.errors import ConfigError

__all__ = ["fake_pd", "make_rig"]  # fixtures used by name below
HIJACK = "https://example.com/hijack"


def test_silenced_finding_shows_but_neither_pages_nor_heals_until_it_ends(make_rig):
    rig = make_rig()
    sid = rig.world.legacy_numbers[0]
    store = rig.watcher.store
    made = silences.add(store, rig.settings, rule=MESSAGE, resource_sid=sid, reason="migrating",
                        by="alice", now=rig.now, ends_at=rig.now + timedelta(hours=1))
    rig.world.set_number(sid, sms_url=HIJACK)
    for _ in range(3):
        rig.poll()
    assert f"{MESSAGE}:{sid}" in rig.open_ids(), "a silenced finding is still an open finding"
    row = store.open_findings()[f"{MESSAGE}:{sid}"]
    assert row.details["silence"] == {"id": made.id, "source": "silence", "reason": "migrating",
                                      "until": "2026-11-25T13:00:00Z", "by": "alice"}
    assert rig.triggers() == [], "silenced: no page"
    assert rig.world.number(sid)["sms_url"] == HIJACK, "silenced: not healed"
    assert rig.sample("flex_watchdog_silenced_findings", rule=MESSAGE) == 1
    assert rig.sample("flex_watchdog_silences") == 1
    rig.poll(60)  # the silence has ended, the number is still broken
    assert len(rig.triggers()) == 1, "one page once the silence ends"
    assert rig.world.number(sid)["sms_url"] != HIJACK, "healed once the silence ends"
    assert rig.sample("flex_watchdog_silenced_findings", rule=MESSAGE) == 0
    assert rig.sample("flex_watchdog_silences") == 0
    rig.poll()
    assert len(rig.triggers()) == 1 and len(rig.fake.events("resolve")) == 1


def test_an_open_incident_is_resolved_with_a_note_and_triggered_again_after(make_rig):
    rig = make_rig(healing={"enabled": False})
    sid = rig.world.legacy_numbers[0]
    rig.world.set_number(sid, sms_url=HIJACK)
    rig.poll()
    assert len(rig.triggers()) == 1
    silences.add(rig.watcher.store, rig.settings, rule=MESSAGE, resource_sid=None,
                 reason="vendor fixing it", by="bob", now=rig.now,
                 ends_at=rig.now + timedelta(minutes=30))
    rig.poll()
    (resolve,) = rig.fake.events("resolve")
    assert resolve.dedup_key == rig.triggers()[0].dedup_key and resolve.effect == "resolved"
    notes = [c for c in rig.fake.events("change")
             if "silenced: vendor fixing it" in c.body["payload"]["summary"]]
    assert len(notes) == 1, "the resolve comes with a note saying why"
    rig.poll(10)
    assert len(rig.triggers()) == 1, "no trigger while silenced"
    rig.poll(30)
    assert len(rig.triggers()) == 2, "triggered again when the silence expires, still broken"


def test_expire_ends_a_silence_now(make_rig):
    rig = make_rig(healing={"enabled": False})
    sid = rig.world.legacy_numbers[0]
    made = silences.add(rig.watcher.store, rig.settings, rule=MESSAGE, resource_sid=sid,
                        reason="r", by="c", now=rig.now, ends_at=rig.now + timedelta(days=2))
    rig.world.set_number(sid, sms_url=HIJACK)
    rig.poll()
    assert rig.triggers() == []
    silences.expire(rig.watcher.store, made.id, rig.now)
    rig.poll()
    assert len(rig.triggers()) == 1


def test_a_silence_of_another_resource_does_not_hold_this_one(make_rig):
    rig = make_rig(healing={"enabled": False})
    one, other = rig.world.legacy_numbers[:2]
    silences.add(rig.watcher.store, rig.settings, rule=MESSAGE, resource_sid=other, reason="r",
                 by="c", now=rig.now, ends_at=rig.now + timedelta(hours=1))
    rig.world.set_number(one, sms_url=HIJACK)
    rig.poll()
    assert len(rig.triggers()) == 1


@pytest.mark.parametrize("hours, message", [
    (24 * 31, "longer than silences.max_duration_seconds (30 days)"),
    (-1, "is not in the future")])
def test_too_long_or_past_silences_are_refused(make_rig, hours, message):
    rig = make_rig()
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        silences.add(rig.watcher.store, rig.settings, rule=MESSAGE, resource_sid=None,
                     reason="r", by="c", now=rig.now, ends_at=rig.now + timedelta(hours=hours))


def test_a_silenced_finding_costs_no_fetch_for_the_healer(make_rig):
    from tests.daemon.support import requests_made

    rig = make_rig()
    sid = rig.world.legacy_numbers[0]
    silences.add(rig.watcher.store, rig.settings, rule=MESSAGE, resource_sid=sid, reason="r",
                 by="c", now=rig.now, ends_at=rig.now + timedelta(hours=1))
    rig.world.set_number(sid, sms_url=HIJACK)
    rig.poll()
    with requests_made(rig.daemon) as seen:
        rig.poll()
    assert seen == {"api", "flex-api"}, "the numbers job's own reads: the healer fetches none"


def test_the_daemon_logs_a_control_starting_and_ending(make_rig, caplog):
    rig = make_rig(healing={"enabled": False})
    made = silences.add(rig.watcher.store, rig.settings, rule=MESSAGE, resource_sid=None,
                        reason="carrier work", by="ops", now=rig.now,
                        ends_at=rig.now + timedelta(minutes=10))
    with caplog.at_level("WARNING", logger="watchdog.daemon.observe"):
        rig.poll()
        rig.poll(15)
    lines = [r.getMessage() for r in caplog.records]
    assert (f"control in force: silence {made.id} of {MESSAGE} * (carrier work) until "
            "2026-11-25T12:10:00Z: does not page, not healed (findings still open and show)"
            ) in lines
    assert any(line.startswith(f"control ended: silence {made.id} of {MESSAGE}")
               for line in lines)


def test_turning_a_rule_off_resolves_its_open_incident_with_a_note(sim, fake_pd, tmp_path):
    from tests.controls.support import Rig

    state = tmp_path / "state.db"
    rig = Rig(sim, fake_pd, state, healing={"enabled": False})
    sid = rig.world.legacy_numbers[0]
    rig.world.set_number(sid, sms_url=HIJACK)
    rig.poll()
    (trigger,) = rig.triggers()
    assert rig.fake.events("resolve") == []
    off = Rig(sim, fake_pd, state, healing={"enabled": False},
              rules={MESSAGE: {"enabled": False}})  # the daemon restarted with the rule off
    off.poll()
    (resolve,) = fake_pd.events("resolve")
    assert resolve.dedup_key == trigger.dedup_key and resolve.effect == "resolved"
    notes = [c for c in fake_pd.events("change")
             if f"rule {MESSAGE} turned off" in c.body["payload"]["summary"]]
    assert len(notes) == 1, "the resolve comes with a note saying why"
    off.poll()
    assert len(fake_pd.events("resolve")) == 1 and len(off.triggers()) == 1, "once, no re-page"
