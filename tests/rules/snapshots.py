"""Snapshots built directly from ``Resource.make`` for fast rule edge cases (no HTTP).

``legacy()`` and ``conversations()`` return an ``Account``: a mutable bag of resource essences
with the SIDs as attributes; ``account.snapshot()`` freezes it, ``evaluate(account)`` runs the
rules like a check does.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

from watchdog.errors import FetchReason
from watchdog.model.findings import Finding
from watchdog.model.snapshot import FAMILIES, RESOURCE_FAMILY, FamilyState, Resource, Snapshot
from watchdog.model.urls import flow_url, proxy_message_url
from watchdog.rules.context import RuleContext
from watchdog.rules.engine import evaluate as run_rules
from watchdog.settings import Settings
from watchdog.simulator import studio

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
AC = "AC" + "0" * 32


def sid(prefix: str, n: int) -> str:
    return f"{prefix}{n:032x}"


class Account:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], dict[str, Any]] = {}
        self.failed: set[str] = set()
        self.numbers: list[str] = []

    def add(self, type_: str, sid_: str, **essence: Any) -> str:
        self.items[(type_, sid_)] = {"sid": sid_, **essence}
        return sid_

    def set(self, type_: str, sid_: str, **changes: Any) -> None:
        self.items[(type_, sid_)].update(changes)

    def get(self, type_: str, sid_: str) -> dict[str, Any]:
        return self.items[(type_, sid_)]

    def drop(self, type_: str, sid_: str) -> None:
        del self.items[(type_, sid_)]

    def fail(self, *families: str) -> Account:
        self.failed |= set(families)
        return self

    def copy(self) -> Account:
        return copy.deepcopy(self)

    def snapshot(self) -> Snapshot:
        by_family: dict[str, list[Resource]] = {f: [] for f in FAMILIES}
        for (type_, sid_), essence in self.items.items():
            by_family[RESOURCE_FAMILY[type_]].append(Resource.make(type_, sid_, essence))
        states = {f: FamilyState(f, "failed", error="simulated",
                               reason=FetchReason.SERVER_ERROR)
                  if f in self.failed else FamilyState(f, "complete", tuple(rs))
                  for f, rs in by_family.items()}
        return Snapshot(AC, NOW, states)

    # -- building blocks -----------------------------------------------------------------------
    def flow(self, n: int, name: str, definition: dict[str, Any] | None,
             status: str = "published") -> str:
        return self.add("studio_flow", sid("FW", n), friendly_name=name, status=status,
                        draft_pending=status == "draft", definition=definition)

    def number(self, n: int, *, sms_url: str | None = None, voice_flow: str | None = None,
               **fields: Any) -> str:
        pn = self.add("phone_number", sid("PN", n), phone_number=f"+1555000{n:04d}",
                      voice_url=flow_url(AC, voice_flow) if voice_flow else None,
                      voice_method="POST", voice_application_sid=None, trunk_sid=None,
                      sms_url=sms_url, sms_method="POST", sms_application_sid=None)
        self.set("phone_number", pn, **fields)
        self.numbers.append(pn)
        return pn


def _base() -> Account:
    acc = Account()
    acc.ws, acc.ww, acc.wq = sid("WS", 1), sid("WW", 1), sid("WQ", 1)
    acc.add("taskrouter_workspace", acc.ws, friendly_name="Flex Task Assignment")
    acc.add("taskrouter_task_queue", acc.wq, friendly_name="Everyone", workspace_sid=acc.ws,
            target_workers="1==1")
    acc.add("taskrouter_workflow", acc.ww, friendly_name="Assign to Anyone", workspace_sid=acc.ws,
            configuration=json.dumps({"task_routing": {"filters": [],
                                                       "default_filter": {"queue": acc.wq}}}))
    acc.tc = {}
    for i, unique in enumerate(("default", "voice", "chat", "sms"), start=1):
        acc.tc[unique] = acc.add("taskrouter_task_channel", sid("TC", i), unique_name=unique,
                                 friendly_name=unique.title(), workspace_sid=acc.ws)
    acc.config = acc.add("flex_configuration", AC, taskrouter_workspace_sid=acc.ws,
                         taskrouter_target_workflow_sid=acc.ww, chat_service_instance_sid=None)
    acc.voice_ivr = acc.flow(1, "Voice IVR", studio.voice_ivr(acc.ww, acc.tc["voice"]))
    return acc


def legacy(numbers: int = 2) -> Account:
    """Legacy Flex: chat service, Flex Proxy Service, default flows, one Flex Flow per number."""
    acc = _base()
    acc.chat = acc.add("chat_service", sid("IS", 1), friendly_name="Flex Chat Service")
    acc.set("flex_configuration", AC, chat_service_instance_sid=acc.chat)
    acc.proxy = acc.add("proxy_service", sid("KS", 1), unique_name="Flex Proxy Service",
                        chat_instance_sid=acc.chat)
    acc.messaging = acc.flow(2, "Messaging Flow", studio.chat_flow(acc.ww, acc.tc["chat"], "m"))
    acc.webchat = acc.flow(3, "Webchat Flow", studio.chat_flow(acc.ww, acc.tc["chat"], "w"))
    acc.add("flex_flow", sid("FO", 99), friendly_name="Flex Web Channel", chat_service_sid=acc.chat,
            channel_type="web", contact_identity=None, enabled=True, integration_type="studio",
            integration={"flow_sid": acc.webchat, "retry_count": 3})
    for n in range(1, numbers + 1):
        add_legacy_number(acc, n)
    acc.other = acc.number(9999, sms_url="https://example.com/sms",
                           voice_url="https://example.com/voice")
    acc.numbers.remove(acc.other)
    return acc


def add_legacy_number(acc: Account, n: int) -> str:
    pn = acc.number(n, sms_url=proxy_message_url(AC, acc.proxy), voice_flow=acc.voice_ivr)
    phone = acc.get("phone_number", pn)["phone_number"]
    acc.add("proxy_phone_number", pn, phone_number=phone, service_sid=acc.proxy, is_reserved=False)
    acc.add("flex_flow", sid("FO", n), friendly_name=f"Flex SMS {phone}", chat_service_sid=acc.chat,
            channel_type="sms", contact_identity=phone, enabled=True, integration_type="studio",
            integration={"flow_sid": acc.messaging, "retry_count": 3})
    return pn


def conversations(numbers: int = 2) -> Account:
    """Flex Conversations: no chat/proxy/Flex Flows; one address per number."""
    acc = _base()
    acc.messaging = acc.flow(2, "Messaging Flow",
                             studio.conversation_flow(acc.ww, acc.tc["chat"]))
    add_conversations_service(acc)
    for n in range(1, numbers + 1):
        add_conversations_number(acc, n)
    acc.other = acc.number(9999, sms_url="https://example.com/sms",
                           voice_url="https://example.com/voice")
    acc.numbers.remove(acc.other)
    return acc


AGENT = ["editConversationAttributes", "sendMessage", "sendMediaMessage", "leaveConversation",
         "editOwnMessage", "editOwnMessageAttributes", "deleteOwnMessage"]


def add_conversations_service(acc: Account) -> str:
    """The default Conversations service ("Flex Chat Service") with its settings and roles."""
    acc.service = acc.add("conversations_service", sid("IS", 9), friendly_name="Flex Chat Service")
    acc.add("conversations_configuration", AC, default_chat_service_sid=acc.service,
            default_messaging_service_sid=None, default_inactive_timer=None,
            default_closed_timer=None)
    acc.add("conversations_webhooks", AC, pre_webhook_url=None, post_webhook_url=None,
            method="POST", filters=[], target="webhook")
    acc.add("conversations_service_webhooks", acc.service, chat_service_sid=acc.service,
            pre_webhook_url=None, post_webhook_url=None, method="POST", filters=[])
    acc.agent = acc.add("conversations_role", sid("RL", 1), chat_service_sid=acc.service,
                        friendly_name="agent", type="conversation", permissions=list(AGENT))
    return acc.service


def add_conversations_number(acc: Account, n: int) -> str:
    pn = acc.number(n, voice_flow=acc.voice_ivr)
    acc.add("address_configuration", sid("IG", n), type="sms",
            address=acc.get("phone_number", pn)["phone_number"],
            auto_creation={"enabled": True, "type": "studio", "studio_flow_sid": acc.messaging,
                           "conversation_service_sid": sid("IS", 9), "studio_retry_count": 3})
    return pn


def evaluate(acc: Account, baseline: Account | None = None,
             settings: Settings | None = None) -> list[Finding]:
    ctx = RuleContext(acc.snapshot(), NOW, settings or Settings(),
                      baseline.snapshot() if baseline else None)
    return run_rules(ctx).findings


def fired(findings: list[Finding], rule: str | None = None) -> list[tuple[str, str]]:
    return [(f.rule, f.resource_sid) for f in findings if rule is None or f.rule == rule]
