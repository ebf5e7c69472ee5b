"""Parse a Studio flow definition (the v2 format) into what the Flex rules need.

``parse(definition)`` accepts a dict (also a frozen snapshot mapping) or a JSON string and returns
a ``FlowDef``: the trigger's events and where each goes, widgets by name, the ``send-to-flex``
widgets with their workflow, channel and attributes, and which trigger events reach each widget.
Input that is not a v2 flow raises ``FlowDefError`` (``legacy=True`` for the pre-v2 export
vocabulary: ``InitialState``, ``SendToFlex``); oddities that do not stop the analysis (an unknown
widget type, an edge to a missing widget, an unknown trigger event) are listed in ``flags``.
Reference: https://www.twilio.com/docs/studio/rest-api/v2/flow-definition and the JSON Schema
at https://www.twilio.com/docs/studio/rest-api/v2/schemas.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from watchdog.model.snapshot import thaw

TRIGGER_EVENTS = ("incomingMessage", "incomingCall", "incomingConversationMessage",
                  "incomingRequest", "incomingParent")
WIDGET_TYPES = frozenset({
    "add-member-to-chat-channel", "add-twiml-redirect", "capture-payments", "connect-call-to",
    "create-chat-channel", "create-task", "enqueue-call", "fork-stream", "gather-input-on-call",
    "make-http-request", "make-outgoing-call-v1", "make-outgoing-call-v2", "record-call",
    "record-voicemail", "run-function", "run-function-v2", "say-play", "send-and-wait-for-reply",
    "send-message", "send-to-flex", "set-variables", "split-based-on", "run-subflow", "trigger",
    "understand", "update-sync-object", "connect-virtual-agent", "connect-virtual-agent-v2"})
LEGACY_TYPES = frozenset({"InitialState", "SendToFlex", "Function", "Branch", "SetVariables",
                          "Gather", "Message", "MessagePrompt", "Say", "Enqueue"})
WAIT_METHODS = frozenset({"GET", "POST"})
MAX_STATES = 1000
TRIGGER_CHANNEL_SID = "{{trigger.message.ChannelSid}}"


class FlowDefError(ValueError):
    """The input is not a Studio v2 flow definition that can be analysed."""

    def __init__(self, message: str, *, legacy: bool = False) -> None:
        super().__init__(message)
        self.legacy = legacy


@dataclass(frozen=True)
class Transition:
    event: str
    next: str | None


@dataclass(frozen=True)
class Widget:
    name: str
    type: str
    properties: Mapping[str, Any]
    transitions: tuple[Transition, ...]


@dataclass(frozen=True)
class Override:
    """What ``attributes`` set ``channelSid`` to (``present`` False: left to the widget)."""

    present: bool
    value: str | None = None

    @property
    def overridden(self) -> bool:
        return self.present and _squash(self.value) != TRIGGER_CHANNEL_SID


@dataclass(frozen=True)
class SendToFlex:
    name: str
    workflow: str | None
    channel: str | None
    attributes: str | None
    triggers: frozenset[str]

    @property
    def channel_sid(self) -> Override:
        return attribute(self.attributes, "channelSid")


@dataclass(frozen=True)
class FlowDef:
    description: str | None
    widgets: Mapping[str, Widget]
    trigger: str | None
    triggers: Mapping[str, str | None]  # trigger event -> first widget (None: not connected)
    reached_by: Mapping[str, frozenset[str]]  # widget name -> trigger events that reach it
    send_to_flex: tuple[SendToFlex, ...]
    flags: tuple[str, ...]


def parse(definition: object) -> FlowDef:
    """The flow in ``definition``; ``FlowDefError`` for anything that is not a v2 flow."""
    data = _load(definition)
    if "states" not in data and isinstance(data.get("definition"), dict):
        data = data["definition"]  # the API's form: GET /v2/Flows/{FW} -> {"definition": {...}}
    states = data.get("states")
    if not isinstance(states, list) or not states:
        raise FlowDefError("not a Studio flow: 'states' is missing or empty")
    _reject_legacy(states)
    flags: list[str] = []
    if len(states) > MAX_STATES:
        flags.append(f"{len(states)} states: Studio allows at most {MAX_STATES}")
    widgets = _widgets(states, flags)
    trigger = _find_trigger(data, widgets, flags)
    triggers = _trigger_events(widgets.get(trigger) if trigger else None, flags)
    _check_edges(widgets, flags)
    reached = _reach(widgets, triggers)
    send = tuple(_send_to_flex(w, reached.get(w.name, frozenset()), flags)
                 for w in widgets.values() if w.type == "send-to-flex")
    description = data.get("description")
    return FlowDef(description if isinstance(description, str) else None, widgets, trigger,
                   triggers, reached, send, tuple(flags))


def _load(definition: object) -> dict[str, Any]:
    try:
        if isinstance(definition, bytes | bytearray):
            definition = bytes(definition).decode("utf-8")
        if isinstance(definition, str):
            value = json.loads(definition)
        elif isinstance(definition, Mapping):
            value = thaw(definition)
        else:
            raise FlowDefError(f"expected a JSON object, got {type(definition).__name__}")
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError too
        if isinstance(exc, FlowDefError):
            raise
        raise FlowDefError(f"not valid JSON: {str(exc)[:120] or type(exc).__name__}") from None
    if not isinstance(value, dict):
        raise FlowDefError(f"expected a JSON object, got {type(value).__name__}")
    return value


def _reject_legacy(states: list[Any]) -> None:
    types = [s.get("type") for s in states if isinstance(s, dict)]
    old = sorted({t for t in types if isinstance(t, str) and t in LEGACY_TYPES})
    if old:
        raise FlowDefError(
            f"unsupported format: a pre-v2 Studio export (widget types {', '.join(old)}); "
            "export the flow again from the Studio v2 API or console", legacy=True)


def _widgets(states: list[Any], flags: list[str]) -> dict[str, Widget]:
    widgets: dict[str, Widget] = {}
    for index, state in enumerate(states):
        name = state.get("name") if isinstance(state, dict) else None
        kind = state.get("type") if isinstance(state, dict) else None
        if not isinstance(name, str) or not name or not isinstance(kind, str):
            flags.append(f"state #{index} has no name or type: ignored")
            continue
        if name in widgets:
            flags.append(f"widget {name!r} is defined twice: the first one is used")
            continue
        if kind not in WIDGET_TYPES:
            flags.append(f"widget {name!r} has an unknown type {kind!r}")
        props = state.get("properties")
        if not isinstance(props, dict):
            props = {}
        widgets[name] = Widget(name, kind, props, _transitions(name, state.get("transitions"),
                                                               flags))
    return widgets


def _transitions(name: str, raw: object, flags: list[str]) -> tuple[Transition, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        flags.append(f"widget {name!r}: 'transitions' is not a list")
        return ()
    out = []
    for item in raw:
        event = item.get("event") if isinstance(item, dict) else None
        if not isinstance(event, str):
            flags.append(f"widget {name!r}: a transition without an event")
            continue
        target = item.get("next")
        out.append(Transition(event, target if isinstance(target, str) and target else None))
    return tuple(out)


def _find_trigger(data: dict[str, Any], widgets: dict[str, Widget],
                  flags: list[str]) -> str | None:
    initial = data.get("initial_state")
    if isinstance(initial, str) and initial in widgets:
        if widgets[initial].type != "trigger":
            flags.append(f"initial_state {initial!r} is not a trigger widget")
        return initial
    found = [w.name for w in widgets.values() if w.type == "trigger"]
    flags.append("initial_state is missing or names no widget" + (
        f": using trigger {found[0]!r}" if found else " and there is no trigger widget"))
    return found[0] if found else None


def _trigger_events(trigger: Widget | None, flags: list[str]) -> dict[str, str | None]:
    events: dict[str, str | None] = {}
    for transition in trigger.transitions if trigger else ():
        if transition.event not in TRIGGER_EVENTS:
            flags.append(f"trigger event {transition.event!r} is not a known Studio trigger")
        events.setdefault(transition.event, transition.next)
    return events


def _check_edges(widgets: dict[str, Widget], flags: list[str]) -> None:
    for widget in widgets.values():
        for transition in widget.transitions:
            if transition.next is not None and transition.next not in widgets:
                flags.append(f"widget {widget.name!r} ({transition.event}) goes to "
                             f"{transition.next!r}, which does not exist")


def _reach(widgets: dict[str, Widget],
           triggers: Mapping[str, str | None]) -> dict[str, frozenset[str]]:
    """Widget name -> the trigger events from which it can run (a walk over transitions)."""
    reached: dict[str, set[str]] = {}
    for event, first in triggers.items():
        queue = deque([first] if first else [])
        while queue:
            name = queue.popleft()
            if name not in widgets or event in reached.setdefault(name, set()):
                continue
            reached[name].add(event)
            queue.extend(t.next for t in widgets[name].transitions if t.next)
    return {name: frozenset(events) for name, events in reached.items()}


def _send_to_flex(widget: Widget, triggers: frozenset[str], flags: list[str]) -> SendToFlex:
    props = widget.properties
    method = props.get("waitUrlMethod")
    if method not in (None, "") and not (isinstance(method, str) and method in WAIT_METHODS):
        flags.append(f"widget {widget.name!r}: waitUrlMethod {method!r} is not GET or POST")
    attributes = props.get("attributes")
    if isinstance(attributes, dict | list):
        try:
            attributes = json.dumps(attributes, default=str)
        except (ValueError, RecursionError):
            attributes = None
    return SendToFlex(widget.name, _text(props.get("workflow")), _text(props.get("channel")),
                      attributes if isinstance(attributes, str) else None, triggers)


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


_LIQUID_TAG = re.compile(r"\{%.*?%\}", re.DOTALL)
_LIQUID_OUT = re.compile(r"\{\{.*?\}\}", re.DOTALL)


def attribute(text: str | None, key: str) -> Override:
    """Whether the task attributes JSON (maybe with Liquid) sets ``key``, and to what.

    Tried in order: strict JSON; JSON with Liquid tags removed and bare ``{{ }}`` quoted; a
    regular expression for ``"key": value`` (so a broken template still reveals an override).
    """
    if not text or not text.strip():
        return Override(False)
    for candidate in (text, _unliquid(text)):
        try:
            value = json.loads(candidate)
        except (ValueError, RecursionError):
            continue
        if not isinstance(value, dict):
            return Override(False)
        if key not in value:
            return Override(False)
        found = value[key]
        return Override(True, found if isinstance(found, str) else json.dumps(found))
    return _attribute_by_pattern(text, key)


def attributes_error(text: str | None) -> str | None:
    """Why task ``attributes`` are not a JSON object once Liquid is rendered, or None.

    ``{{ ... }}`` outputs and ``{% ... %}`` tags are accounted for as in ``attribute``; blank
    attributes are fine (Send to Flex then sends its own).
    """
    if not text or not text.strip():
        return None
    try:
        value = json.loads(_unliquid(text))
    except RecursionError:
        return "nest too deeply to be read"
    except ValueError as exc:
        return f"are not valid JSON ({exc})"
    return None if isinstance(value, dict) else f"are a JSON {type(value).__name__}, not an object"


def _unliquid(text: str) -> str:
    text = _LIQUID_TAG.sub("", text)
    # a {{ }} outside a string (e.g. "a": {{x}}) becomes a string so the JSON parses
    pieces = re.split(r'("(?:[^"\\]|\\.)*")', text)
    return "".join(p if p.startswith('"') else _LIQUID_OUT.sub(lambda m: json.dumps(m[0]), p)
                   for p in pieces)


def _attribute_by_pattern(text: str, key: str) -> Override:
    pattern = re.compile(r'"' + re.escape(key) + r'"\s*:\s*(?:"((?:[^"\\]|\\.)*)"|([^,}\]\s]+))')
    match = pattern.search(text)
    if match is None:
        return Override(False)
    return Override(True, match[1] if match[1] is not None else match[2])


def _squash(value: str | None) -> str | None:
    return re.sub(r"\s+", "", value) if value is not None else None
