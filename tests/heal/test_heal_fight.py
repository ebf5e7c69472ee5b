"""Circuit breakers: a heal undone within the fight window, or failing repeatedly, stops healing
that resource, opens heal.fight-detected naming the actor, until `heal reset`."""

from __future__ import annotations

from tests.heal.support import CHAT, MESSAGE, NUMBER_POST, Rig, armed, break_sms, open_rules
from watchdog.healing import records
from watchdog.rules.heal import FIGHT
from watchdog.simulator import Fault


def _healed_once(rig: Rig, sid: str) -> None:
    rig.poll(0)
    break_sms(rig.world, sid)
    rig.poll(1)
    rig.poll(7)
    assert rig.writes(NUMBER_POST) == 1
    rig.poll(8)
    assert (MESSAGE, sid) not in open_rules(rig)


def test_heal_undone_within_the_window_trips_the_breaker_and_names_the_actor(sim, tmp_path):
    rig = Rig(sim, tmp_path, **armed(MESSAGE))
    world, sid = rig.world, rig.world.legacy_numbers[0]
    _healed_once(rig, sid)
    rig.at(20)
    break_sms(world, sid, "https://example.com/their-own")  # a Console user, again
    rig.poll(20)
    assert rig.writes(NUMBER_POST) == 1, "no second heal: that would fight the user"
    breaker = records.breaker(rig.store, MESSAGE, sid)
    assert breaker.tripped and (breaker.tripped_reason or "").startswith("fight")
    assert breaker.actor and breaker.actor["actor_sid"] == world.user_sid
    assert breaker.actor["actor_type"] == "user" and breaker.actor["source"] == "web"
    refused = rig.heals("refused")[0]
    assert world.user_sid in (refused.reason or "")
    fight = [f for f in rig.poll(21).findings if f.rule == FIGHT]
    assert [(f.resource_type, f.resource_sid) for f in fight] == [("phone_number", sid)]
    assert fight[0].details["actor"]["actor_sid"] == world.user_sid
    assert world.user_sid in fight[0].summary and f"heal reset {sid}" in fight[0].summary
    assert (MESSAGE, sid) in open_rules(rig), "the original finding stays open and pages"
    rig.poll(40)
    assert rig.writes(NUMBER_POST) == 1, "an open breaker holds however long it takes"


def test_reset_re_arms_healing_and_clears_the_fight_finding(sim, tmp_path):
    rig = Rig(sim, tmp_path, **armed(MESSAGE))
    sid = rig.world.legacy_numbers[0]
    _healed_once(rig, sid)
    rig.at(20)
    break_sms(rig.world, sid, "https://example.com/again")
    rig.poll(20)
    assert (FIGHT, sid) in {(f.rule, f.resource_sid) for f in rig.poll(21).findings}
    assert [b.rule for b in records.reset(rig.store, sid)] == [MESSAGE]
    after = rig.poll(22)
    assert FIGHT not in {f.rule for f in after.findings}
    assert rig.writes(NUMBER_POST) == 1, "re-armed, and the grace period still holds"
    rig.poll(26)
    assert rig.writes(NUMBER_POST) == 2, "healed again once past the grace period"


def test_a_change_after_the_window_is_plain_drift_and_is_healed(sim, tmp_path):
    rig = Rig(sim, tmp_path, **armed(MESSAGE, fight_window_seconds=600))
    sid = rig.world.legacy_numbers[0]
    _healed_once(rig, sid)
    rig.at(30)
    break_sms(rig.world, sid)
    rig.poll(30)
    rig.poll(36)
    assert rig.writes(NUMBER_POST) == 2
    assert not records.breaker(rig.store, MESSAGE, sid).tripped


def test_repeated_failures_trip_the_breaker(sim, tmp_path):
    rig = Rig(sim, tmp_path, **armed(MESSAGE, max_failures=3))
    sid = rig.world.legacy_numbers[0]
    rig.poll(0)
    break_sms(rig.world, sid)
    rig.poll(1)
    sim.faults.add(Fault("500", product="api", path_regex=f"{sid}.json", method="POST"))
    for minute in (7, 8, 9):
        rig.poll(minute)
    failed = rig.heals("failed")
    assert len(failed) == 3 and all("HTTP 500" in (h.reason or "") for h in failed)
    assert rig.counted(MESSAGE, "failed") == 3
    breaker = records.breaker(rig.store, MESSAGE, sid)
    assert breaker.tripped and breaker.tripped_reason == "3 failed heals in a row"
    attempts = sim.requests.count(method="POST", product="api")
    rig.poll(10)
    assert sim.requests.count(method="POST", product="api") == attempts
    assert "circuit breaker open" in (rig.heals()[0].reason or "")
    assert FIGHT in {f.rule for f in rig.poll(11).findings}


def test_a_verified_heal_resets_the_failure_count(sim, tmp_path):
    rig = Rig(sim, tmp_path, **armed(MESSAGE, max_failures=2))
    sid = rig.world.legacy_numbers[0]
    rig.poll(0)
    break_sms(rig.world, sid)
    rig.poll(1)
    sim.faults.add(Fault("500", product="api", path_regex=f"{sid}.json", method="POST", times=2))
    rig.poll(7)  # one failed heal (the client's two attempts both answered 500)
    assert records.breaker(rig.store, MESSAGE, sid).failures == 1
    rig.poll(8)
    assert [h.outcome for h in rig.heals()][:1] == ["applied"]
    assert records.breaker(rig.store, MESSAGE, sid).failures == 0


def test_flex_flow_fight_has_no_monitor_actor(sim, tmp_path):
    rig = Rig(sim, tmp_path, **armed(CHAT))
    world = rig.world
    flow = world.number_flex_flows[world.legacy_numbers[0]]
    rig.poll(0)
    world.set_flex_flow(flow, chat_service_sid="IS" + "3" * 32)
    rig.poll(1)
    rig.poll(7)
    rig.poll(8)
    world.set_flex_flow(flow, chat_service_sid="IS" + "3" * 32)
    rig.poll(9)
    breaker = records.breaker(rig.store, CHAT, flow)
    assert breaker.tripped and breaker.actor is None
    assert "Monitor Events do not record flex_flow changes" in (breaker.tripped_reason or "")


def test_fight_rule_is_one_finding_per_resource_and_silent_without_evidence():
    from tests.conftest import NOW
    from watchdog.model.snapshot import Snapshot
    from watchdog.rules.context import RuleContext
    from watchdog.rules.heal import fight_detected
    from watchdog.settings import Settings

    ctx = RuleContext(Snapshot("AC" + "0" * 32, NOW, {}), NOW, Settings())
    assert list(fight_detected(ctx)) == []
    actor = {"actor_type": "user", "actor_sid": "US1", "source": "web"}
    ctx.extra[FIGHT] = [
        {"rule": MESSAGE, "resource_type": "phone_number", "resource_sid": "PN1",
         "label": "+1 (PN1)", "reason": "fight: x", "actor": actor},
        {"rule": "numbers.proxy-registration-missing", "resource_type": "phone_number",
         "resource_sid": "PN1", "label": "+1 (PN1)", "reason": "3 failed heals in a row",
         "actor": None}]
    [hit] = fight_detected(ctx)
    assert (hit.resource_type, hit.resource_sid) == ("phone_number", "PN1")
    assert hit.details["actor"] == actor and len(hit.details["breakers"]) == 2
    assert "heal reset PN1" in hit.summary and "US1" in hit.summary


def test_a_re_created_proxy_service_after_a_heal_is_no_fight(sim, tmp_path):
    """Nobody touched the number: it still holds what the heal wrote, only the Flex Proxy
    Service it should point at was re-created. That is healed again (or refused), never a fight,
    and the watchdog's own write is never named as the actor."""
    rig = Rig(sim, tmp_path, **armed(MESSAGE))
    sid = rig.world.legacy_numbers[0]
    _healed_once(rig, sid)
    rig.at(20)
    rig.world.recreate_proxy_service()
    [grouped] = [f for f in rig.poll(20).findings if f.rule == MESSAGE]  # one for the cause
    assert {"type": "phone_number", "sid": sid} in grouped.details["affected"]
    for minutes in (21, 26, 27):
        result = rig.poll(minutes)
        assert FIGHT not in {f.rule for f in result.findings}
    breaker = records.breaker(rig.store, MESSAGE, sid)
    assert not breaker.tripped and breaker.actor is None
    assert not [h for h in rig.heals() if "fighting" in (h.reason or "")]
