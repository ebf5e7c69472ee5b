"""An entry point and its hops: what ``trace`` shows and what impact is counted in."""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

State = Literal["ok", "broken", "unknown"]
STATES: tuple[State, ...] = ("ok", "broken", "unknown")
CHANNELS = ("voice", "sms", "whatsapp", "chat", "web")
# Hop kinds, in the order a route can meet them.
KINDS = ("number", "sender", "proxy", "flex_flow", "address", "conversations_service",
         "studio_flow", "trigger", "workflow", "task_channel", "task_queue")


class Hop(NamedTuple):
    """One step of a route: the resource it passes through and whether it lets customers on.

    ``finding`` is the id of the finding that explains a broken hop (None when the structure
    is broken and no rule reported it, e.g. the rule is turned off); ``rule`` is its rule.
    Immutable tuples: 100,000 hops at 10,000 numbers are built every cycle."""

    kind: str
    sid: str | None
    label: str
    state: State
    finding: str | None = None
    rule: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "sid": self.sid, "label": self.label, "state": self.state,
                "finding": self.finding}


class EntryPoint(NamedTuple):
    """Where customers come in: a number by voice or SMS, a WhatsApp or chat address, a web
    Flex Flow. ``id`` is ``<channel>:<address>`` (``voice:+1555…``, ``sms:+1555…``,
    ``chat:IG…``, ``web:FO…``); a WhatsApp address already names its channel, so its id is the
    address itself (``whatsapp:+1555…``)."""

    id: str
    channel: str
    address: str
    resource_sid: str
    stack: str  # legacy | conversations | voice
    hops: tuple[Hop, ...]

    @property
    def state(self) -> State:
        """broken when any hop is, ok when every hop is, else unknown."""
        states = {hop.state for hop in self.hops}
        if "broken" in states:
            return "broken"
        return "ok" if states <= {"ok"} and self.hops else "unknown"

    @property
    def findings(self) -> tuple[str, ...]:
        """The ids of the findings that break it, in hop order, once each."""
        return tuple(dict.fromkeys(h.finding for h in self.hops if h.finding))

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "channel": self.channel, "address": self.address,
                "resource_sid": self.resource_sid, "stack": self.stack, "state": self.state,
                "hops": [hop.to_json() for hop in self.hops]}


def entry_id(channel: str, address: str) -> str:
    return address if channel == "whatsapp" and address.startswith("whatsapp:") else \
        f"{channel}:{address}"
