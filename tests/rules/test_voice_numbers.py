"""Voice-only Flex numbers: "A call comes in" runs a flow that hands calls to Flex, no messaging."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import NOW
from watchdog.model.topology import Topology
from watchdog.model.urls import flow_url


def _voice_only(world) -> str:
    voice = flow_url(world.account_sid, world.flows["Voice IVR"])
    return world.add_number("+15550009999", friendly_name="Support line", voice_url=voice,
                            voice_method="POST")


def test_voice_only_number_is_flex_and_clean(make_watcher, world):
    sid = _voice_only(world)
    result = make_watcher().poll(NOW)
    assert Topology(result.snapshot).stacks[sid] == "voice"
    assert result.findings == []


def test_overwritten_voice_webhook_on_a_voice_only_number_is_found(make_watcher, world):
    sid = _voice_only(world)
    watcher = make_watcher()
    watcher.poll(NOW)
    world.set_number(sid, voice_url="https://example.com/ivr")
    result = watcher.poll(NOW + timedelta(minutes=1))
    hits = [f for f in result.findings if f.resource_sid == sid]
    assert [f.rule for f in hits] == ["numbers.voice-webhook-overwritten"]
    assert not any(f.rule.startswith("numbers.message") for f in result.findings)


def test_a_number_on_an_unrelated_flow_is_not_flex(make_watcher, world):
    other = world.add_flow("Marketing IVR", {"description": "x", "states": [
        {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall"}],
         "properties": {"offset": {"x": 0, "y": 0}}}],
        "initial_state": "Trigger", "flags": {"allow_concurrent_calls": True}})
    sid = world.add_number("+15550008888", voice_url=flow_url(world.account_sid, other))
    result = make_watcher().poll(NOW)
    assert Topology(result.snapshot).stacks[sid] == "none"
    assert result.findings == []


def test_flows_are_parsed_once_per_revision_by_rules_and_both_topologies(make_watcher, world,
                                                                         monkeypatch):
    import watchdog.model.flowdef as flowdef
    import watchdog.rules.helpers as helpers

    sid = _voice_only(world)
    parsed: list[object] = []
    real = flowdef.parse

    def counting(definition):
        parsed.append(definition)
        return real(definition)

    monkeypatch.setattr(helpers, "parse", counting)
    monkeypatch.setattr(flowdef, "parse", counting)  # what a Topology parses alone
    watcher = make_watcher()
    first = watcher.poll(NOW)
    flows = len(first.snapshot.of_type("studio_flow"))
    assert 0 < len(parsed) <= flows, "at most once per flow, shared by the rules' topology"
    before = len(parsed)
    again = watcher.poll(NOW + timedelta(minutes=1))
    assert len(parsed) == before, "an unchanged flow is not parsed again in the next cycle"
    assert Topology(again.snapshot).stacks[sid] == "voice", "a Topology alone parses itself"
    assert len(parsed) > before


def test_stacks_are_reused_while_their_resources_are_the_same_and_derived_again_after(
        make_watcher, world):
    other = world.add_flow("Marketing IVR", {"description": "x", "states": [
        {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall"}],
         "properties": {"offset": {"x": 0, "y": 0}}}],
        "initial_state": "Trigger", "flags": {"allow_concurrent_calls": True}})
    sid = world.add_number("+15550008888", voice_url=flow_url(world.account_sid, other))
    watcher = make_watcher()
    watcher.poll(NOW)
    first = watcher.rule_memo.topology
    assert first is not None and first.stacks[sid] == "none"
    watcher.poll(NOW + timedelta(minutes=1))
    second = watcher.rule_memo.topology
    assert second is not first and second.stacks is first.stacks, "nothing changed: reused"
    assert second.previous is None, "no chain of old snapshots kept"
    # the number's own page is unchanged (the very same resource), its address is new
    world.add_address("sms", "+15550008888")
    result = watcher.poll(NOW + timedelta(minutes=2))
    third = watcher.rule_memo.topology
    assert third.stacks is not second.stacks
    assert third.stacks[sid] == "conversations" == Topology(result.snapshot).stacks[sid]
