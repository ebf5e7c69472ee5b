"""Which resources are Flex, and how they connect: a derived, read-only view of a snapshot.

A phone number's stack is decided by structure, never by the webhook being checked: it is
**legacy** Flex when a Flex Flow has it as ``contact_identity`` or it is in the Flex Proxy
Service's pool; **conversations** when an address configuration has it as ``address``; **both**
when it has both structures (a mis-configuration). A number with no structure at all whose
"A message comes in" points at the Flex Proxy Service is legacy too: a legacy number that lost
its Flex Flow (and its pool entry). **voice** when it has no Flex messaging but "A call comes
in" runs a Studio flow that sends calls to Flex (the Voice IVR by name, or a Send to Flex widget
reached by ``incomingCall``); or **none**. The Flex Proxy Service is found by unique name or by its
``chat_instance_sid`` matching the Flex Configuration's chat service.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING

from watchdog.model.addresses import auto_creation
from watchdog.model.snapshot import Resource, Snapshot
from watchdog.model.urls import classify
from watchdog.settings import FlexSettings

if TYPE_CHECKING:
    from watchdog.model.flowdef import FlowDef


class Stack(StrEnum):
    """Which Flex messaging plumbing serves a number (``details.stack`` of number findings)."""

    LEGACY = "legacy"  # Flex Flow + Proxy (Programmable Chat)
    CONVERSATIONS = "conversations"  # address configuration (Flex Conversations)
    BOTH = "both"  # claimed by both: a conflict
    VOICE = "voice"  # voice only
    NONE = "none"  # not a Flex number


LEGACY, CONVERSATIONS, BOTH, VOICE, NONE = (Stack.LEGACY, Stack.CONVERSATIONS, Stack.BOTH,
                                            Stack.VOICE, Stack.NONE)
#: The resource types a number's stack is derived from.
STACK_INPUTS = ("phone_number", "flex_configuration", "flex_flow", "proxy_service",
                "proxy_phone_number", "address_configuration", "studio_flow")
#: What a TaskRouter workspace holds (each carries ``workspace_sid``).
WORKSPACE_CHILDREN = ("taskrouter_workflow", "taskrouter_task_channel", "taskrouter_task_queue")


@dataclass
class Topology:
    snapshot: Snapshot
    flex: FlexSettings = field(default_factory=FlexSettings)
    # a Studio flow's parsed published definition (None: not analysable), when the caller
    # keeps them (the rules' memo: once per revision); else each flow is parsed here
    parser: Callable[[Resource], FlowDef | None] | None = field(default=None, compare=False,
                                                                repr=False)
    # the topology of the previous cycle: its stacks are reused when every resource they are
    # derived from is unchanged (``_same``); dropped once used
    previous: Topology | None = field(default=None, compare=False, repr=False)

    @cached_property
    def configuration(self) -> Resource | None:
        found = self.snapshot.of_type("flex_configuration")
        return found[0] if found else None

    def _config(self, key: str) -> str | None:
        value = self.configuration.get(key) if self.configuration else None
        return value if isinstance(value, str) and value else None

    @property
    def chat_service_sid(self) -> str | None:
        return self._config("chat_service_instance_sid")

    @property
    def workspace_sid(self) -> str | None:
        return self._config("taskrouter_workspace_sid")

    @cached_property
    def flex_proxy(self) -> Resource | None:
        services = self.snapshot.of_type("proxy_service")
        by_name = [s for s in services if s.get("unique_name") == self.flex.proxy_service_name]
        if by_name:
            return by_name[0]
        chat = self.chat_service_sid
        by_chat = [s for s in services if chat and s.get("chat_instance_sid") == chat]
        return by_chat[0] if by_chat else None

    @cached_property
    def proxy_pool(self) -> dict[str, Resource]:
        """phone number (E.164) -> its entry in the Flex Proxy Service's pool."""
        proxy = self.flex_proxy
        if proxy is None:
            return {}
        return {str(r.get("phone_number")): r for r in self.snapshot.of_type("proxy_phone_number")
                if r.get("service_sid") == proxy.sid}

    @cached_property
    def proxy_pool_sids(self) -> set[str]:
        return {r.sid for r in self.proxy_pool.values()}

    @cached_property
    def flex_flows_by_identity(self) -> dict[str, list[Resource]]:
        out: dict[str, list[Resource]] = defaultdict(list)
        for flow in self.snapshot.of_type("flex_flow"):
            identity = flow.get("contact_identity")
            if identity:
                out[str(identity)].append(flow)
        return dict(out)

    @cached_property
    def addresses_by_number(self) -> dict[str, list[Resource]]:
        out: dict[str, list[Resource]] = defaultdict(list)
        for address in self.snapshot.of_type("address_configuration"):
            if address.get("address"):
                out[str(address.get("address"))].append(address)
        return dict(out)

    def stack_of(self, number: Resource) -> Stack:
        """legacy | conversations | both | voice | none, for a ``phone_number`` resource."""
        phone = str(number.get("phone_number"))
        legacy = (phone in self.flex_flows_by_identity or phone in self.proxy_pool
                  or number.sid in self.proxy_pool_sids)
        conversations = phone in self.addresses_by_number
        if legacy and conversations:
            return BOTH
        if legacy or conversations:
            return LEGACY if legacy else CONVERSATIONS
        if self._posts_to_flex_proxy(number):
            return LEGACY  # no structure left, but its webhook still says legacy
        return VOICE if self.routes_calls_to_flex(number) else NONE

    def _posts_to_flex_proxy(self, number: Resource) -> bool:
        target = classify(number.get("sms_url"))
        if target.kind != "proxy-message":
            return False
        proxy = self.flex_proxy
        return proxy is None or target.sid == proxy.sid

    def routes_calls_to_flex(self, number: Resource) -> bool:
        """Whether "A call comes in" runs a Studio flow that hands calls to Flex."""
        if number.get("voice_application_sid") or number.get("trunk_sid"):
            return False  # either one overrides voice_url
        target = classify(number.get("voice_url"))
        return target.kind == "studio" and target.sid in self.voice_flex_flows

    @cached_property
    def voice_flex_flows(self) -> set[str]:
        """Studio flows named as the Voice IVR, or whose calls reach a Send to Flex widget."""
        from watchdog.model.flowdef import FlowDefError, parse

        found = set()
        for flow in self.snapshot.of_type("studio_flow"):
            if flow.get("friendly_name") == self.flex.voice_flow_name:
                found.add(flow.sid)
                continue
            if not flow.get("definition"):
                continue
            try:
                parsed = self.parser(flow) if self.parser else parse(flow.get("definition"))
            except FlowDefError:
                continue
            if parsed and any("incomingCall" in w.triggers for w in parsed.send_to_flex):
                found.add(flow.sid)
        return found

    @cached_property
    def stacks(self) -> dict[str, Stack]:
        """number SID -> stack, for every phone number in the snapshot."""
        previous, self.previous = self.previous, None
        if previous is not None and "stacks" in vars(previous) and previous.flex == self.flex \
                and all(_same(previous.snapshot.of_type(t), self.snapshot.of_type(t))
                        for t in STACK_INPUTS):
            return previous.stacks
        return {n.sid: self.stack_of(n) for n in self.snapshot.of_type("phone_number")}

    @cached_property
    def flex_numbers(self) -> list[Resource]:
        return [n for n in self.snapshot.of_type("phone_number") if self.stacks[n.sid] != NONE]

    @cached_property
    def workflows(self) -> dict[str, Resource]:
        """Workflows of the Flex workspace, by SID."""
        ws = self.workspace_sid
        return {w.sid: w for w in self.snapshot.of_type("taskrouter_workflow")
                if w.get("workspace_sid") == ws}

    @cached_property
    def task_channels(self) -> dict[str, Resource]:
        """Task channels of the Flex workspace, by SID."""
        ws = self.workspace_sid
        return {c.sid: c for c in self.snapshot.of_type("taskrouter_task_channel")
                if c.get("workspace_sid") == ws}

    @cached_property
    def task_queues(self) -> dict[str, Resource]:
        """Task queues of the Flex workspace, by SID."""
        ws = self.workspace_sid
        return {q.sid: q for q in self.snapshot.of_type("taskrouter_task_queue")
                if q.get("workspace_sid") == ws}

    @cached_property
    def flows(self) -> dict[str, Resource]:
        return {f.sid: f for f in self.snapshot.of_type("studio_flow")}

    def flows_named(self, name: str) -> list[Resource]:
        return [f for f in self.flows.values() if f.get("friendly_name") == name]

    @cached_property
    def flex_flow_refs(self) -> dict[str, list[tuple[str, str, str]]]:
        """Studio flow SID -> [(resource_type, sid, how)] of every Flex entry point that uses it."""
        refs: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
        for number in self.flex_numbers:
            for field_name in ("voice_url", "sms_url"):
                target = classify(number.get(field_name))
                if target.kind == "studio" and target.sid:
                    refs[target.sid].append(("phone_number", number.sid, field_name))
        for flow in self.snapshot.of_type("flex_flow"):
            integration = flow.get("integration") or {}
            sid = integration.get("flow_sid") if hasattr(integration, "get") else None
            if flow.get("integration_type") == "studio" and sid:
                refs[str(sid)].append(("flex_flow", flow.sid, "integration.flow_sid"))
        for address in self.snapshot.of_type("address_configuration"):
            sid = auto_creation(address).get("studio_flow_sid")
            if sid:
                refs[str(sid)].append(("address_configuration", address.sid,
                                       "auto_creation.studio_flow_sid"))
        return dict(refs)

    def flex_flow_sids(self) -> set[str]:
        """Studio flows that Flex traffic reaches, or that carry a default Flex flow name."""
        return set(self._flex_flow_sids)

    @cached_property
    def _flex_flow_sids(self) -> frozenset[str]:  # is_watched asks once per flow
        names = {self.flex.voice_flow_name, self.flex.messaging_flow_name,
                 self.flex.webchat_flow_name}
        named = {f.sid for f in self.flows.values() if f.get("friendly_name") in names}
        return frozenset(self.flex_flow_refs) | named

    def is_watched(self, resource: Resource) -> bool:
        """Whether baseline drift applies: Flex plumbing only, never unrelated resources."""
        if resource.type == "phone_number":
            return self.stacks.get(resource.sid, NONE) != NONE
        if resource.type == "studio_flow":
            return resource.sid in self._flex_flow_sids
        if resource.type == "chat_service":
            return resource.sid == self.chat_service_sid
        if resource.type in ("proxy_service", "proxy_phone_number"):
            proxy = self.flex_proxy
            sid = resource.sid if resource.type == "proxy_service" else resource.get("service_sid")
            return proxy is not None and sid == proxy.sid
        if resource.type == "taskrouter_workspace":
            return resource.sid == self.workspace_sid
        if resource.type in WORKSPACE_CHILDREN:
            return bool(resource.get("workspace_sid") == self.workspace_sid)
        return self._conversations_watched(resource)

    # -- Flex Conversations ----------------------------------------------------------------------
    @cached_property
    def conversations_configuration(self) -> Resource | None:
        found = self.snapshot.of_type("conversations_configuration")
        return found[0] if found else None

    @property
    def default_service_sid(self) -> str | None:
        """The default Conversations service: the only one Flex uses."""
        config = self.conversations_configuration
        value = config.get("default_chat_service_sid") if config else None
        return value if isinstance(value, str) and value else None

    @cached_property
    def address_service_sids(self) -> frozenset[str]:
        return frozenset(str(auto_creation(a).get("conversation_service_sid"))
                         for a in self.snapshot.of_type("address_configuration")
                         if auto_creation(a).get("conversation_service_sid"))

    @cached_property
    def flex_messaging_services(self) -> frozenset[str]:
        """Messaging Services Flex uses: the defaults, and those holding a Flex number."""
        found = {self._config("messaging_service_instance_sid")}
        config = self.conversations_configuration
        found.add(config.get("default_messaging_service_sid") if config else None)
        found |= {n.get("service_sid") for n in self.snapshot.of_type("messaging_phone_number")
                  if self.stacks.get(n.sid, NONE) != NONE}
        return frozenset(str(s) for s in found if s)

    def _conversations_watched(self, resource: Resource) -> bool:
        default = self.default_service_sid
        kind = resource.type
        if kind == "conversations_service":
            return resource.sid == default or resource.sid in self.address_service_sids
        if kind in ("conversations_service_configuration", "conversations_service_webhooks"):
            return resource.sid == default
        if kind == "conversations_role":
            return bool(resource.get("chat_service_sid") == default)
        if kind == "messaging_service":
            return resource.sid in self.flex_messaging_services
        if kind == "messaging_phone_number":
            return self.stacks.get(resource.sid, NONE) != NONE
        if kind == "whatsapp_sender":
            return str(resource.get("sender_id")) in self.addresses_by_number
        return kind not in ("conversation", "taskrouter_task")  # live state, not plumbing


def _same(before: list[Resource], now: list[Resource]) -> bool:
    """The same resources in the same order: the very objects (most, from unchanged pages), or
    of the same SID and fingerprint (a fingerprint is of the whole essence, all a stack reads)."""
    return len(before) == len(now) and all(
        a.sid == b.sid and a.type == b.type and a.fingerprint == b.fingerprint
        for a, b in zip(before, now, strict=True) if a is not b)
