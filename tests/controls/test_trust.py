"""Trusted automation through the daemon: Monitor events from a trusted and an untrusted actor
on the same number; trust adopts drift only; a trusted actor's fight stops healing unpaged."""

from __future__ import annotations

from tests.controls.support import MESSAGE, fake_pd, make_rig
from watchdog.commands.report import render_table
from watchdog.rules.heal import FIGHT
from watchdog.simulator.monitor import SCRIPT_IP

__all__ = ["fake_pd", "make_rig"]  # fixtures used by name below
CHANGED = "baseline.resource-changed"
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
