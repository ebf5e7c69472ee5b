"""Hops, one segment at a time: each judged on its families (unknown when one could not be
read), then on the findings (broken, with the finding), then on the structure (broken when the
resource is missing or mis-configured and no rule said so)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from watchdog.model.addresses import auto_creation, creation_type, enabled
from watchdog.model.flowdef import FlowDef, FlowDefError, SendToFlex, parse
from watchdog.model.snapshot import Resource, Snapshot
from watchdog.model.topology import Topology
from watchdog.model.urls import blank, classify
from watchdog.model.workflows import routed_queues
from watchdog.routes import explain as rules
from watchdog.routes.explain import Explainer
from watchdog.routes.model import Hop
from watchdog.rules.address_checks import integration_problem
from watchdog.rules.messaging import ONLINE
from watchdog.rules.send_to_flex import kind_problem

CALL, MESSAGE, CONVERSATION = "incomingCall", "incomingMessage", "incomingConversationMessage"
KIND_LABELS = {"number": "Phone number", "sender": "WhatsApp sender",
               "proxy": "Flex Proxy Service", "flex_flow": "Flex Flow",
               "address": "Conversations address", "conversations_service": "Conversations service",
               "studio_flow": "Studio flow", "trigger": "Studio flow trigger",
               "workflow": "Workflow", "task_channel": "Task channel", "task_queue": "Task queue"}
Hops = list[Hop]


@dataclass
class Tracer:
    snapshot: Snapshot
    topo: Topology
    explainer: Explainer
    _parsed: dict[str, FlowDef | None] = field(default_factory=dict)
    _tails: dict[tuple[str, str, str], tuple[Hop, ...]] = field(default_factory=dict)
    _studio: dict[tuple[str | None, str], tuple[Hop, ...]] = field(default_factory=dict)
    _complete: frozenset[str] = frozenset()
    _chat_exists: bool = False
    _proxy: dict[bool, Hop] = field(default_factory=dict)

    def __post_init__(self) -> None:  # asked once per hop: 20,000 entry points at 10,000 numbers
        self._complete = frozenset(f for f, s in self.snapshot.families.items() if s.complete)
        chat = self.topo.chat_service_sid
        self._chat_exists = bool(chat) and self.snapshot.get("chat_service", chat) is not None

    def hop(self, kind: str, sid: str | None, label: str, families: tuple[str, ...],
            rule_ids: frozenset[str], anchors: Iterable[str | None], problem: bool,
            trigger: str | None = None, widget: str | None = None) -> Hop:
        if not self._complete.issuperset(families):
            unread = [f for f in families if f not in self._complete]
            what = f"{KIND_LABELS[kind]} {sid}" if sid else KIND_LABELS[kind]
            return Hop(kind, sid, f"{what} ({', '.join(unread)} could not be read)", "unknown")
        finding = self.explainer.find(rule_ids, anchors, trigger, widget)
        if finding is not None:
            return Hop(kind, sid, label, "broken", finding.id, finding.rule)
        return Hop(kind, sid, label, "broken" if problem else "ok")

    # -- the first hops of each stack ------------------------------------------------------------
    def voice_number(self, number: Resource) -> tuple[Hop, str | None]:
        target = classify(number.get("voice_url"))
        override = number.get("voice_application_sid") or number.get("trunk_sid")
        flow = target.sid if target.kind == "studio" and not override and \
            target.account_sid == self.snapshot.account_sid else None
        name = self.topo.flows[flow].name if flow in self.topo.flows else flow
        label = f'A call comes in → Studio flow "{name}"' if flow else \
            "A call comes in → " + ("a TwiML App or SIP trunk" if override else "not a Studio flow")
        return self.hop("number", number.sid, label, ("numbers",), rules.VOICE_NUMBER,
                        (number.sid,), flow is None), flow

    def legacy_number(self, number: Resource) -> Hops:
        proxy = self.topo.flex_proxy
        target = classify(number.get("sms_url"))
        ok = target.kind == "proxy-message" and (proxy is None or target.sid == proxy.sid)
        pooled = proxy is not None and (str(number.get("phone_number")) in self.topo.proxy_pool
                                        or number.sid in self.topo.proxy_pool_sids)
        first = self.hop("number", number.sid, "A message comes in → Flex Proxy Service",
                         ("numbers", "proxy"),
                         rules.LEGACY_NUMBER if ok or proxy else rules.LEGACY_NUMBER_NO_PROXY,
                         (number.sid,), not ok)
        if self.explainer.names_any(number.sid) or pooled not in self._proxy:
            label = "no Flex Proxy Service" if proxy is None else \
                f'Flex Proxy Service "{proxy.name}"' + ("" if pooled else ", number not in its pool")
            hop = self.hop("proxy", proxy.sid if proxy else None, label,
                           ("proxy", "configuration"), rules.PROXY,
                           (proxy.sid if proxy else "flex-proxy-service", number.sid), not pooled)
            if self.explainer.names_any(number.sid):
                return [first, hop]
            self._proxy[pooled] = hop  # the same for every number no finding names
        return [first, self._proxy[pooled]]

    def conversations_number(self, number: Resource) -> Hop:
        handled = blank(number.get("sms_url")) and blank(number.get("sms_application_sid"))
        label = "A message comes in: blank (the address handles it)" if handled else \
            "A message comes in: set, so it is not handed to the address"
        return self.hop("number", number.sid, label, ("numbers", "messaging"),
                        rules.CONVERSATIONS_NUMBER, (number.sid,), not handled)

    def sender(self, address: Resource, sender: Resource | None) -> Hop:
        status = str(sender.get("status") or "") if sender is not None else ""
        label = f"WhatsApp sender {address.get('address')} " + (
            f"({status or 'no status'})" if sender is not None else "(not on the account)")
        return self.hop("sender", sender.sid if sender else None, label, ("whatsapp",),
                        rules.SENDER, (sender.sid if sender else None, address.sid),
                        status.upper() not in ONLINE)

    def flex_flow(self, flow: Resource | None, anchor: str | None) -> Hop:
        chat = self.topo.chat_service_sid if self._chat_exists else None
        bad = flow is None or flow.get("enabled") is False or not chat or \
            flow.get("chat_service_sid") != chat
        label = f'Flex Flow "{flow.name}"' if flow is not None else "no Flex Flow for the number"
        return self.hop("flex_flow", flow.sid if flow else None, label,
                        ("flex_flows", "configuration", "chat"), rules.FLEX_FLOW,
                        (flow.sid if flow else None, anchor), bad)

    def address(self, address: Resource, present: bool = True) -> Hops:
        """The address and the Conversations service it creates conversations in."""
        kind = creation_type(address) or "unset"
        bad = not present or not enabled(address) or integration_problem(address) is not None
        label = f"Conversations address {address.get('address')} ({kind}" + (
            ", deleted)" if not present else ")" if enabled(address) else ", auto-creation off)")
        first = self.hop("address", address.sid, label, ("conversations",), rules.ADDRESS,
                         (address.sid,), bad)
        own = auto_creation(address).get("conversation_service_sid")
        default = self.topo.default_service_sid
        sid = str(own) if own else default
        config = self.topo.conversations_configuration
        missing = not default or self.snapshot.get("conversations_service", default) is None or \
            (sid is not None and self.snapshot.get("conversations_service", sid) is None)
        service = self.snapshot.get("conversations_service", sid)
        label = f'Conversations service "{service.name}"' if service else \
            f"Conversations service {sid or '(none)'}"
        second = self.hop("conversations_service", sid, label, ("conversations_services",),
                          rules.SERVICE, (sid, default, config.sid if config else None,
                                          address.sid), missing)
        return [first, second]

    # -- Studio and TaskRouter, shared by every stack ------------------------------------------
    def studio(self, flow_sid: str | None, anchor: str | None, trigger: str) -> Hops:
        """Studio flow → trigger → workflow → task channel → queues. The same for every entry
        point into the flow by this trigger, but for a finding on what points at the flow (the
        number, Flex Flow or address ``anchor``), which only the first hop reads."""
        key = (flow_sid, trigger)
        if key not in self._studio:
            self._studio[key] = tuple(self._studio_route(flow_sid, None, trigger))
        shared = list(self._studio[key])
        if anchor and self.explainer.names(rules.STUDIO_FLOW, anchor):
            shared[0] = self._studio_route(flow_sid, anchor, trigger)[0]
        return shared

    def _studio_route(self, flow_sid: str | None, anchor: str | None, trigger: str) -> Hops:
        flow = self.topo.flows.get(flow_sid or "")
        definition = self._definition(flow)
        label = f'Studio flow "{flow.name}"' if flow else f"Studio flow {flow_sid} (deleted)"
        if flow is not None and flow.get("definition") is None:
            label += ", never published"
        first = self.hop("studio_flow", flow_sid, label, ("studio",), rules.STUDIO_FLOW,
                         (flow_sid, anchor), definition is None)
        if first.state == "unknown" or definition is None or flow_sid is None:
            return [first]
        widget = next((w for w in definition.send_to_flex if trigger in w.triggers), None)
        label = f'{trigger} → Send to Flex "{widget.name}"' if widget else \
            f"{trigger} reaches no Send to Flex widget"
        second = self.hop("trigger", flow_sid, label, ("studio",), rules.TRIGGER, (flow_sid,),
                          widget is None, trigger, widget.name if widget else None)
        if widget is None:
            return [first, second]
        return [first, second, *self._tail(flow_sid, widget, trigger)]

    def _definition(self, flow: Resource | None) -> FlowDef | None:
        if flow is None or flow.get("definition") is None:
            return None
        if flow.sid not in self._parsed:
            try:
                self._parsed[flow.sid] = parse(flow.get("definition"))
            except FlowDefError:
                self._parsed[flow.sid] = None
        return self._parsed[flow.sid]

    def _tail(self, flow_sid: str, widget: SendToFlex, trigger: str) -> tuple[Hop, ...]:
        """workflow → task channel → task queues: the same for every entry point that reaches
        this widget by this trigger, so built once."""
        key = (flow_sid, widget.name, trigger)
        if key not in self._tails:
            self._tails[key] = tuple(self._taskrouter(flow_sid, widget, trigger))
        return self._tails[key]

    def _taskrouter(self, flow_sid: str, widget: SendToFlex, trigger: str) -> Hops:
        topo, families = self.topo, ("configuration", "taskrouter")
        workflow = topo.workflows.get(widget.workflow or "")
        label = f'Workflow "{workflow.name}"' if workflow else \
            f"Workflow {widget.workflow} (not in the Flex workspace)"
        out = [self.hop("workflow", widget.workflow, label, families, rules.WORKFLOW,
                        (flow_sid, widget.workflow), workflow is None, trigger, widget.name)]
        if out[0].state == "unknown":
            return out
        channel = topo.task_channels.get(widget.channel or "")
        unique = str(channel.get("unique_name")) if channel else ""
        wrong = channel is None or kind_problem(unique, frozenset({trigger})) is not None
        label = f'Task channel "{unique}"' if channel else \
            f"Task channel {widget.channel} (not in the Flex workspace)"
        out.append(self.hop("task_channel", widget.channel, label, families, rules.TASK_CHANNEL,
                            (flow_sid,), wrong, trigger, widget.name))
        if workflow is None:
            return out
        queues = routed_queues(workflow)
        for sid in queues:
            queue = topo.task_queues.get(sid)
            label = f'Task queue "{queue.name}"' if queue else f"Task queue {sid} (deleted)"
            out.append(self.hop("task_queue", sid, label, families, rules.TASK_QUEUE, (sid,),
                                queue is None))
        if not queues:
            out.append(self.hop("task_queue", None, "the workflow routes to no task queue",
                                families, rules.TASK_QUEUE, (workflow.sid,), True))
        return out
