"""Every simulator world traced: healthy worlds reach Flex everywhere; each hop kind, broken,
names the rule that explains it; a family that could not be read makes entry points unknown,
never broken."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.routes.support import chat_address, traced
from tests.rules.worlds import (
    sender_offline,
    unwire_conversation_trigger,
    workflow_of_another_workspace,
)
from watchdog.routes import EntryPoint, summarise
from watchdog.simulator import World, healthy_conversations, healthy_legacy, mixed


def with_chat(build: Callable[[], World]) -> Callable[[], World]:
    def make() -> World:
        world = build()
        chat_address(world)
        return world
    return make


WORLDS = {"healthy-legacy": healthy_legacy, "healthy-conversations": with_chat(healthy_conversations),
          "mixed": with_chat(mixed)}


def phone(world: World, sid: str) -> str:
    return str(world.number(sid)["phone_number"])


@pytest.mark.parametrize("name", sorted(WORLDS))
def test_a_healthy_world_traces_every_entry_point_ok(name, tmp_path):
    world = WORLDS[name]()
    points, _ = traced(world, tmp_path)
    assert points and {p.state for p in points} == {"ok"}
    ids = {p.id for p in points}
    for pn in world.flex_numbers:
        assert {f"voice:{phone(world, pn)}", f"sms:{phone(world, pn)}"} <= ids
    assert not any(phone(world, pn) in i for pn in world.other_numbers for i in ids)
    channels = {p.channel for p in points}
    assert channels == ({"voice", "sms", "web"} if name == "healthy-legacy" else
                        {"voice", "sms", "whatsapp", "chat"} if name == "healthy-conversations"
                        else {"voice", "sms", "whatsapp", "chat", "web"})
    for point in points:
        kinds = [h.kind for h in point.hops]
        assert kinds[-3:] == ["workflow", "task_channel", "task_queue"], point.id
        assert len(set(kinds)) == len(kinds)


@dataclass(frozen=True)
class Break:
    id: str
    world: Callable[[], World]
    act: Callable[[World], object]
    # entry point id -> (hop kind, rule) of its first broken hop; every other one stays ok
    broken: Callable[[World], dict[str, tuple[str, str]]]


def _each(ids: list[str], kind: str, rule: str) -> dict[str, tuple[str, str]]:
    return {i: (kind, rule) for i in ids}


def _numbers(w: World, channel: str, sids: list[str] | None = None) -> list[str]:
    return [f"{channel}:{phone(w, pn)}" for pn in (w.flex_numbers if sids is None else sids)]


def _webchat_flow_never_published(w: World) -> None:
    """The web Flex Flow moved onto a new flow that was never published."""
    flow = w.add_flow("Webchat Flow v2", {}, status="draft")
    w.store.flows[flow]["definition"] = None
    w.set_flex_flow(w.webchat_flex_flow_sid or "", flow_sid=flow)


BREAKS = [
    Break("voice-webhook-overwritten", healthy_legacy,
          lambda w: w.set_number(w.legacy_numbers[0], voice_url="https://example.com/ivr"),
          lambda w: _each(_numbers(w, "voice", w.legacy_numbers[:1]), "number",
                          "numbers.voice-webhook-overwritten")),
    Break("message-webhook-overwritten", healthy_legacy,
          lambda w: w.set_number(w.legacy_numbers[0], sms_url="https://example.com/bot"),
          lambda w: _each(_numbers(w, "sms", w.legacy_numbers[:1]), "number",
                          "numbers.message-webhook-overwritten")),
    Break("out-of-the-proxy-pool", healthy_legacy,
          lambda w: w.remove_from_proxy(w.legacy_numbers[1]),
          lambda w: _each(_numbers(w, "sms", w.legacy_numbers[1:2]), "proxy",
                          "numbers.proxy-registration-missing")),
    Break("proxy-deleted", healthy_legacy, lambda w: w.delete(w.flex_proxy_sid or ""),
          lambda w: _each(_numbers(w, "sms"), "proxy", "proxy.service-missing")),
    Break("flex-flow-deleted", healthy_legacy,
          lambda w: w.delete(w.number_flex_flows[w.legacy_numbers[0]]),
          lambda w: _each(_numbers(w, "sms", w.legacy_numbers[:1]), "flex_flow",
                          "numbers.flex-flow-missing")),
    Break("chat-service-deleted", healthy_legacy, lambda w: w.delete(w.chat_service_sid or ""),
          lambda w: _each(_numbers(w, "sms") + [f"web:{w.webchat_flex_flow_sid}"], "flex_flow",
                          "chat.service-missing")),
    Break("voice-ivr-deleted", healthy_legacy, lambda w: w.delete(w.flows["Voice IVR"]),
          lambda w: _each(_numbers(w, "voice"), "studio_flow", "numbers.voice-flow-missing")),
    Break("webchat-flow-deleted", healthy_legacy, lambda w: w.delete(w.flows["Webchat Flow"]),
          lambda w: {f"web:{w.webchat_flex_flow_sid}": ("studio_flow",
                                                        "flex.flow-studio-flow-missing")}),
    Break("conversation-trigger-unwired", with_chat(healthy_conversations),
          unwire_conversation_trigger("Messaging Flow"),
          lambda w: _each(_numbers(w, "sms") + [*w.whatsapp_senders]
                          + [f"chat:{a}" for a in _chat(w)], "trigger",
                          "studio.conversation-trigger-unwired")),
    Break("workflow-of-another-workspace", healthy_legacy, workflow_of_another_workspace,
          lambda w: _each(_numbers(w, "voice"), "workflow",
                          "studio.send-to-flex-workflow-invalid")),
    Break("voice-ivr-on-the-chat-channel", healthy_legacy,
          lambda w: w.edit_flow(w.flows["Voice IVR"], channel=w.task_channels["chat"]),
          lambda w: _each(_numbers(w, "voice"), "task_channel",
                          "studio.send-to-flex-channel-invalid")),
    Break("queue-deleted", mixed, lambda w: w.delete(w.taskqueue_sid or ""),
          lambda w: _each(_numbers(w, "voice") + _numbers(w, "sms") + [*w.whatsapp_senders]
                          + [f"web:{w.webchat_flex_flow_sid}"], "task_queue",
                          "taskrouter.workflow-queue-missing")),
    Break("sms-url-on-a-conversations-number", healthy_conversations,
          lambda w: w.set_number(w.conversations_numbers[0], sms_url="https://example.com/x"),
          lambda w: _each(_numbers(w, "sms", w.conversations_numbers[:1]), "number",
                          "numbers.message-webhook-set-on-conversations")),
    Break("whatsapp-sender-offline", healthy_conversations, sender_offline,
          lambda w: _each([*w.whatsapp_senders], "sender", "whatsapp.sender-offline")),
    Break("address-autocreation-off", healthy_conversations,
          lambda w: w.set_address(w.address_configs[w.conversations_numbers[0]], enabled=False),
          lambda w: _each(_numbers(w, "sms", w.conversations_numbers[:1]), "address",
                          "conversations.address-autocreation-disabled")),
    Break("address-deleted", healthy_conversations,
          lambda w: w.delete(w.address_configs[w.conversations_numbers[0]]),
          lambda w: _each(_numbers(w, "sms", w.conversations_numbers[:1]), "address",
                          "conversations.address-missing")),
    Break("webchat-flow-never-published", healthy_legacy, _webchat_flow_never_published,
          lambda w: {f"web:{w.webchat_flex_flow_sid}": ("studio_flow",
                                                        "studio.flow-unpublished")}),
    Break("default-service-deleted", with_chat(healthy_conversations),
          lambda w: w.delete(w.conversations_service_sid or ""),
          lambda w: _each(_numbers(w, "sms") + [*w.whatsapp_senders]
                          + [f"chat:{a}" for a in _chat(w)], "conversations_service",
                          "conversations.default-service-missing")),
]


def _chat(w: World) -> list[str]:
    return [sid for sid, a in w.store.addresses.items() if a["type"] == "chat"]


def _first_broken(point: EntryPoint) -> tuple[str, str | None]:
    hop = next(h for h in point.hops if h.state == "broken")
    return hop.kind, hop.rule


@pytest.mark.parametrize("case", BREAKS, ids=[b.id for b in BREAKS])
def test_a_broken_hop_names_the_rule_that_explains_it(case, tmp_path):
    world = case.world()
    points, result = traced(world, tmp_path, case.act)
    expected = case.broken(world)
    got = {p.id: _first_broken(p) for p in points if p.state == "broken"}
    assert got == expected
    assert {p.state for p in points if p.id not in expected} <= {"ok"}
    findings = {f.id for f in result.evaluation.findings}
    for point in points:
        assert set(point.findings) <= findings
        assert all(h.finding for h in point.hops if h.state == "broken"), point.id


UNKNOWN = {  # a family that cannot be read, and a break inside it that it must not report
    "studio": lambda w: w.delete(w.flows["Voice IVR"]),
    "taskrouter": lambda w: w.delete(w.taskqueue_sid or ""),
    "numbers": lambda w: w.set_number(w.legacy_numbers[0], sms_url="https://example.com/bot"),
    "conversations": lambda w: w.set_address(w.address_configs[w.conversations_numbers[0]],
                                             enabled=False),
    "whatsapp": sender_offline,
    "proxy": lambda w: w.remove_from_proxy(w.legacy_numbers[0]),
}


@pytest.mark.parametrize("family", sorted(UNKNOWN))
def test_an_unknown_family_makes_entry_points_unknown_never_broken(family, tmp_path):
    healthy, _ = traced(with_chat(mixed)(), tmp_path / "a")
    points, result = traced(with_chat(mixed)(), tmp_path / "b", UNKNOWN[family], fail=family)
    assert family in {s.family for s in result.unknown}
    assert {p.id for p in points} == {p.id for p in healthy}, "the baseline keeps them listed"
    states = {p.id: p.state for p in points}
    assert "broken" not in states.values()
    assert "unknown" in states.values()
    for point in points:
        unknown = [h for h in point.hops if h.state == "unknown"]
        assert point.state == ("unknown" if unknown else "ok")
        assert not unknown or point.hops[-1] is unknown[0], "the route stops where it is unknown"


def test_summary_counts_every_channel_and_state(tmp_path):
    world = healthy_legacy()
    points, _ = traced(world, tmp_path,
                       lambda w: w.set_number(w.legacy_numbers[0], sms_url="https://x.example"))
    summary = summarise(points)
    assert summary["total"] == len(points) == 7
    assert (summary["ok"], summary["broken"], summary["unknown"]) == (6, 1, 0)
    assert summary["by_channel"]["sms"] == {"ok": 2, "broken": 1, "unknown": 0}
    assert summary["by_channel"]["whatsapp"] == {"ok": 0, "broken": 0, "unknown": 0}


def test_a_broken_structure_no_rule_reports_is_broken_without_a_finding(tmp_path):
    world = healthy_legacy()
    rule = "numbers.message-webhook-overwritten"
    points, result = traced(world, tmp_path,
                            lambda w: w.set_number(w.legacy_numbers[0], sms_url="https://x.example"),
                            settings={"rules": {rule: {"enabled": False}}})
    assert rule not in {f.rule for f in result.findings}
    [point] = [p for p in points if p.state == "broken"]
    assert point.hops[0].kind == "number" and point.hops[0].finding is None
    assert point.findings == ()


def test_a_voice_only_number_whose_calls_are_repointed_stays_listed(tmp_path):
    world = healthy_legacy()
    number = world.legacy_numbers[0]

    def act(w: World) -> None:  # structure gone (pool and Flex Flow), calls sent elsewhere
        w.remove_from_proxy(number)
        w.delete(w.number_flex_flows[number])
        w.set_number(number, sms_url="", voice_url="https://example.com/ivr")

    points, _ = traced(world, tmp_path, act)
    voice = next(p for p in points if p.id == f"voice:{phone(world, number)}")
    assert voice.state == "broken" and voice.hops[0].rule == "numbers.voice-webhook-overwritten"
