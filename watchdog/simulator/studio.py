"""Studio v2 flows: definitions in the real v2 format, flow and revision records, edits.

A flow keeps every revision. The flow resource shows the newest revision (its ``status`` and
``definition``); ``Revisions/LatestPublished`` is the newest published one, which is what Studio
actually executes.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from watchdog.simulator.errors import bad_request
from watchdog.simulator.records import STUDIO, Record, flow_webhook_url

Definition = dict[str, Any]

TRIGGER_EVENTS = ("incomingMessage", "incomingCall", "incomingConversationMessage",
                  "incomingRequest", "incomingParent")
VOICE_ATTRIBUTES = {"type": "inbound", "name": "{{trigger.call.From}}"}
CHAT_ATTRIBUTES = {
    "name": "{{trigger.message.ChannelAttributes.from}}",
    "channelType": "{{trigger.message.ChannelAttributes.channel_type}}",
    "channelSid": "{{trigger.message.ChannelSid}}",
}
# Flex Conversations' Send to Flex adds channelType/from/name itself (send-flex docs); the default
# flow only names the customer.
CONVERSATION_ATTRIBUTES = {"name": "{{trigger.conversation.Author}}"}


def _trigger(event: str, target: str) -> dict[str, Any]:
    transitions: list[dict[str, Any]] = []
    for name in TRIGGER_EVENTS:
        transitions.append({"next": target, "event": name} if name == event else {"event": name})
    return {"name": "Trigger", "type": "trigger", "transitions": transitions,
            "properties": {"offset": {"x": 0, "y": 0}}}


def send_to_flex_state(name: str, workflow: str, channel: str,
                       attributes: dict[str, Any] | str) -> dict[str, Any]:
    """A ``send-to-flex`` widget; ``attributes`` is stored as a JSON string like Studio does."""
    text = attributes if isinstance(attributes, str) else json.dumps(attributes)
    return {
        "name": name, "type": "send-to-flex",
        "transitions": [{"event": "callComplete"}, {"event": "failedToEnqueue"},
                        {"event": "callFailure"}],
        "properties": {"offset": {"x": 20, "y": 200}, "workflow": workflow, "channel": channel,
                       "attributes": text},
    }


def send_to_flex_definition(description: str, trigger_event: str, state_name: str,
                            workflow: str, channel: str,
                            attributes: dict[str, Any] | str) -> Definition:
    """A flow whose trigger ``trigger_event`` goes straight to one Send to Flex widget."""
    return {
        "description": description,
        "states": [_trigger(trigger_event, state_name),
                   send_to_flex_state(state_name, workflow, channel, attributes)],
        "initial_state": "Trigger",
        "flags": {"allow_concurrent_calls": True},
    }


def voice_ivr(workflow: str, voice_channel: str) -> Definition:
    """Flex's default "Voice IVR": incoming call -> Send to Flex on the ``voice`` channel."""
    return send_to_flex_definition("IVR for creating a Flex voice task", "incomingCall",
                                   "SendCallToAgent", workflow, voice_channel, VOICE_ATTRIBUTES)


def chat_flow(workflow: str, chat_channel: str, description: str) -> Definition:
    """Flex's default "Messaging Flow"/"Webchat Flow": incoming message -> Programmable Chat."""
    return send_to_flex_definition(description, "incomingMessage", "SendMessageToAgent",
                                   workflow, chat_channel, CHAT_ATTRIBUTES)


def conversation_flow(workflow: str, chat_channel: str) -> Definition:
    """Flex Conversations' messaging flow: incoming conversation -> Send to Flex."""
    return send_to_flex_definition("Flex Conversations messaging flow",
                                   "incomingConversationMessage", "SendConversationToAgent",
                                   workflow, chat_channel, CONVERSATION_ATTRIBUTES)


def with_send_to_flex(definition: Definition, *, workflow: str | None = None,
                      channel: str | None = None,
                      attributes: dict[str, Any] | str | None = None,
                      state_name: str | None = None) -> Definition:
    """A copy of ``definition`` with the Send to Flex widget(s) changed (all, or ``state_name``)."""
    edited = copy.deepcopy(definition)
    for state in edited.get("states", []):
        if state.get("type") != "send-to-flex" or state_name not in (None, state.get("name")):
            continue
        props = state.setdefault("properties", {})
        if workflow is not None:
            props["workflow"] = workflow
        if channel is not None:
            props["channel"] = channel
        if attributes is not None:
            props["attributes"] = (attributes if isinstance(attributes, str)
                                   else json.dumps(attributes))
    return edited


def parse_definition(text: str) -> Definition:
    """Parse a ``Definition`` form value; Studio rejects anything but a flow object."""
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise bad_request(f"Invalid Definition: {exc}") from None
    states = value.get("states") if isinstance(value, dict) else None
    if not isinstance(states, list) or not states or not isinstance(value.get("initial_state"),
                                                                    str):
        raise bad_request("Invalid Definition: a flow needs 'initial_state' and 'states'")
    flow: dict[str, Any] = value
    return flow


def flow_record(account_sid: str, sid: str, author_sid: str, created: str,
                friendly_name: str) -> Record:
    """A flow with no revision yet; ``add_revision`` fills in status and definition."""
    url = f"{STUDIO}/Flows/{sid}"
    return {
        "sid": sid, "account_sid": account_sid, "author_sid": author_sid,
        "friendly_name": friendly_name, "definition": None, "status": "draft", "revision": 0,
        "commit_message": None, "valid": True, "errors": [], "warnings": [],
        "date_created": created, "date_updated": None,
        "webhook_url": flow_webhook_url(account_sid, sid), "url": url,
        "links": {"test_users": f"{url}/TestUsers", "revisions": f"{url}/Revisions",
                  "executions": f"{url}/Executions"},
    }


def add_revision(flow: Record, revisions: list[Record], now: str, *, status: str,
                 definition: Definition | None = None, friendly_name: str | None = None,
                 commit_message: str | None = None, author_sid: str | None = None) -> Record:
    """Append a revision (copying the last definition when none is given); update ``flow``."""
    if status not in ("draft", "published"):
        raise bad_request(f"Invalid Status: {status!r} is not one of draft, published")
    if definition is None:
        if flow["definition"] is None:
            raise bad_request("Missing required parameter Definition in the post body")
        definition = copy.deepcopy(flow["definition"])
    number = flow["revision"] + 1
    flow.update(definition=definition, status=status, revision=number,
                commit_message=commit_message,
                friendly_name=friendly_name or flow["friendly_name"],
                author_sid=author_sid or flow["author_sid"])
    if number > 1:
        flow["date_updated"] = now
    revision = {
        "sid": flow["sid"], "account_sid": flow["account_sid"], "author_sid": flow["author_sid"],
        "definition": definition, "friendly_name": flow["friendly_name"], "status": status,
        "revision": number, "commit_message": commit_message, "valid": True, "errors": [],
        "date_created": now, "date_updated": None, "url": f"{flow['url']}/Revisions/{number}",
    }
    revisions.append(revision)
    return revision


def find_revision(revisions: list[Record], which: str) -> Record | None:
    """Revision ``N``, ``LatestRevision`` or ``LatestPublished`` (None when there is none)."""
    if which == "LatestRevision":
        return revisions[-1] if revisions else None
    if which == "LatestPublished":
        published = [rev for rev in revisions if rev["status"] == "published"]
        return published[-1] if published else None
    if which.isdigit():
        return next((rev for rev in revisions if rev["revision"] == int(which)), None)
    return None


def list_view(flow: Record) -> Record:
    """A flow as the list endpoint shows it: no definition, validity unknown."""
    return {**flow, "definition": None, "valid": None, "errors": None, "warnings": None}


def revision_list_view(revision: Record) -> Record:
    """A revision as the Revisions list shows it (OAI example: definition and validity null)."""
    return {**revision, "definition": None, "valid": None, "errors": None}
