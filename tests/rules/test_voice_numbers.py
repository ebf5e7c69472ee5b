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
