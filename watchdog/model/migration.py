"""Entry points still on Programmable Chat for Flex (legacy messaging), which reached end of life
on 2026-06-01, and what each needs to move to Flex Conversations."""

from __future__ import annotations

from dataclasses import dataclass, field

from watchdog.model.addresses import address_type, auto_creation, enabled
from watchdog.model.topology import BOTH, LEGACY, Topology

END_OF_LIFE = "2026-06-01"
CONVERSATION = "incomingConversationMessage"
# Flex Flow channel types -> the address type that replaces them.
ADDRESS_TYPE = {"sms": "sms", "whatsapp": "whatsapp", "web": "chat", "facebook": "messenger"}


@dataclass(frozen=True)
class EntryPoint:
    """One legacy entry point: a Flex Flow (by its number or channel), or a legacy number that
    lost its Flex Flow."""

    resource_type: str
    sid: str
    channel: str
    contact: str | None
    flow_sid: str | None  # the Studio flow it starts
    blockers: tuple[str, ...] = ()
    needs: tuple[str, ...] = field(default=())


def legacy_entry_points(topo: Topology) -> list[EntryPoint]:
    """Every enabled Flex Flow, and every legacy number no Flex Flow serves."""
    out = []
    for flow in topo.snapshot.of_type("flex_flow"):
        if flow.get("enabled") is False:
            continue
        integration = flow.get("integration") or {}
        studio = integration.get("flow_sid") if hasattr(integration, "get") else None
        out.append(EntryPoint("flex_flow", flow.sid, str(flow.get("channel_type") or ""),
                              flow.get("contact_identity"), str(studio) if studio else None,
                              _blockers(flow.get("integration_type"), flow.get("long_lived"))))
    served = set(topo.flex_flows_by_identity)
    for number in topo.snapshot.of_type("phone_number"):
        if topo.stacks.get(number.sid) in (LEGACY, BOTH) and \
                number.get("phone_number") not in served:
            out.append(EntryPoint("phone_number", number.sid, "sms",
                                  str(number.get("phone_number")), None))
    return [_with_needs(topo, point) for point in out]


def _blockers(integration_type: object, long_lived: object) -> tuple[str, ...]:
    found = []
    if integration_type == "task":
        found.append("Flex Conversations doesn't currently support the Task integration type: "
                     "use Studio or a webhook that creates an Interaction")
    if long_lived is True:
        found.append("long-lived channels are not supported out of the box in Flex Conversations")
    return tuple(found)


def _with_needs(topo: Topology, point: EntryPoint) -> EntryPoint:
    """What is missing before this entry point can move."""
    needs = []
    kind = ADDRESS_TYPE.get(point.channel, point.channel)
    addresses = [a for a in topo.snapshot.of_type("address_configuration")
                 if address_type(a) == kind and (kind == "chat" or point.contact is None
                                                 or str(a.get("address")) == point.contact)]
    if not addresses:
        needs.append(f"a Conversations address of type {kind}"
                     + (f" for {point.contact}" if point.contact else ""))
    elif not any(enabled(a) for a in addresses):
        needs.append("auto-creation enabled on its Conversations address")
    flow_sid = point.flow_sid or next(
        (str(auto_creation(a).get("studio_flow_sid")) for a in addresses
         if auto_creation(a).get("studio_flow_sid")), None)
    if flow_sid and not _conversation_wired(topo, flow_sid):
        needs.append(f"Studio flow {flow_sid}: the Incoming Conversation trigger wired to a Send "
                     "to Flex widget")
    if not any(c.get("unique_name") == "chat" for c in topo.task_channels.values()):
        needs.append("the chat task channel in the Flex workspace")
    default = topo.default_service_sid
    if not default or not topo.snapshot.get("conversations_service", default):
        needs.append("the Flex Chat Service as the default Conversations service")
    elif topo.chat_service_sid and default != topo.chat_service_sid:
        needs.append(f"the default Conversations service ({default}) to be the Flex Chat Service "
                     f"({topo.chat_service_sid})")
    ui = topo.configuration.get("ui_version") if topo.configuration else None
    if isinstance(ui, str) and ui.strip().startswith("1."):
        needs.append(f"Flex UI 2.x (the account runs {ui})")
    return EntryPoint(point.resource_type, point.sid, point.channel, point.contact,
                      point.flow_sid, point.blockers, tuple(needs))


def _conversation_wired(topo: Topology, flow_sid: str) -> bool:
    from watchdog.model.flowdef import FlowDefError, parse

    flow = topo.flows.get(flow_sid)
    definition = flow.get("definition") if flow is not None else None
    if definition is None:
        return False
    try:
        parsed = parse(definition)
    except FlowDefError:
        return False
    return any(CONVERSATION in w.triggers for w in parsed.send_to_flex)


STEPS = (
    "Make sure the address has no production traffic (plan a window: from a few minutes to a "
    "few hours).",
    "Upgrade to Flex UI 2.x and make the Flex Chat Service the default Conversations service.",
    "In the Studio flow, wire the Incoming Conversation trigger to the Send to Flex widget "
    "(workflow, Programmable Chat channel) and publish.",
    "Remove the legacy messaging address (its Flex Flow).",
    "Create the Conversations address for the same number or WhatsApp sender (Studio "
    "integration, auto-creation enabled), and blank the number's \"A message comes in\".",
    "Check with flex-watchdog check; repeat per address.",
)
