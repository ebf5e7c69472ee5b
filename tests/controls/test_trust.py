"""Trusted automation through the daemon: Monitor events from a trusted and an untrusted actor
on the same number; trust adopts drift only; a trusted actor's fight stops healing unpaged."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import NOW
from tests.controls.support import MESSAGE, fake_pd, make_rig
from watchdog.commands.report import render_table
from watchdog.controls.trust import adopt
from watchdog.healing import records
from watchdog.model.snapshot import FamilyState, Resource, Snapshot
from watchdog.rules.heal import FIGHT
from watchdog.settings import Settings
from watchdog.signals.evidence import Change, EvidenceCache
from watchdog.simulator.monitor import SCRIPT_IP
from watchdog.store.store import StateStore

__all__ = ["fake_pd", "make_rig"]  # fixtures used by name below
CHANGED = "baseline.resource-changed"
DELETED = "baseline.resource-deleted"
CI = {"trusted_sources": ["198.51.100.0/24"]}  # the simulator's API changes come from SCRIPT_IP


def _signal(rig, minutes: float = 1) -> None:
    """The Monitor Events job, then the refresh it asks for."""
    rig.clock.advance(minutes * 60)
    for job in ("events", "refresh"):
        rig.poll(0, job)


def _changed_fields(rig, sid: str) -> list[str]:
    row = rig.watcher.store.open_findings().get(f"{CHANGED}:{sid}")
    return [c["field"] for c in row.details["changes"]] if row else []


def test_trusted_and_untrusted_changes_on_the_same_number(make_rig):
    rig = make_rig(baseline=CI, healing={"enabled": False})
    world, sid = rig.world, rig.world.legacy_numbers[0]
    world.set_number(sid, source="api", friendly_name="Sales (managed by CI)")  # trusted
    world.set_number(sid, status_callback="https://example.com/cb")  # a Console user
    _signal(rig)
    assert _changed_fields(rig, sid) == ["status_callback"], "only the untrusted change drifts"
    baseline = rig.watcher.store.baseline(world.account_sid)
    assert baseline.get("phone_number", sid).get("friendly_name") == "Sales (managed by CI)"
    [entry] = rig.watcher.store.baseline_history()
    assert entry["resource_sid"] == sid and entry["note"] == (
        f"adopted: changed by trusted source {SCRIPT_IP} (account {world.account_sid} via api) "
        "(friendly_name)")
    world.set_number(sid, source="api", status_callback="https://ci.example.com/cb")
    _signal(rig)
    assert _changed_fields(rig, sid) == [], "the trusted actor's later change is adopted too"
    assert rig.fake.events("trigger") == []


def test_a_trusted_actor_breaking_an_invariant_still_gets_the_finding_and_page(make_rig):
    rig = make_rig(baseline=CI, healing={"enabled": False})
    world, sid = rig.world, rig.world.legacy_numbers[0]
    world.set_number(sid, source="api", sms_url="https://example.com/hijack")
    _signal(rig)
    assert f"{MESSAGE}:{sid}" in rig.open_ids()
    assert len(rig.triggers()) == 1
    assert rig.watcher.store.baseline_history() == [], "a broken state is never adopted"


def test_a_change_without_a_monitor_event_is_never_adopted(make_rig):
    rig = make_rig(baseline=CI, healing={"enabled": False})
    flex_flow = next(iter(rig.world.flex_flows.values()))
    rig.world.set_flex_flow(flex_flow, friendly_name="Renamed by CI")  # Flex Flows log no event
    _signal(rig)
    rig.poll(1, "numbers")
    assert rig.watcher.store.baseline_history() == []
    assert f"{CHANGED}:{flex_flow}" in rig.open_ids()


def test_a_trusted_actors_fight_stops_healing_without_a_page(make_rig, world):
    rig = make_rig(baseline={"trusted_actors": [world.user_sid]})
    sid = world.legacy_numbers[0]
    world.set_number(sid, sms_url="https://example.com/hijack")  # the trusted Console user
    rig.poll(1)
    assert world.number(sid)["sms_url"] != "https://example.com/hijack", "healed (an invariant)"
    world.set_number(sid, sms_url="https://example.com/hijack-again")
    rig.poll(1)
    rig.poll(1)
    assert world.number(sid)["sms_url"] == "https://example.com/hijack-again", "healing stopped"
    fight = rig.watcher.store.open_findings()[f"{FIGHT}:{sid}"]
    assert fight.details["trusted"].startswith(f"changed by trusted actor user {world.user_sid}")
    assert [t for t in rig.fake.events("trigger")
            if t.body["payload"]["class"] == FIGHT] == [], "no page for the trusted fight"
    assert len(rig.triggers()) == 1, "the invariant itself paged once, before the heal"
    rig.clock.advance(60)
    table = render_table(rig.watcher.poll(rig.now))  # what `check` prints
    assert (f"trusted: changed by trusted actor user {world.user_sid} via web from "
            "203.0.113.10") in table and "healing stopped without a page" in table


def test_check_adopts_a_trusted_change_and_baseline_diff_shows_it(sim, tmp_path, capsys,
                                                                 monkeypatch):
    from tests.controls.test_silence_cli import run

    world = sim.world
    for key, value in {"TWILIO_ACCOUNT_SID": world.account_sid,
                       "TWILIO_AUTH_TOKEN": world.auth_token,
                       "FLEX_WATCHDOG_TWILIO_BASE_URL": sim.url,
                       "FLEX_WATCHDOG_TWILIO__REQUESTS_PER_SECOND": "100000",
                       "FLEX_WATCHDOG_STATE_PATH": str(tmp_path / "state.db"),
                       "FLEX_WATCHDOG_BASELINE__TRUSTED_SOURCES": '["198.51.100.0/24"]'}.items():
        monkeypatch.setenv(key, value)
    sid = world.legacy_numbers[0]
    assert run(capsys, "check")[0] == 0
    world.set_number(sid, source="api", friendly_name="Managed by Terraform")
    code, out, _ = run(capsys, "check")
    assert code == 0 and CHANGED not in out, "adopted: no drift finding"
    code, out, _ = run(capsys, "baseline", "diff")
    assert code == 0 and "No differences from the baseline." in out
    assert (f"phone_number {sid}: adopted: changed by trusted source {SCRIPT_IP} (account "
            f"{world.account_sid} via api) (friendly_name)") in out
    world.set_number(sid, friendly_name="Renamed by hand")  # a Console user: drift
    code, out, _ = run(capsys, "check")
    assert code == 1 and f"{CHANGED}  {sid}" in out


def _one_number(sid: str, **fields: object) -> Snapshot:
    essence = {"sid": sid, "phone_number": "+15550000100", "friendly_name": "Sales",
               "sms_url": "https://example.com/a", **fields}
    number = Resource.make("phone_number", sid, essence)
    return Snapshot("AC" + "1" * 32, NOW, {"numbers": FamilyState("numbers", "complete", (number,),
                                                                  fetched_at=NOW)})


def test_the_watchdogs_own_writes_are_never_adopted(tmp_path):
    """The account is trusted (every API request, the watchdog's heals too): a change made by a
    heal of the resource is still not adopted; the same change without the heal is."""
    sid = "PN" + "2" * 32
    settings = Settings(baseline={"trusted_actors": ["AC" + "1" * 32]})
    change = Change("AE" + "3" * 32, "phone-number.updated", sid, NOW,
                    actor_type="account", actor_sid="AC" + "1" * 32, source="api",
                    source_ip_address="192.0.2.1",
                    changes={"sms_url": {"previous": "https://example.com/a",
                                         "updated": "https://example.com/b"}})
    now_state = _one_number(sid, sms_url="https://example.com/b")
    for healed, adopted in ((True, []), (False, ["sms_url"])):
        store = StateStore(tmp_path / f"{healed}.db")
        store.adopt_baseline(_one_number(sid))
        cache = EvidenceCache()
        cache.add_change(change)
        if healed:
            records.insert(store, NOW + timedelta(seconds=2), MESSAGE, "phone_number", sid,
                           label=sid, finding_id=f"{MESSAGE}:{sid}", mode="auto",
                           outcome="applied", reason="verified", request=None, before=None,
                           after=None)
        done = adopt(store, settings, store.baseline("AC" + "1" * 32), now_state, cache, NOW,
                     broken=set())
        assert [list(a.fields) for a in done] == ([adopted] if adopted else [])


@pytest.mark.parametrize("source, drift", [("api", False), ("web", True)],
                         ids=["trusted", "untrusted"])
def test_a_deleted_number_is_drift_unless_a_trusted_source_deleted_it(make_rig, source, drift):
    rig = make_rig(baseline=CI, healing={"enabled": False})
    sid = rig.world.flex_numbers[-1]
    rig.world.delete(sid, source=source)
    _signal(rig)
    rig.poll(1)
    assert (f"{DELETED}:{sid}" in rig.open_ids()) is drift
    assert bool(rig.watcher.store.baseline_history()) is not drift
    assert bool([t for t in rig.fake.events("trigger")
                 if t.body["payload"]["class"] == DELETED]) is drift
