"""Checks of one ``send-to-flex`` widget, shared by the ``studio.*`` rules and ``lint-flow``.

Against a live account (a ``Workspace`` built from the snapshot) the workflow and channel must be
resources of the Flex workspace and the channel's ``unique_name`` must suit the triggers that reach
the widget. Offline (``workspace=None``) only the SID formats can be checked; a whole-value template
placeholder (``${VOICE_CHANNEL_SID}``, ``<FLEX_WORKFLOW_SID>``) is accepted there, and its name is
used as a hint of the channel's kind.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from watchdog.model.flowdef import TRIGGER_CHANNEL_SID, SendToFlex, attributes_error
from watchdog.model.snapshot import Snapshot
from watchdog.model.topology import Topology

WORKFLOW_INVALID = "studio.send-to-flex-workflow-invalid"
CHANNEL_INVALID = "studio.send-to-flex-channel-invalid"
CHANNELSID_OVERRIDDEN = "studio.send-to-flex-channelsid-overridden"
ATTRIBUTES_INVALID = "studio.send-to-flex-attributes-invalid"
VOICE, CHAT = "voice", "chat"
CALL, MESSAGE, CONVERSATION = "incomingCall", "incomingMessage", "incomingConversationMessage"

_TYPES = ("taskrouter_workflow", "taskrouter_task_channel")
_WW = re.compile(r"^WW[0-9a-fA-F]{32}$")
_TC = re.compile(r"^TC[0-9a-fA-F]{32}$")
_PLACEHOLDER = re.compile(r"^(\$\{[^{}]*\}|<[A-Za-z0-9_.\-]+>|\{\{.*\}\})$", re.DOTALL)


@dataclass(frozen=True)
class Workspace:
    """What is known of the Flex workspace: its workflows and task channels by SID."""

    sid: str | None
    workflows: Mapping[str, str]  # WW -> friendly name
    channels: Mapping[str, str]  # TC -> unique_name
    elsewhere: Mapping[str, str]  # WW/TC of any other workspace -> that workspace's SID

    @classmethod
    def of(cls, topology: Topology, baseline: Snapshot | None = None) -> Workspace:
        """The Flex workspace of ``topology``; ``baseline`` names where deleted SIDs lived."""
        elsewhere: dict[str, str] = {}
        live = {r.sid for t in _TYPES for r in topology.snapshot.of_type(t)}
        for snap in (baseline, topology.snapshot):
            for r in (r for t in _TYPES for r in (snap.of_type(t) if snap else [])):
                if r.get("workspace_sid") != topology.workspace_sid:
                    gone = "" if r.sid in live else " (deleted)"
                    elsewhere[r.sid] = f"{r.get('workspace_sid')}{gone}"
        return cls(topology.workspace_sid,
                   {s: str(w.get("friendly_name")) for s, w in topology.workflows.items()},
                   {s: str(c.get("unique_name")) for s, c in topology.task_channels.items()},
                   elsewhere)


@dataclass(frozen=True)
class Problem:
    rule: str
    widget: str
    field: str
    value: str | None
    reason: str
    triggers: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"triggers": list(self.triggers)}


def check_widget(widget: SendToFlex, workspace: Workspace | None) -> list[Problem]:
    """Every problem of ``widget``; ``workspace=None`` checks offline."""
    found = [check_workflow(widget, workspace), check_channel(widget, workspace),
             check_channel_sid(widget), check_attributes(widget)]
    return [p for p in found if p is not None]


def is_placeholder(value: str | None) -> bool:
    return value is not None and bool(_PLACEHOLDER.match(value))


def check_workflow(widget: SendToFlex, workspace: Workspace | None) -> Problem | None:
    value = widget.workflow
    reason = _missing_or_format(value, _WW, "a Workflow SID (WW...)", workspace)
    if reason is None and workspace is not None and value not in workspace.workflows:
        reason = _not_in_workspace(value, workspace, "workflow")
    return _problem(WORKFLOW_INVALID, widget, "workflow", reason)


def check_channel(widget: SendToFlex, workspace: Workspace | None) -> Problem | None:
    value = widget.channel
    reason = _missing_or_format(value, _TC, "a TaskChannel SID (TC...)", workspace)
    if reason is None and workspace is not None and value not in workspace.channels:
        reason = _not_in_workspace(value, workspace, "task channel")
    if reason is None:
        kind = workspace.channels.get(value or "") if workspace else placeholder_kind(value)
        wrong = kind_problem(kind, widget.triggers) if kind else None
        reason = f"{value} ({kind!r}) is the wrong kind: {wrong}" if wrong else None
    return _problem(CHANNEL_INVALID, widget, "channel", reason)


def check_channel_sid(widget: SendToFlex) -> Problem | None:
    override = widget.channel_sid
    if not override.overridden:
        return None
    if widget.triggers and widget.triggers <= {CALL}:
        # A voice flow: there is no chat channel, so the chat wording would mislead.
        reason = (f"is {override.value!r} on a widget reached by incoming calls: a call has no "
                  "chat channel for it to name ({{trigger.message.ChannelSid}} renders empty on a "
                  "call); Flex links a voice task to its call by call_sid: remove channelSid")
    else:
        reason = (f"is {override.value!r}, not {TRIGGER_CHANNEL_SID!r}: the agent cannot join the "
                  "customer's chat channel")
    return Problem(CHANNELSID_OVERRIDDEN, widget.name, "attributes.channelSid", override.value,
                   reason, tuple(sorted(widget.triggers)))


def check_attributes(widget: SendToFlex) -> Problem | None:
    """Attributes that are not a JSON object once Liquid is rendered fail the task's creation."""
    reason = attributes_error(widget.attributes)
    if reason is None:
        return None
    value = widget.attributes if len(widget.attributes or "") <= 200 else (
        (widget.attributes or "")[:200] + "...")
    return Problem(ATTRIBUTES_INVALID, widget.name, "attributes", value, reason,
                   tuple(sorted(widget.triggers)))


def kind_problem(unique_name: str, triggers: frozenset[str]) -> str | None:
    """Why a channel of this ``unique_name`` is wrong for these trigger events, or None."""
    messages = triggers & {MESSAGE, CONVERSATION}
    if CALL in triggers and messages:
        return ("reached by both incoming calls and messages: one Send to Flex widget cannot use "
                "the right channel for both; give each trigger its own widget")
    if CALL in triggers and unique_name != VOICE:
        return "reached by incoming calls, which need the Voice channel ('voice')"
    if MESSAGE in triggers and unique_name != CHAT:
        return ("reached by incoming messages (legacy Flex messaging), which need Programmable "
                "Chat ('chat'), also for SMS")
    if CONVERSATION in triggers and unique_name == VOICE:
        return "reached by incoming conversations, which must not use the Voice channel"
    return None


def placeholder_kind(value: str | None) -> str | None:
    """The channel kind a template placeholder's name suggests (``${VOICE_CHANNEL_SID}``)."""
    if not is_placeholder(value):
        return None
    name = (value or "").upper()
    for hint, kind in (("VOICE", VOICE), ("CHAT", CHAT), ("SMS", "sms")):
        if hint in name:
            return kind
    return None


def _missing_or_format(value: str | None, pattern: re.Pattern[str], what: str,
                       workspace: Workspace | None) -> str | None:
    if value is None:
        return "not set"
    if is_placeholder(value):
        return None if workspace is None else f"an unresolved template placeholder, not {what}"
    if not pattern.match(value):
        return f"{value!r} is not {what}"
    return None


def _not_in_workspace(value: str | None, workspace: Workspace, what: str) -> str:
    other = workspace.elsewhere.get(value or "")
    if other:
        return f"{value} is a {what} of workspace {other}, not of the Flex one {workspace.sid}"
    return f"{value} is not a {what} of the Flex workspace {workspace.sid} (deleted?)"


def _problem(rule: str, widget: SendToFlex, field: str, reason: str | None) -> Problem | None:
    if reason is None:
        return None
    value = widget.workflow if field == "workflow" else widget.channel
    return Problem(rule, widget.name, field, value, reason, tuple(sorted(widget.triggers)))
