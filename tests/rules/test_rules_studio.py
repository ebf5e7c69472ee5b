"""studio.* rules on snapshots built in memory."""

from __future__ import annotations

import json

import pytest

from tests.rules.snapshots import AC, conversations, evaluate, fired, legacy, sid
from watchdog.model.urls import flow_url
from watchdog.simulator import studio

WORKFLOW = "studio.send-to-flex-workflow-invalid"
CHANNEL = "studio.send-to-flex-channel-invalid"
OVERRIDE = "studio.send-to-flex-channelsid-overridden"
UNPUBLISHED = "studio.flow-unpublished"
DUPLICATE = "studio.flow-duplicate"


def edit(acc, flow_sid, **changes):
    definition = acc.get("studio_flow", flow_sid)["definition"]
    acc.set("studio_flow", flow_sid, definition=studio.with_send_to_flex(definition, **changes))


def test_deleted_workflow():
    acc = legacy()
    acc.drop("taskrouter_workflow", acc.ww)
    findings = evaluate(acc)
    assert sorted(fired(findings, WORKFLOW)) == sorted(
        (WORKFLOW, f) for f in (acc.voice_ivr, acc.messaging, acc.webchat))
    widget = findings[0].details["widgets"][0]
    assert widget["field"] == "workflow" and widget["value"] == acc.ww
    assert findings[0].details["default_workflow"] is None
    assert {"type": "taskrouter_workflow", "sid": acc.ww} in findings[0].details["affected"]


def test_workflow_of_another_workspace_names_it():
    acc = legacy()
    other_ws = acc.add("taskrouter_workspace", sid("WS", 2), friendly_name="Other")
    other = acc.add("taskrouter_workflow", sid("WW", 2), friendly_name="x", workspace_sid=other_ws)
    edit(acc, acc.voice_ivr, workflow=other)
    findings = evaluate(acc)
    assert fired(findings) == [(WORKFLOW, acc.voice_ivr)]
    assert f"of workspace {other_ws}" in findings[0].summary
    assert findings[0].details["default_workflow"] == {"sid": acc.ww,
                                                       "friendly_name": "Assign to Anyone"}
    assert findings[0].details["affected"] == []  # the workflow exists: nothing deleted


def test_missing_workspace_is_reported_once_not_per_widget():
    acc = legacy()
    for t, s in list(acc.items):
        if t.startswith("taskrouter"):
            acc.drop(t, s)
    assert [r for r, _ in fired(evaluate(acc))] == ["taskrouter.workspace-missing"]


@pytest.mark.parametrize("flow, channel, fires", [
    pytest.param("voice_ivr", "chat", True, id="voice-flow-on-chat"),
    pytest.param("voice_ivr", "voice", False, id="voice-flow-on-voice"),
    pytest.param("messaging", "sms", True, id="legacy-sms-must-use-chat"),
    pytest.param("messaging", "voice", True, id="legacy-messaging-on-voice"),
    pytest.param("webchat", "default", True, id="webchat-on-default"),
    pytest.param("messaging", "chat", False, id="legacy-messaging-on-chat"),
])
def test_channel_kind_by_trigger(flow, channel, fires):
    acc = legacy()
    flow_sid = getattr(acc, flow)
    edit(acc, flow_sid, channel=acc.tc[channel])
    findings = fired(evaluate(acc), CHANNEL)
    assert findings == ([(CHANNEL, flow_sid)] if fires else [])


@pytest.mark.parametrize("channel, fires", [("voice", True), ("chat", False), ("sms", False)])
def test_conversations_flow_must_not_be_forced_to_voice(channel, fires):
    acc = conversations()
    edit(acc, acc.messaging, channel=acc.tc[channel])
    assert fired(evaluate(acc), CHANNEL) == ([(CHANNEL, acc.messaging)] if fires else [])


def test_channel_not_in_workspace_and_not_a_sid():
    acc = legacy()
    edit(acc, acc.voice_ivr, channel=sid("TC", 77))
    edit(acc, acc.messaging, channel="chat")
    findings = {f.resource_sid: f for f in evaluate(acc) if f.rule == CHANNEL}
    assert "(deleted?)" in findings[acc.voice_ivr].summary
    assert "is not a TaskChannel SID" in findings[acc.messaging].summary


def test_one_widget_reached_by_calls_and_messages():
    acc = legacy()
    definition = acc.get("studio_flow", acc.voice_ivr)["definition"]
    for t in definition["states"][0]["transitions"]:
        if t["event"] == "incomingMessage":
            t["next"] = "SendCallToAgent"
    acc.set("studio_flow", acc.voice_ivr, definition=definition)
    findings = evaluate(acc)
    assert fired(findings) == [(CHANNEL, acc.voice_ivr)]
    assert "both incoming calls and messages" in findings[0].summary


def test_placeholder_in_a_live_flow_is_invalid():
    acc = legacy()
    edit(acc, acc.voice_ivr, workflow="${WORKFLOW_SID}")
    findings = evaluate(acc)
    assert fired(findings) == [(WORKFLOW, acc.voice_ivr)]
    assert "placeholder" in findings[0].summary


@pytest.mark.parametrize("attributes, fires", [
    pytest.param({"channelSid": "CH" + "1" * 32}, True, id="fixed-sid"),
    pytest.param({"channelSid": "{{trigger.message.ChannelSid}}"}, False, id="trigger"),
    pytest.param({"channelSid": "{{ trigger.message.ChannelSid }}"}, False, id="spaces"),
    pytest.param({"name": "x"}, False, id="absent"),
    pytest.param({"channelSid": ""}, True, id="blank"),
    pytest.param({"channelSid": None}, True, id="null"),
    pytest.param('{"channelSid": "{{flow.variables.ch}}", {% if x %}"a": 1{% endif %}}', True,
                 id="liquid-tag"),
    pytest.param('{"name": {{trigger.message.From}}, "channelSid": "CH1"', True,
                 id="broken-json"),
    pytest.param('{"name": {{trigger.message.From}}}', False, id="bare-liquid"),
])
def test_channel_sid_override(attributes, fires):
    acc = legacy()
    edit(acc, acc.messaging, attributes=attributes)
    assert fired(evaluate(acc), OVERRIDE) == ([(OVERRIDE, acc.messaging)] if fires else [])


def test_only_the_published_definition_is_analysed():
    acc = legacy()
    acc.set("studio_flow", acc.voice_ivr, status="draft", draft_pending=True)
    assert fired(evaluate(acc)) == [(UNPUBLISHED, acc.voice_ivr)]


def test_never_published_flow_that_flex_uses():
    acc = legacy()
    acc.set("studio_flow", acc.messaging, status="draft", draft_pending=True, definition=None)
    findings = evaluate(acc)
    assert fired(findings) == [(UNPUBLISHED, acc.messaging)]
    assert findings[0].details["never_published"] is True
    assert {u["type"] for u in findings[0].details["used_by"]} == {"flex_flow"}


def test_draft_flow_nothing_uses_is_not_reported():
    acc = legacy()
    acc.flow(9, "Scratch", None, status="draft")
    assert fired(evaluate(acc)) == []


def test_duplicate_default_name_reports_the_unused_copy():
    acc = legacy()
    copy = acc.flow(9, "Voice IVR", acc.get("studio_flow", acc.voice_ivr)["definition"])
    findings = evaluate(acc)
    assert fired(findings) == [(DUPLICATE, copy)]
    assert list(findings[0].details["in_use"]) == [acc.voice_ivr]
    assert findings[0].severity == "info"


def test_duplicates_both_in_use_are_both_reported():
    acc = legacy()
    copy = acc.flow(9, "Voice IVR", acc.get("studio_flow", acc.voice_ivr)["definition"])
    acc.set("phone_number", acc.numbers[0], voice_url=flow_url(AC, copy))
    got = fired(evaluate(acc), DUPLICATE)
    assert sorted(got) == sorted([(DUPLICATE, acc.voice_ivr), (DUPLICATE, copy)])


@pytest.mark.parametrize("definition", [
    "not json", {"states": []}, {"states": [{"type": "SendToFlex", "name": "x"}]}, [1, 2],
])
def test_unanalysable_definitions_do_not_crash_the_rules(definition):
    acc = legacy()
    acc.set("studio_flow", acc.webchat, definition=definition)
    assert [f for f in evaluate(acc) if f.rule.startswith("studio.send-to-flex")] == []


def test_widget_rules_skip_when_taskrouter_failed():
    acc = legacy()
    acc.drop("taskrouter_workflow", acc.ww)
    edit(acc, acc.messaging, attributes=json.dumps({"channelSid": "x"}))
    got = {r for r, _ in fired(evaluate(acc.fail("taskrouter")))}
    assert got == {OVERRIDE}
