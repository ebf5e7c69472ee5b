"""The Studio flow definition parser: real exports, malformed input, and property tests."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from watchdog.model.flowdef import FlowDefError, attribute, parse
from watchdog.model.snapshot import Resource
from watchdog.model.urls import classify, flow_url, proxy_message_url
from watchdog.rules.send_to_flex import check_widget

FLOWS = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "studio-flows"


def reference_flows() -> list[Path]:
    if not FLOWS.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{FLOWS} is missing (reference Studio flow exports)")
        pytest.skip(f"{FLOWS} is not available")
    return sorted(FLOWS.glob("*.json"))


def load(name: str) -> str:
    path = FLOWS / name
    if not path.is_file():
        reference_flows()
        pytest.skip(f"{path} is not available")
    return path.read_text(encoding="utf-8")


# -- real exports ----------------------------------------------------------------------------
EXPECTED = {  # file -> {widget: trigger events that reach it}
    "sfdc-messaging-flow-v2.json": {"SendMessageToAgent": {"incomingMessage"},
                                    "SendMessageToAgentWithoutId": {"incomingMessage"}},
    "sfdc-voice-ivr-v2.json": {"SendMessageToAgent": {"incomingCall"},
                               "SendMessageToAgentWithoutId": {"incomingCall"}},
    "fpt-messaging-flow.json": {"SendMessageToAgent": {"incomingMessage"},
                                "SendConversationToAgent": {"incomingConversationMessage"}},
    "fpt-parking-messaging-flow.json": {"send_to_flex": {"incomingConversationMessage"}},
    "fpt-schedule-flow.json": {"send_to_flex": {"incomingCall"}},
    "slintab-ivr-announcement-flow.json": {"TransferToFlex": {"incomingCall"}},
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_trigger_reach_of_real_exports(name):
    flow = parse(load(name))
    assert {w.name: set(w.triggers) for w in flow.send_to_flex} == EXPECTED[name]
    assert flow.flags == ()


def test_every_v2_reference_export_parses():
    for path in reference_flows():
        if path.name.startswith("legacy-"):
            continue
        flow = parse(path.read_text(encoding="utf-8"))
        assert flow.send_to_flex, path.name
        assert flow.trigger == "Trigger"


def test_real_export_widget_fields():
    flow = parse(load("sfdc-messaging-flow-v2.json"))
    widget = flow.send_to_flex[0]
    assert widget.workflow == "WW6989fcf532f7a6f4adcc21ac65cd77e4"
    assert widget.channel == "TC29d5bc4b3750479d708ff27bc3f83465"
    assert widget.channel_sid.present and not widget.channel_sid.overridden
    assert flow.triggers["incomingMessage"] == "UpsertTwilioSession"
    assert flow.triggers["incomingCall"] is None


def test_pre_v2_export_is_a_clear_legacy_error():
    with pytest.raises(FlowDefError, match="unsupported format: a pre-v2") as info:
        parse(load("legacy-v1-dialogflow-messaging-flow.json"))
    assert info.value.legacy is True


def test_frozen_snapshot_definitions_are_accepted():
    definition = json.loads(load("fpt-chat-flow.json"))
    frozen = Resource.make("studio_flow", "FW1", {"definition": definition}).get("definition")
    assert parse(frozen) == parse(definition)


# -- malformed input -------------------------------------------------------------------------
@pytest.mark.parametrize("value, message", [
    ("{", "not valid JSON"),
    (b"\xff\xfe", "not valid JSON"),
    ("[1, 2]", "expected a JSON object"),
    (42, "expected a JSON object"),
    ({}, "'states' is missing"),
    ({"states": []}, "'states' is missing"),
    ({"states": "x"}, "'states' is missing"),
    ("[" * 100_000, "not valid JSON"),
])
def test_invalid_input(value, message):
    with pytest.raises(FlowDefError, match=message):
        parse(value)


def test_oddities_are_flags_not_errors():
    flow = parse({"states": [
        {"name": "Trigger", "type": "trigger",
         "transitions": [{"event": "incomingFax", "next": "A"}, {"event": "incomingCall",
                                                                 "next": "Gone"}]},
        {"name": "A", "type": "teleport", "transitions": "x"},
        {"name": "A", "type": "say-play"},
        {"type": "say-play"},
        {"name": "S", "type": "send-to-flex", "properties": {"waitUrlMethod": "PUT",
                                                             "workflow": 7,
                                                             "attributes": {"a": 1}}},
    ]})
    text = " | ".join(flow.flags)
    for expected in ("initial_state is missing", "incomingFax", "unknown type 'teleport'",
                     "defined twice", "state #3", "'Gone', which does not exist",
                     "'transitions' is not a list", "waitUrlMethod 'PUT'"):
        assert expected in text
    widget = flow.send_to_flex[0]
    assert widget.workflow is None and widget.attributes == '{"a": 1}'
    assert widget.triggers == frozenset()


def test_cycles_in_transitions_terminate():
    flow = parse({"initial_state": "T", "states": [
        {"name": "T", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "A"}]},
        {"name": "A", "type": "split-based-on", "transitions": [{"event": "match", "next": "B"}]},
        {"name": "B", "type": "send-to-flex", "transitions": [{"event": "callComplete",
                                                               "next": "A"}]},
    ]})
    assert flow.reached_by == {"A": {"incomingCall"}, "B": {"incomingCall"}}


@pytest.mark.parametrize("text, present, value", [
    ('{"channelSid": "{{trigger.message.ChannelSid}}"}', True, "{{trigger.message.ChannelSid}}"),
    ('{"a": {"channelSid": "x"}}', False, None),
    ('{"channelSid": 5}', True, "5"),
    ('{% if a %}{"channelSid": "{{x}}"}{% endif %}', True, "{{x}}"),
    ('{"name": {{trigger.call.From}}}', False, None),
    ('{"channelSid": "x",', True, "x"),
    ('"just a string"', False, None),
    ("", False, None),
])
def test_lenient_attributes(text, present, value):
    found = attribute(text, "channelSid")
    assert (found.present, found.value) == (present, value)


# -- properties ------------------------------------------------------------------------------
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner,
                                                                max_size=5),
    max_leaves=30)
NAMES = st.sampled_from(["Trigger", "A", "B", "S", "", "x"])
TYPES = st.sampled_from(["trigger", "send-to-flex", "split-based-on", "SendToFlex", "weird", ""])
EVENTS = st.sampled_from(["incomingCall", "incomingMessage", "incomingConversationMessage",
                          "incomingRequest", "callComplete", "other"])
TRANSITION = st.fixed_dictionaries({"event": EVENTS | JSON}, optional={"next": NAMES | JSON})
PROPS = st.fixed_dictionaries({}, optional={
    "workflow": st.sampled_from(["WW" + "a" * 32, "${WORKFLOW}", "", "chat"]) | JSON,
    "channel": st.sampled_from(["TC" + "b" * 32, "<CHANNEL>", "voice"]) | JSON,
    "attributes": st.text(max_size=60) | JSON,
    "waitUrlMethod": JSON})
STATE = st.fixed_dictionaries({}, optional={
    "name": NAMES | JSON, "type": TYPES | JSON, "transitions": st.lists(TRANSITION) | JSON,
    "properties": PROPS | JSON})
FLOW = st.fixed_dictionaries({"states": st.lists(STATE, max_size=6) | JSON},
                             optional={"initial_state": NAMES | JSON, "description": JSON})


def _parse_or_error(value: object) -> None:
    try:
        flow = parse(value)
    except FlowDefError:
        return
    for widget in flow.send_to_flex:
        check_widget(widget, None)
        widget.channel_sid  # noqa: B018 - the lenient attributes parser runs here


@pytest.mark.slow
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(FLOW)
def test_parser_only_raises_flowdeferror_on_structured_input(value):
    _parse_or_error(value)
    _parse_or_error(json.dumps(value))


@settings(max_examples=300)
@given(st.one_of(JSON, st.text(), st.binary()))
def test_parser_only_raises_flowdeferror_on_any_input(value):
    _parse_or_error(value)


@settings(max_examples=300)
@given(st.text())
def test_attribute_parser_never_raises(text):
    attribute(text, "channelSid")


HEX = st.text(alphabet="0123456789abcdefABCDEF", min_size=32, max_size=32)
PIECES = st.sampled_from(["https://", "http://", "webhooks.twilio.com", "/v1/Accounts/", "/Flows/",
                          "/Proxy/", "/Webhooks/Message", "/Webhooks/Call", "AC", "FW", "KS",
                          "/", "?x=1", " ", "\n", "%2F"])


@settings(max_examples=300)
@given(st.one_of(st.text(), st.lists(PIECES | HEX | st.text(max_size=4)).map("".join),
                 st.none(), st.integers(), st.binary()))
def test_url_classification_never_raises(url):
    target = classify(url)
    assert target.kind in {"proxy-message", "proxy-call", "studio", "other", "none"}
    assert (target.sid is None) == (target.kind in {"other", "none"})


@given(HEX, HEX, HEX)
def test_url_builders_round_trip(account, proxy, flow):
    ac, ks, fw = "AC" + account, "KS" + proxy, "FW" + flow
    assert classify(proxy_message_url(ac, ks)) == classify(proxy_message_url(ac, ks) + "/")
    assert (classify(proxy_message_url(ac, ks)).sid, classify(flow_url(ac, fw)).sid) == (ks, fw)
