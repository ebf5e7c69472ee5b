"""Every entry point of the account and its route, from a snapshot and the current findings.

A number's messaging stack is decided by structure (a Flex Flow or the Flex Proxy Service's
pool: legacy; an address configuration: Conversations), never by its webhook. Where a family
could not be read, or the structure is gone, the baseline (when given) and the findings say
what the entry point was, so it shows as unknown or broken instead of disappearing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from watchdog.model.addresses import address_type, auto_creation
from watchdog.model.findings import Finding
from watchdog.model.snapshot import Resource, Snapshot
from watchdog.model.topology import BOTH, CONVERSATIONS, LEGACY, NONE, VOICE, Topology
from watchdog.routes import explain as rules
from watchdog.routes.explain import Explainer
from watchdog.routes.hops import CALL, CONVERSATION, MESSAGE, Hops, Tracer
from watchdog.routes.model import EntryPoint, entry_id
from watchdog.settings import FlexSettings

VOICE_RULES = rules.VOICE_NUMBER | {"numbers.voice-flow-missing"}


def routes(snapshot: Snapshot, findings: Iterable[Finding], *,
           flex: FlexSettings | None = None, baseline: Snapshot | None = None,
           topology: Topology | None = None,
           baseline_topology: Topology | None = None) -> list[EntryPoint]:
    """Every entry point with its hops, in a stable order (numbers by voice then SMS, WhatsApp,
    chat, web). ``topology`` and ``baseline_topology`` may be the ones the rules already
    derived (``RuleContext``): their numbers' stacks are then not derived again."""
    flex = flex or FlexSettings()
    topo = topology if topology is not None else Topology(snapshot, flex)
    base = baseline_topology if baseline_topology is not None else (
        Topology(baseline, flex) if baseline is not None else None)
    tracer = Tracer(snapshot, topo, Explainer(findings))
    out = list(_numbers(tracer, base))
    out += _addresses(tracer, base)
    out += _web(tracer, base)
    return out


def _source(tracer: Tracer, base: Topology | None, type_: str, family: str) -> list[Resource]:
    """What the snapshot holds, or the baseline's when the family could not be read."""
    if tracer.snapshot.complete(family) or base is None:
        return tracer.snapshot.of_type(type_)
    return base.snapshot.of_type(type_)


MESSAGING = (LEGACY, CONVERSATIONS, BOTH)


def _numbers(tracer: Tracer, base: Topology | None) -> Iterator[EntryPoint]:
    topo, explainer = tracer.topo, tracer.explainer
    stacks, old_stacks = topo.stacks, base.stacks if base is not None else {}
    # Flex now, in the baseline, or named by a finding: the others (most numbers) are skipped.
    flex = {sid for table in (stacks, old_stacks) for sid, stack in table.items()
            if stack != NONE} | set(explainer.index)
    for number in _source(tracer, base, "phone_number", "numbers"):
        if number.sid not in flex:
            continue
        now, was = stacks.get(number.sid, NONE), old_stacks.get(number.sid, NONE)
        named = explainer.names_any(number.sid)
        phone = str(number.get("phone_number"))
        old = base.snapshot.get("phone_number", number.sid) \
            if base is not None and was != NONE else None
        if _takes_calls(topo, number, now) or (named and explainer.names(VOICE_RULES, number.sid)) \
                or (base is not None and old is not None and _takes_calls(base, old, was)):
            yield _voice(tracer, number, phone)
        stack = _messaging_stack(now, was, explainer.stack_of(number.sid) if named else None)
        if stack == LEGACY:
            yield _point("sms", phone, number.sid, LEGACY, _legacy_sms(tracer, number, phone))
        elif stack == CONVERSATIONS:
            yield _point("sms", phone, number.sid, CONVERSATIONS,
                         _conversations_sms(tracer, base, number, phone))


def _takes_calls(topo: Topology, number: Resource, stack: str) -> bool:
    """Whether "A call comes in" runs a Flex Studio flow (a voice-only number always does)."""
    return stack == VOICE or (stack in MESSAGING and topo.routes_calls_to_flex(number))


def _messaging_stack(*stacks: str | None) -> str | None:
    """legacy or conversations (a number claimed by both is served by its legacy plumbing):
    now, else in the baseline, else as a finding on it says."""
    for stack in stacks:
        if stack in (LEGACY, BOTH):
            return LEGACY
        if stack == CONVERSATIONS:
            return CONVERSATIONS
    return None


def _point(channel: str, address: str, sid: str, stack: str, hops: Hops) -> EntryPoint:
    """The entry point; its route ends at the first hop that could not be judged (what comes
    after it is not known either)."""
    unknown = next((i for i, h in enumerate(hops) if h.state == "unknown"), None)
    kept = hops if unknown is None else hops[:unknown + 1]
    return EntryPoint(entry_id(channel, address), channel, address, sid, stack, tuple(kept))


def _voice(tracer: Tracer, number: Resource, phone: str) -> EntryPoint:
    first, flow = tracer.voice_number(number)
    hops = [first]
    if first.state != "unknown" and flow is not None:
        hops += tracer.studio(flow, number.sid, CALL)
    return _point("voice", phone, number.sid, "voice", hops)


def _legacy_sms(tracer: Tracer, number: Resource, phone: str) -> Hops:
    hops = tracer.legacy_number(number)
    if hops[0].state == "unknown":
        return hops
    flows = tracer.topo.flex_flows_by_identity.get(phone, [])
    flow = next((f for f in flows if f.get("enabled") is not False), flows[0] if flows else None)
    hops.append(tracer.flex_flow(flow, number.sid))
    if flow is None or hops[-1].state == "unknown":
        return hops
    return hops + _flex_flow_studio(tracer, flow)


def _flex_flow_studio(tracer: Tracer, flow: Resource) -> Hops:
    integration = flow.get("integration") or {}
    sid = integration.get("flow_sid") if hasattr(integration, "get") else None
    if flow.get("integration_type") != "studio":
        return []  # a task or external integration: its route is the customer's own code
    return tracer.studio(str(sid) if sid else None, flow.sid, MESSAGE)


def _conversations_sms(tracer: Tracer, base: Topology | None, number: Resource,
                       phone: str) -> Hops:
    hops = [tracer.conversations_number(number)]
    if hops[0].state == "unknown":
        return hops
    address, present = _address_for(tracer, base, phone, "sms")
    if address is None:
        return hops
    return hops + _address_route(tracer, address, present)


def _address_for(tracer: Tracer, base: Topology | None, value: str,
                 kind: str) -> tuple[Resource | None, bool]:
    """The address configuration of ``value`` now, else the baseline's (then gone)."""
    for topo, present in ((tracer.topo, True), (base, False)):
        if topo is None:
            continue
        found = [a for a in topo.addresses_by_number.get(value, []) if address_type(a) == kind]
        if found:
            return next((a for a in found if auto_creation(a).get("enabled") is True),
                        found[0]), present
    return None, False


def _address_route(tracer: Tracer, address: Resource, present: bool = True) -> Hops:
    hops = tracer.address(address, present)
    if any(h.state == "unknown" for h in hops) or not present:
        return hops
    auto = auto_creation(address)
    if str(auto.get("type") or "").lower() != "studio":
        return hops  # a webhook creates the task: its route is the customer's own code
    flow = auto.get("studio_flow_sid")
    return hops + tracer.studio(str(flow) if flow else None, address.sid, CONVERSATION)


def _addresses(tracer: Tracer, base: Topology | None) -> Iterator[EntryPoint]:
    senders = {str(s.get("sender_id") or "").lower(): s
               for s in tracer.snapshot.of_type("whatsapp_sender")}
    for address in _source(tracer, base, "address_configuration", "conversations"):
        kind, value = address_type(address), str(address.get("address") or "")
        if kind == "whatsapp":
            first = tracer.sender(address, senders.get(value.lower()))
            hops = [first] + (_address_route(tracer, address) if first.state != "unknown"
                              else [])
            yield _point("whatsapp", value, address.sid, CONVERSATIONS, hops)
    for address in _source(tracer, base, "address_configuration", "conversations"):
        if address_type(address) == "chat":
            yield _point("chat", address.sid, address.sid, CONVERSATIONS,
                         _address_route(tracer, address))


def _web(tracer: Tracer, base: Topology | None) -> Iterator[EntryPoint]:
    for flow in _source(tracer, base, "flex_flow", "flex_flows"):
        if flow.get("channel_type") != "web" or flow.get("enabled") is False:
            continue
        hops = [tracer.flex_flow(flow, None)]
        if hops[0].state != "unknown":
            hops += _flex_flow_studio(tracer, flow)
        yield _point("web", flow.sid, flow.sid, LEGACY, hops)
