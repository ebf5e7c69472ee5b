"""Each healer fixes its simulated world through the real SDK; the finding clears next cycle."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.heal.support import (
    CHAT,
    FLEX_FLOW_POST,
    MESSAGE,
    NUMBER_POST,
    POOL,
    POOL_POST,
    VOICE,
    Rig,
    armed,
    open_rules,
)
from watchdog.simulator import World
from watchdog.simulator.records import flow_webhook_url, proxy_webhook_url


@dataclass(frozen=True)
class Case:
    rule: str
    breaks: Callable[[World], str]  # breaks the world, returns the resource healed
    healed: Callable[[World, str], bool]
    post: tuple[str, str, str]


def _sms(world: World) -> str:
    sid = world.legacy_numbers[0]
    world.set_number(sid, sms_url="https://example.com/sms", sms_method="GET")
    return sid


def _voice(world: World) -> str:
    sid = world.legacy_numbers[1]
    world.set_number(sid, voice_url="https://example.com/voice")
    return sid


def _chat(world: World) -> str:
    sid = world.number_flex_flows[world.legacy_numbers[2]]
    world.set_flex_flow(sid, chat_service_sid="IS" + "0" * 32)
    return sid


def _pool(world: World) -> str:
    sid = world.legacy_numbers[0]
    world.remove_from_proxy(sid)
    return sid


CASES = [
    pytest.param(Case(MESSAGE, _sms, lambda w, s: w.number(s)["sms_url"] == proxy_webhook_url(
        w.account_sid, w.flex_proxy_sid or "") and w.number(s)["sms_method"] == "POST",
        NUMBER_POST), id="message-webhook"),
    pytest.param(Case(VOICE, _voice, lambda w, s: w.number(s)["voice_url"] == flow_webhook_url(
        w.account_sid, w.flows["Voice IVR"]), NUMBER_POST), id="voice-webhook"),
    pytest.param(Case(CHAT, _chat, lambda w, s: w.store.flex_flows[s]["chat_service_sid"]
                      == w.chat_service_sid, FLEX_FLOW_POST), id="flow-chat-service"),
    pytest.param(Case(POOL, _pool, lambda w, s: s in w.proxy_pool(), POOL_POST),
                 id="proxy-registration"),
]


@pytest.mark.parametrize("case", CASES)
def test_healer_fixes_its_world_and_the_finding_clears(sim, tmp_path, case: Case):
    rig = Rig(sim, tmp_path, **armed(case.rule))
    rig.poll(0)  # healthy: the baseline is adopted
    sid = case.breaks(rig.world)
    first = rig.poll(1)
    assert case.rule in {f.rule for f in first.findings}
    assert rig.writes() == 0, "inside the grace period nothing is written"
    rig.poll(7)
    assert case.healed(rig.world, sid)
    assert rig.writes(case.post) == 1 and rig.writes() == 1
    applied = rig.heals("applied")
    assert [(h.rule, h.resource_sid) for h in applied] == [(case.rule, sid)]
    assert applied[0].after and applied[0].reason == "verified"
    assert rig.counted(case.rule, "applied") == 1
    assert len(rig.changes) == 1 and case.rule in rig.changes[0][0]
    after = rig.poll(8)
    assert case.rule not in {f.rule for f in after.findings}
    assert not {r for r, _ in open_rules(rig)} & {case.rule}
    assert rig.writes() == 1, "a healed resource is not written again"


def test_applied_heal_is_one_json_log_line_with_before_and_after(sim, tmp_path, caplog):
    rig = Rig(sim, tmp_path, **armed(MESSAGE))
    rig.poll(0)
    sid = _sms(rig.world)
    rig.poll(1)
    with caplog.at_level(logging.INFO, logger="watchdog.healing"):
        rig.poll(7)
    lines = [r.getMessage() for r in caplog.records if r.name == "watchdog.healing"]
    assert len(lines) == 1 and lines[0].startswith("heal {")
    entry = json.loads(lines[0].removeprefix("heal "))
    assert entry["outcome"] == "applied" and entry["resource_sid"] == sid
    assert entry["before"]["sms_url"] == "https://example.com/sms"
    assert entry["before"]["sms_method"] == "GET"
    assert entry["after"]["sms_url"].endswith("/Webhooks/Message")
    assert entry["request"]["form"] == {"SmsUrl": entry["after"]["sms_url"], "SmsMethod": "POST"}
    assert rig.world.auth_token not in lines[0]


def test_change_event_names_the_rule_the_resource_and_the_diff(sim, tmp_path):
    rig = Rig(sim, tmp_path, **armed(MESSAGE))
    rig.poll(0)
    sid = _sms(rig.world)
    rig.poll(1)
    rig.poll(7)
    [(summary, details, links)] = rig.changes
    assert sid in summary and MESSAGE in summary
    assert details["resource_sid"] == sid
    assert {d["field"] for d in details["diff"]} == {"sms_url", "sms_method"}
    assert links and links[0]["href"].endswith("#numbers-message-webhook-overwritten")


def test_failing_change_event_does_not_undo_a_verified_heal(sim, tmp_path):
    rig = Rig(sim, tmp_path, **armed(MESSAGE))
    rig.healer.session.journal.on_change = lambda *a: (_ for _ in ()).throw(RuntimeError("pd"))
    rig.poll(0)
    _sms(rig.world)
    rig.poll(1)
    rig.poll(7)
    assert [h.outcome for h in rig.heals()] == ["applied"]


def test_flow_chat_service_finding_heals_each_flow_it_lists(sim, tmp_path):
    rig = Rig(sim, tmp_path, **armed(CHAT, max_broken_fraction=1.0))
    world = rig.world
    rig.poll(0)
    flows = [world.number_flex_flows[n] for n in world.legacy_numbers[:2]]
    for sid in flows:
        world.set_flex_flow(sid, chat_service_sid="IS" + "1" * 32)
    assert len([f for f in rig.poll(1).findings if f.rule == CHAT]) == 1
    rig.poll(7)
    assert rig.writes(FLEX_FLOW_POST) == 2
    assert sorted(h.resource_sid for h in rig.heals("applied")) == sorted(flows)
    assert CHAT not in {f.rule for f in rig.poll(8).findings}


def test_a_re_created_proxy_service_finding_heals_every_number_it_lists(sim, tmp_path):
    """One finding for the cause (the deleted Proxy Service), one SmsUrl write per number."""
    rig = Rig(sim, tmp_path, **armed(MESSAGE, max_broken_fraction=1.0))
    world = rig.world
    rig.poll(0)
    old, numbers = world.flex_proxy_sid, list(world.legacy_numbers)
    world.recreate_proxy_service()
    [grouped] = [f for f in rig.poll(1).findings if f.rule == MESSAGE]
    assert grouped.resource_sid == old
    rig.poll(7)
    assert rig.writes(NUMBER_POST) == len(numbers) == 3
    assert sorted(h.resource_sid for h in rig.heals("applied")) == sorted(numbers)
    for sid in numbers:
        assert world.number(sid)["sms_url"] == proxy_webhook_url(world.account_sid,
                                                                 world.flex_proxy_sid or "")
    assert MESSAGE not in {f.rule for f in rig.poll(8).findings}


def test_every_healable_rule_has_one_healer_reading_at_least_the_rules_families():
    from watchdog.healing.healers import all_healers
    from watchdog.model.snapshot import FAMILIES
    from watchdog.rules.registry import all_rules

    rules, healers = all_rules(), all_healers()
    assert {r.id for r in rules.values() if r.healable} == set(healers)
    for rule_id, healer in healers.items():
        assert set(rules[rule_id].families) <= set(healer.families) <= set(FAMILIES), rule_id
