"""lint-flow on the real public Studio exports in ../shared/reference/studio-flows."""

from __future__ import annotations

import json

import pytest

from tests.rules.snapshots import Account, legacy
from tests.rules.test_studio_def import load, reference_flows
from watchdog.errors import ConfigError
from watchdog.rules.lint import RESOURCE_TYPE, FlowDefError, lint_file, lint_flow
from watchdog.settings import Settings

WORKFLOW = "studio.send-to-flex-workflow-invalid"
CHANNEL = "studio.send-to-flex-channel-invalid"
OVERRIDE = "studio.send-to-flex-channelsid-overridden"
SFDC_WW = "WW6989fcf532f7a6f4adcc21ac65cd77e4"
SFDC_VOICE, SFDC_CHAT = "TC47e9af5f1fc69a6847e93ef016ef9e31", "TC29d5bc4b3750479d708ff27bc3f83465"
SFDC_WEBCHAT = "TCce5c834bb9401422d78b02138822ac86"


def lint(definition, **kwargs):
    return lint_flow(definition, settings=Settings(), **kwargs)


def rules(findings):
    return sorted((f.rule, f.resource_sid) for f in findings)


def mutate(name: str, widget: str | None = None, **props) -> dict:
    definition = json.loads(load(name))
    for state in definition["states"]:
        if state["type"] == "send-to-flex" and widget in (None, state["name"]):
            for key, value in props.items():
                if value is None:
                    state["properties"].pop(key, None)
                else:
                    state["properties"][key] = value
    return definition


def sfdc_account(voice=SFDC_VOICE, chat=(SFDC_CHAT, SFDC_WEBCHAT)) -> Account:
    """An account whose Flex workspace holds the SIDs the sfdc exports use."""
    acc = legacy(numbers=0)
    ws = acc.ws
    acc.add("taskrouter_workflow", SFDC_WW, friendly_name="Assign to Anyone", workspace_sid=ws)
    acc.add("taskrouter_task_channel", voice, unique_name="voice", workspace_sid=ws)
    for tc in chat:
        acc.add("taskrouter_task_channel", tc, unique_name="chat", workspace_sid=ws)
    return acc


def test_every_v2_reference_export_is_clean_offline():
    """Real exports and templates: templates' ${...}/<...> placeholders are accepted offline."""
    for path in reference_flows():
        if path.name.startswith("legacy-"):
            continue
        assert lint(path.read_text(encoding="utf-8"), source=path.name) == [], path.name


def test_pre_v2_export_is_an_unsupported_format():
    text = load("legacy-v1-dialogflow-messaging-flow.json")
    with pytest.raises(FlowDefError, match="unsupported format"):
        lint(text)
    with pytest.raises(ConfigError, match="lint-flow: old.json: unsupported format"):
        lint_file(text, settings=Settings(), source="old.json")


def test_missing_workflow_and_channel():
    findings = lint(mutate("sfdc-voice-ivr-v2.json", "SendMessageToAgent", workflow=None,
                           channel=""))
    assert rules(findings) == [(CHANNEL, "SendMessageToAgent"), (WORKFLOW, "SendMessageToAgent")]
    assert all("not set" in f.summary for f in findings)
    assert findings[0].resource_type == RESOURCE_TYPE
    assert findings[0].details["checked"] == "offline"
    assert findings[0].runbook.startswith("A Send to Flex widget")


def test_values_that_are_not_sids_offline():
    findings = lint(mutate("sfdc-webchat-flow-v2.json", workflow="Assign to Anyone",
                           channel="chat"))
    assert {f.rule for f in findings} == {WORKFLOW, CHANNEL}
    assert len(findings) == 4  # two widgets, two problems each


def test_template_placeholder_of_the_wrong_kind():
    findings = lint(mutate("fpt-voice-flow.json", channel="${CHAT_CHANNEL_SID}"))
    assert rules(findings) == [(CHANNEL, "SendCallToAgent")]
    assert "incoming calls" in findings[0].summary
    assert lint(mutate("fpt-parking-messaging-flow.json", channel="${VOICE_CHANNEL_SID}"))


def test_channel_sid_override_in_a_real_export():
    attributes = json.dumps({"name": "{{trigger.message.ChannelAttributes.from}}",
                             "channelSid": "{{flow.variables.channel}}"})
    findings = lint(mutate("sfdc-messaging-flow-v2.json", "SendMessageToAgentWithoutId",
                           attributes=attributes), source="m.json")
    assert rules(findings) == [(OVERRIDE, "SendMessageToAgentWithoutId")]
    assert findings[0].summary.startswith("m.json: Send to Flex widget")
    assert findings[0].details["source"] == "m.json"


@pytest.mark.parametrize("name", ["sfdc-messaging-flow-v2.json", "sfdc-voice-ivr-v2.json",
                                  "sfdc-webchat-flow-v2.json"])
def test_real_exports_against_a_matching_account(name):
    findings = lint(load(name), snapshot=sfdc_account().snapshot())
    assert findings == []


def test_live_checks_find_the_wrong_kind_and_unknown_sids():
    swapped = sfdc_account(voice=SFDC_CHAT, chat=(SFDC_VOICE, SFDC_WEBCHAT)).snapshot()
    findings = lint(load("sfdc-voice-ivr-v2.json"), snapshot=swapped)
    assert {f.rule for f in findings} == {CHANNEL}
    assert "wrong kind" in findings[0].summary and findings[0].details["checked"] == "live"
    empty = legacy(numbers=0).snapshot()
    findings = lint(load("sfdc-messaging-flow-v2.json"), snapshot=empty)
    assert {f.rule for f in findings} == {WORKFLOW, CHANNEL}
    assert "(deleted?)" in findings[0].summary


def test_placeholders_fail_against_a_live_account():
    findings = lint(load("rjp-flex-webchat-flow-tpl.json"), snapshot=sfdc_account().snapshot())
    assert {f.rule for f in findings} == {WORKFLOW, CHANNEL}
    assert all("placeholder" in f.summary for f in findings)


def test_an_incomplete_snapshot_falls_back_to_offline_checks():
    snapshot = legacy(numbers=0).fail("taskrouter").snapshot()
    assert lint(load("sfdc-voice-ivr-v2.json"), snapshot=snapshot) == []


def test_disabled_rules_and_severity_overrides_apply():
    settings = Settings(rules={OVERRIDE: {"enabled": False}, CHANNEL: {"severity": "warning"}})
    definition = mutate("sfdc-voice-ivr-v2.json", channel="voice",
                        attributes='{"channelSid": "x"}')
    findings = lint_flow(definition, settings=settings)
    assert {(f.rule, f.severity) for f in findings} == {(CHANNEL, "warning")}


ATTRIBUTES = "studio.send-to-flex-attributes-invalid"


@pytest.mark.parametrize("attributes, problem", [
    pytest.param('{"type": "inbound" "name": "{{trigger.call.From}}"}', "not valid JSON",
                 id="missing-comma"),
    pytest.param('{"type": "inbound", "name": "{{trigger.call.From}}",}', "not valid JSON",
                 id="trailing-comma"),
    pytest.param('["inbound"]', "a JSON list, not an object", id="not-an-object"),
])
def test_attributes_that_are_not_json_once_liquid_is_rendered(attributes, problem):
    findings = lint(mutate("fpt-voice-flow.json", attributes=attributes))
    assert rules(findings) == [(ATTRIBUTES, "SendCallToAgent")]
    assert problem in findings[0].summary and findings[0].severity == "warning"


@pytest.mark.parametrize("attributes", [
    '{"type": "inbound", "name": "{{trigger.call.From}}", "n": {{flow.variables.n}}}',
    '{"name": "{{trigger.call.From}}"{% if flow.variables.vip %}, "vip": true{% endif %}}',
    "", "   ",
])
def test_liquid_outputs_and_tags_are_accounted_for(attributes):
    assert lint(mutate("fpt-voice-flow.json", attributes=attributes)) == []


def test_channel_sid_on_a_voice_flow_is_explained_in_voice_terms():
    voice = lint(mutate("fpt-voice-flow.json",
                        attributes='{"name": "{{trigger.call.From}}", "channelSid": "CH1"}'))
    assert rules(voice) == [(OVERRIDE, "SendCallToAgent")]
    assert "incoming calls" in voice[0].summary and "call_sid" in voice[0].summary
    assert "chat channel for it to name" in voice[0].summary
    chat = lint(mutate("sfdc-messaging-flow-v2.json", "SendMessageToAgentWithoutId",
                       attributes='{"channelSid": "CH1"}'))
    assert "cannot join the customer's chat channel" in chat[0].summary
    assert "call_sid" not in chat[0].summary


def test_the_api_response_form_is_accepted():
    definition = mutate("fpt-voice-flow.json", channel="chat")
    response = {"sid": "FW" + "0" * 32, "friendly_name": "Voice IVR", "status": "published",
                "definition": definition}
    assert rules(lint(response)) == rules(lint(definition)) == [(CHANNEL, "SendCallToAgent")]
    assert rules(lint(json.dumps(response))) == [(CHANNEL, "SendCallToAgent")]
