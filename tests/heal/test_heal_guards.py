"""Every guard, against the simulator: nothing is written unless it is safe."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.heal.support import MESSAGE, NUMBER_POST, VOICE, Rig, armed, break_sms, open_rules
from watchdog.simulator import Fault, SimulatorServer, mixed
from watchdog.simulator.records import proxy_webhook_url


def _broken_and_due(rig: Rig, *numbers: str) -> None:
    rig.poll(0)
    for sid in numbers:
        break_sms(rig.world, sid)
    rig.poll(1)


def test_global_switch_off_records_a_dry_run_and_writes_nothing(sim, tmp_path):
    rig = Rig(sim, tmp_path)  # shipped defaults: autoheal armed for MESSAGE, healing.enabled off
    sid = rig.world.legacy_numbers[0]
    _broken_and_due(rig, sid)
    for minute in (7, 8, 9):
        rig.poll(minute)
    assert rig.writes() == 0
    [dry] = rig.heals()
    assert (dry.outcome, dry.reason, dry.resource_sid) == ("dry_run", "healing.enabled is false",
                                                          sid)
    assert dry.request and dry.request["request"]["form"]["SmsMethod"] == "POST"
    assert rig.counted(MESSAGE, "dry_run") == 1, "the same dry run is recorded once, not per poll"


def test_rule_toggle_off_writes_nothing(sim, tmp_path):
    rig = Rig(sim, tmp_path, healing={"enabled": True}, rules={MESSAGE: {"autoheal": False}})
    _broken_and_due(rig, rig.world.legacy_numbers[0])
    rig.poll(7)
    assert rig.writes() == 0
    assert [(h.outcome, h.reason) for h in rig.heals()] == [
        ("dry_run", f"rules.{MESSAGE}.autoheal is false")]


def test_unknown_family_refuses_and_keeps_the_finding(sim, tmp_path):
    rig = Rig(sim, tmp_path, **armed(MESSAGE))
    sid = rig.world.legacy_numbers[0]
    _broken_and_due(rig, sid)
    sim.faults.add(Fault("500", product="conversations", path_regex="Addresses"))
    result = rig.poll(7)
    assert [s.family for s in result.unknown] == ["conversations"]
    assert rig.writes() == 0
    [refused] = rig.heals()
    assert refused.outcome == "refused" and "conversations" in (refused.reason or "")
    assert (MESSAGE, sid) in open_rules(rig), "unknown is not recovery"
    sim.faults.clear()
    rig.poll(8)
    assert rig.writes(NUMBER_POST) == 1


def test_families_the_cycle_did_not_refresh_are_fetched_before_healing(sim, tmp_path):
    rig = Rig(sim, tmp_path, **armed(MESSAGE))
    sid = rig.world.legacy_numbers[0]
    _broken_and_due(rig, sid)
    sim.reset_counts()
    rig.poll(7, families=("numbers",))
    fetched = {t for (m, _, t), n in sim.requests.by_template().items() if m == "GET"}
    assert "/v1/Configuration/Addresses" in fetched and "/v1/FlexFlows" in fetched
    assert rig.writes(NUMBER_POST) == 1


def test_top_up_failure_refuses(sim, tmp_path):
    rig = Rig(sim, tmp_path, **armed(MESSAGE))
    _broken_and_due(rig, rig.world.legacy_numbers[0])
    sim.faults.add(Fault("503", product="flex-api", path_regex="/v1/FlexFlows"))
    rig.poll(7, families=("numbers",))
    assert rig.writes() == 0
    assert "flex_flows" in (rig.heals("refused")[0].reason or "")


def test_conversations_number_is_never_written_in_a_mixed_world(tmp_path):
    world = mixed()
    with SimulatorServer(world) as server:
        rig = Rig(server, tmp_path, **armed())
        rig.poll(0)
        conv = world.conversations_numbers[0]
        break_sms(world, conv)
        for minute in (1, 7, 8):
            result = rig.poll(minute)
        assert rig.writes() == 0
        assert {f.rule for f in result.findings} == {"numbers.message-webhook-set-on-conversations"}
        # even a finding that claims otherwise is refused by the healer's own stack check
        legacy_like = replace(next(f for f in result.findings), rule=MESSAGE, healable=True)
        [item] = rig.run(result, "apply", [legacy_like])
        assert item.outcome == "refused" and "Conversations address" in (item.reason or "")
        assert rig.writes() == 0


def test_grace_period_waits_and_is_not_a_heal(sim, tmp_path):
    rig = Rig(sim, tmp_path, **armed(MESSAGE, grace_seconds=300))
    _broken_and_due(rig, rig.world.legacy_numbers[0])
    rig.poll(5.9)  # first seen at minute 1: 4.9 min old
    assert rig.writes() == 0 and rig.heals() == []
    rig.poll(6.1)
    assert rig.writes(NUMBER_POST) == 1


def test_budget_limits_writes_per_cycle(sim, tmp_path):
    rig = Rig(sim, tmp_path, **armed(MESSAGE, max_per_cycle=1, max_broken_fraction=1.0))
    first, second = rig.world.legacy_numbers[:2]
    _broken_and_due(rig, first, second)
    rig.poll(7)
    assert rig.writes(NUMBER_POST) == 1
    refused = rig.heals("refused")
    assert [h.resource_sid for h in refused] == [second]
    assert "healing.max_per_cycle" in (refused[0].reason or "")
    rig.poll(8)
    assert rig.writes(NUMBER_POST) == 2
    assert rig.world.number(second)["sms_url"] == rig.world.number(first)["sms_url"]


def test_blast_radius_refuses_every_heal_of_the_rule(sim, tmp_path):
    rig = Rig(sim, tmp_path, **armed(MESSAGE))  # 2 of 3 legacy numbers > 20 %
    numbers = rig.world.legacy_numbers[:2]
    _broken_and_due(rig, *numbers)
    rig.poll(7)
    assert rig.writes() == 0
    refused = rig.heals("refused")
    assert sorted(h.resource_sid for h in refused) == sorted(numbers)
    assert all("2 of 3" in (h.reason or "") and "paging" in (h.reason or "") for h in refused)
    assert {(MESSAGE, n) for n in numbers} <= open_rules(rig)
    assert rig.counted(MESSAGE, "refused") == 2


def test_resource_changed_between_snapshot_and_write_is_skipped(sim, tmp_path):
    rig = Rig(sim, tmp_path, **armed(MESSAGE, grace_seconds=0))
    sid = rig.world.legacy_numbers[0]
    rig.watcher.listeners.clear()  # snapshots, without the auto-healer's pass (grace 0: now)
    _broken_and_due(rig, sid)
    result = rig.poll(7)
    rig.world.set_number(sid, sms_url="https://example.com/someone-else")
    [item] = rig.run(result, "apply")
    assert item.outcome == "refused" and "changed since the snapshot (sms_url)" in str(item.reason)
    assert rig.writes() == 0
    assert rig.world.number(sid)["sms_url"] == "https://example.com/someone-else"


def test_already_correct_is_a_noop_without_a_write(sim, tmp_path):
    rig = Rig(sim, tmp_path, **armed(MESSAGE, grace_seconds=0))
    world = rig.world
    sid = world.legacy_numbers[0]
    rig.watcher.listeners.clear()
    _broken_and_due(rig, sid)
    result = rig.poll(7)
    world.set_number(sid, sms_url=proxy_webhook_url(world.account_sid, world.flex_proxy_sid or ""))
    [item] = rig.run(result, "apply")
    assert item.outcome == "noop" and rig.writes() == 0
    assert rig.counted(MESSAGE, "noop") == 1


def test_twiml_app_on_the_number_is_left_to_a_human(sim, tmp_path):
    rig = Rig(sim, tmp_path, **armed(MESSAGE))
    sid = rig.world.legacy_numbers[0]
    rig.poll(0)
    rig.world.set_number(sid, sms_application_sid="AP" + "2" * 32)
    rig.poll(1)
    rig.poll(7)
    assert rig.writes() == 0
    assert "TwiML App" in (rig.heals("refused")[0].reason or "")


def test_voice_heal_refused_when_the_baseline_flow_is_gone(sim, tmp_path):
    rig = Rig(sim, tmp_path, **armed(VOICE))
    world = rig.world
    rig.poll(0)
    sid = world.legacy_numbers[0]
    world.set_number(sid, voice_url="https://example.com/voice")
    world.delete(world.flows["Voice IVR"])
    rig.poll(1)
    rig.poll(7)
    assert rig.writes() == 0
    assert any(h.rule == VOICE and "no single Studio flow" in (h.reason or "")
               for h in rig.heals("refused"))


@pytest.mark.parametrize("mode", ["plan", "apply"])
def test_disabled_rule_is_never_healed(sim, tmp_path, mode):
    rig = Rig(sim, tmp_path, rules={MESSAGE: {"enabled": False}})
    _broken_and_due(rig, rig.world.legacy_numbers[0])
    result = rig.poll(7)
    assert MESSAGE not in {f.rule for f in result.findings}
    assert rig.run(result, mode) == [] and rig.writes() == 0


def test_a_finding_that_comes_back_gets_a_new_dry_run_record(sim, tmp_path):
    rig = Rig(sim, tmp_path)
    world, sid = rig.world, rig.world.legacy_numbers[0]
    _broken_and_due(rig, sid)
    rig.poll(7)
    world.set_number(sid, sms_url=proxy_webhook_url(world.account_sid, world.flex_proxy_sid or ""))
    rig.poll(8)
    break_sms(world, sid)
    rig.poll(9)
    rig.poll(15)
    rig.poll(16)
    assert [h.outcome for h in rig.heals()] == ["dry_run", "dry_run"]
