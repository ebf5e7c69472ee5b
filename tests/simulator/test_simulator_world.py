"""The simulator's worlds without HTTP: builders' shape, determinism, breaks and repairs."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from watchdog.simulator import (
    WORLDS,
    World,
    healthy_conversations,
    healthy_legacy,
    large,
    mixed,
)
from watchdog.simulator.records import flow_webhook_url, proxy_webhook_url
from watchdog.simulator.studio import find_revision

SID = re.compile(r"^[A-Z]{2}[0-9a-f]{32}$")


def send_to_flex(world: World, flow: str) -> tuple[str, dict[str, Any]]:
    """(trigger event wired to the widget, widget properties) of a flow's Send to Flex."""
    definition = world.store.flows[world.flows[flow]]["definition"]
    states = {state["name"]: state for state in definition["states"]}
    widget = next(state for state in states.values() if state["type"] == "send-to-flex")
    trigger = states[definition["initial_state"]]
    event = next(t["event"] for t in trigger["transitions"] if t.get("next") == widget["name"])
    return event, widget["properties"]


def test_healthy_legacy_wiring() -> None:
    world = healthy_legacy()
    config = world.store.configuration or {}
    assert config["chat_service_instance_sid"] == world.chat_service_sid
    assert config["taskrouter_workspace_sid"] == world.workspace_sid
    assert config["taskrouter_target_workflow_sid"] == world.workflow_sid
    assert world.store.chat_services[world.chat_service_sid or ""]["friendly_name"] == (
        "Flex Chat Service")
    assert world.store.workspaces[world.workspace_sid or ""]["friendly_name"] == (
        "Flex Task Assignment")
    proxy = world.store.proxy_services[world.flex_proxy_sid or ""]
    assert (proxy["unique_name"], proxy["chat_instance_sid"]) == (
        "Flex Proxy Service", world.chat_service_sid)
    assert set(world.task_channels) == {"default", "voice", "chat", "sms", "video", "email"}
    assert len(world.flex_numbers) == 3 and len(world.other_numbers) == 1
    assert world.proxy_pool() == world.flex_numbers
    ivr = flow_webhook_url(world.account_sid, world.flows["Voice IVR"])
    for pn in world.flex_numbers:
        number = world.number(pn)
        assert (number["voice_url"], number["voice_method"]) == (ivr, "POST")
        assert number["sms_url"] == proxy_webhook_url(world.account_sid, world.flex_proxy_sid or "")
        assert number["sms_method"] == "POST"
        flex_flow = world.store.flex_flows[world.number_flex_flows[pn]]
        assert (flex_flow["channel_type"], flex_flow["contact_identity"]) == (
            "sms", number["phone_number"])
        assert flex_flow["chat_service_sid"] == world.chat_service_sid
        assert flex_flow["integration"]["flow_sid"] == world.flows["Messaging Flow"]
    webchat = world.store.flex_flows[world.webchat_flex_flow_sid or ""]
    assert (webchat["channel_type"], webchat["integration"]["flow_sid"]) == (
        "web", world.flows["Webchat Flow"])
    other = world.number(world.other_numbers[0])
    assert other["sms_url"].startswith("https://example.com/")


def test_healthy_legacy_flows() -> None:
    world = healthy_legacy()
    event, props = send_to_flex(world, "Voice IVR")
    assert event == "incomingCall"
    assert (props["workflow"], props["channel"]) == (world.workflow_sid,
                                                     world.task_channels["voice"])
    assert json.loads(props["attributes"]) == {"type": "inbound", "name": "{{trigger.call.From}}"}
    for name in ("Messaging Flow", "Webchat Flow"):
        event, props = send_to_flex(world, name)
        assert event == "incomingMessage"
        assert (props["workflow"], props["channel"]) == (world.workflow_sid,
                                                         world.task_channels["chat"])
        assert json.loads(props["attributes"])["channelSid"] == "{{trigger.message.ChannelSid}}"
    for sid in world.flows.values():
        flow = world.store.flows[sid]
        assert (flow["status"], flow["revision"]) == ("published", 1)
        assert flow["definition"]["flags"] == {"allow_concurrent_calls": True}


def test_healthy_conversations_wiring() -> None:
    world = healthy_conversations()
    config = world.store.configuration or {}
    assert config["flex_service_instance_sid"] == world.conversations_service_sid
    assert world.flex_proxy_sid is None and not world.store.proxy_services
    assert not world.store.flex_flows and not world.store.chat_services
    assert send_to_flex(world, "Messaging Flow")[0] == "incomingConversationMessage"
    for pn in world.flex_numbers:
        number = world.number(pn)
        assert number["sms_url"] == "" and number["voice_url"].endswith(world.flows["Voice IVR"])
        address = world.store.addresses[world.address_configs[pn]]
        assert (address["type"], address["address"]) == ("sms", number["phone_number"])
        assert address["auto_creation"] == {
            "enabled": True, "type": "studio",
            "conversation_service_sid": world.conversations_service_sid,
            "studio_flow_sid": world.flows["Messaging Flow"], "studio_retry_count": 3}


def test_mixed_has_disjoint_stacks() -> None:
    world = mixed()
    legacy, conv = set(world.legacy_numbers), set(world.conversations_numbers)
    assert legacy and conv and not legacy & conv
    assert legacy == set(world.number_flex_flows) == set(world.proxy_pool())
    assert conv == set(world.address_configs)
    for pn in conv:
        assert world.number(pn)["sms_url"] == ""
    config = world.store.configuration or {}
    assert config["chat_service_instance_sid"] == world.chat_service_sid
    assert config["flex_service_instance_sid"] == world.conversations_service_sid


def test_sids_are_deterministic_and_well_formed() -> None:
    first, again, other = healthy_legacy(seed=7), healthy_legacy(seed=7), healthy_legacy(seed=8)
    assert first.account_sid == again.account_sid and first.flows == again.flows
    assert first.account_sid != other.account_sid
    sids = [first.account_sid, first.api_key_sid, first.user_sid, *first.flows.values(),
            *first.store.numbers, *first.store.flex_flows, *first.task_channels.values()]
    assert all(SID.match(sid) for sid in sids)
    assert len(set(sids)) == len(sids)
    assert re.fullmatch(r"[0-9a-f]{32}", first.auth_token)
    assert set(WORLDS) == {"healthy-legacy", "healthy-conversations", "mixed"}
    assert all(WORLDS[name]().name == name for name in WORLDS)


def test_large_builds_fast() -> None:
    started = time.perf_counter()
    world = large(numbers=10_000, studio_flows=40, flex_flows=2_500)
    assert time.perf_counter() - started < 2
    assert len(world.store.numbers) == 10_000 and len(world.store.flows) == 40
    assert len(world.store.flex_flows) == 2_500 and len(world.flex_numbers) == 2_499
    assert len(world.proxy_pool()) == 2_499
    with pytest.raises(ValueError):
        large(numbers=1, studio_flows=2, flex_flows=1)


def test_dates_use_each_api_format_and_the_world_clock() -> None:
    world = healthy_legacy()
    assert world.number(world.flex_numbers[0])["date_created"] == "Mon, 05 Jan 2026 10:00:00 +0000"
    assert world.store.flows[world.flows["Voice IVR"]]["date_created"] == "2026-01-05T10:00:00Z"
    world.clock = lambda: datetime(2026, 2, 1, 12, 30, tzinfo=UTC)
    world.set_number(world.flex_numbers[0], sms_url="https://example.com/x")
    assert world.events()[-1]["event_date"] == "2026-02-01T12:30:00Z"
    assert world.number(world.flex_numbers[0])["date_updated"] == (
        "Sun, 01 Feb 2026 12:30:00 +0000")


# -- break operations ------------------------------------------------------------------------------
def test_set_number_logs_a_console_event() -> None:
    world = healthy_legacy()
    pn = world.flex_numbers[0]
    world.set_number(pn, sms_url="https://example.com/other")
    (event,) = world.events()
    assert (event["event_type"], event["resource_sid"], event["source"]) == (
        "phone-number.updated", pn, "web")
    assert (event["actor_type"], event["actor_sid"]) == ("user", world.user_sid)
    assert event["event_data"]["resource_properties"]["sms_url"]["updated"] == (
        "https://example.com/other")
    world.set_number(pn, source="api", voice_url="")
    assert world.events()[-1]["actor_sid"] == world.account_sid


def test_flow_edits_make_revisions_without_events() -> None:
    world = healthy_legacy()
    sid = world.flows["Voice IVR"]
    world.unpublish_flow(sid)
    revisions = world.store.revisions[sid]
    assert world.store.flows[sid]["status"] == "draft"
    assert (find_revision(revisions, "LatestPublished") or {})["revision"] == 1
    world.edit_flow(sid, channel=world.task_channels["default"])
    assert send_to_flex(world, "Voice IVR")[1]["channel"] == world.task_channels["default"]
    assert (find_revision(revisions, "LatestPublished") or {})["revision"] == 3
    world.edit_flow(sid, workflow="WW" + "0" * 32, attributes={"type": "x"}, publish=False)
    props = send_to_flex(world, "Voice IVR")[1]
    assert props["workflow"] == "WW" + "0" * 32 and json.loads(props["attributes"]) == {
        "type": "x"}
    assert (find_revision(revisions, "LatestPublished") or {})["revision"] == 3
    assert world.events() == []  # Twilio documents no Monitor events for Studio


def test_other_breaks() -> None:
    world = healthy_legacy()
    pn = world.flex_numbers[0]
    world.remove_from_proxy(pn)
    assert pn not in world.proxy_pool()
    fo = world.number_flex_flows[world.flex_numbers[1]]
    world.set_flex_flow(fo, chat_service_sid="IS" + "1" * 32, flow_sid="FW" + "2" * 32)
    changed = world.store.flex_flows[fo]
    assert changed["chat_service_sid"] == "IS" + "1" * 32
    assert changed["integration"] == {"flow_sid": "FW" + "2" * 32, "retry_count": 3}
    copy_sid = world.duplicate_flow("Messaging Flow")
    names = [flow["friendly_name"] for flow in world.store.flows.values()]
    assert names.count("Messaging Flow") == 2 and copy_sid != world.flows["Messaging Flow"]
    world.set_proxy_service(world.flex_proxy_sid or "", chat_instance_sid=None)
    assert world.store.proxy_services[world.flex_proxy_sid or ""]["chat_instance_sid"] is None
    conv = healthy_conversations()
    ig = conv.address_configs[conv.flex_numbers[0]]
    conv.set_address(ig, enabled=False)
    assert conv.store.addresses[ig]["auto_creation"]["enabled"] is False
    alert = world.add_alert(45205, resource_sid=fo, alert_text="Flex Flow not found")
    world.delete(alert)
    assert world.store.alerts == []


@pytest.mark.parametrize("what", ["number", "flex_flow", "chat", "proxy", "workspace",
                                  "workflow", "channel", "flow", "address", "conversations"])
def test_delete_any_resource(what: str) -> None:
    world = mixed()
    sid = {
        "number": world.flex_numbers[0], "flex_flow": world.webchat_flex_flow_sid,
        "chat": world.chat_service_sid, "proxy": world.flex_proxy_sid,
        "workspace": world.workspace_sid, "workflow": world.workflow_sid,
        "channel": world.task_channels["chat"], "flow": world.flows["Voice IVR"],
        "address": world.address_configs[world.conversations_numbers[0]],
        "conversations": world.conversations_service_sid,
    }[what] or ""
    world.delete(sid)
    s = world.store
    everything = [*s.numbers, *s.flex_flows, *s.chat_services, *s.proxy_services,
                  *s.workspaces, *s.flows, *s.addresses, *s.conversations_services,
                  *(sid for children in s.workflows.values() for sid in children),
                  *(sid for children in s.task_channels.values() for sid in children)]
    assert sid not in everything
    if what == "workspace":
        assert world.workflow_sid not in everything and not s.task_channels
    if what == "number":
        assert world.events()[-1]["event_type"] == "phone-number.deleted"
    with pytest.raises(KeyError):
        world.delete(sid)


# -- repairs the recovery guide describes ----------------------------------------------------------
def test_recreate_chat_service() -> None:
    world = healthy_legacy()
    old = world.chat_service_sid
    new = world.recreate_chat_service()
    assert new != old and world.chat_service_sid == new and old not in world.store.chat_services
    assert (world.store.configuration or {})["chat_service_instance_sid"] == new
    assert all(ff["chat_service_sid"] == old for ff in world.store.flex_flows.values())


def test_recreate_workspace_leaves_flows_pointing_at_the_old_one() -> None:
    world = healthy_legacy()
    old_workflow, old_voice = world.workflow_sid, world.task_channels["voice"]
    world.recreate_workspace()
    assert world.workflow_sid != old_workflow and world.task_channels["voice"] != old_voice
    assert (world.store.configuration or {})["taskrouter_target_workflow_sid"] == (
        world.workflow_sid)
    assert send_to_flex(world, "Voice IVR")[1]["workflow"] == old_workflow


def test_recreate_proxy_service_like_system_checkup() -> None:
    world = healthy_legacy()
    old = world.flex_proxy_sid
    result = world.recreate_proxy_service()
    assert result.proxy_sid == world.flex_proxy_sid != old and world.proxy_pool() == []
    names = [flow["friendly_name"] for flow in world.store.flows.values()]
    assert names.count("Messaging Flow") == 2 and names.count("Webchat Flow") == 2
    new_flex_flow = world.store.flex_flows[result.webchat_flex_flow_sid]
    assert new_flex_flow["integration"]["flow_sid"] == result.webchat_flow_sid
    stale = world.number(world.flex_numbers[0])["sms_url"]
    assert old is not None and old in stale  # numbers still point at the deleted service


def test_break_methods_refuse_unknown_fields() -> None:
    world = healthy_legacy()
    with pytest.raises(ValueError):
        world.set_number(world.flex_numbers[0], smsurl="https://example.com/typo")
    with pytest.raises(ValueError):
        world.set_flex_flow(world.webchat_flex_flow_sid or "", chat_service="IS" + "0" * 32)
    with pytest.raises(ValueError):
        world.set_configuration(chat_service_sid="IS" + "0" * 32)
    assert world.events() == []
