"""Healers for Flex Conversations: a number's stray messaging handler, the ``agent`` role."""

from __future__ import annotations

from typing import Any

from twilio.rest import Client

from watchdog.healing.healers import Healer, number_label, number_url, pick, register
from watchdog.healing.model import Change, HealView, Refusal, Request
from watchdog.healing.numbers import NUMBER_FAMILIES, NumberHealer
from watchdog.model.addresses import enabled
from watchdog.model.findings import Finding
from watchdog.model.topology import Stack
from watchdog.rules.conversations_service import AGENT_PERMISSIONS, SERVICE

BLANK = {"sms_url": None, "sms_application_sid": None}


@register
class ConversationsMessageHealer(NumberHealer):
    """``numbers.message-webhook-set-on-conversations``: blank ``SmsUrl`` and
    ``SmsApplicationSid``, the state Twilio's Flex setup asks for."""

    rule = "numbers.message-webhook-set-on-conversations"
    families = NUMBER_FAMILIES

    def population(self, view: HealView) -> set[str]:
        return {sid for sid, stack in view.topology.stacks.items() if stack == Stack.CONVERSATIONS}

    def plan(self, finding: Finding, view: HealView) -> list[Change | Refusal]:
        sid = finding.resource_sid
        number = view.snapshot.get("phone_number", sid)
        if number is None:
            return self.refuse(sid, None, "the number is not in the snapshot")
        reason = self._refusal(view, str(number.get("phone_number")), sid)
        if reason:
            return self.refuse(sid, number, reason)
        form: dict[str, str | list[str]] = {"SmsUrl": "", "SmsApplicationSid": ""}
        return [Change(self.rule, self.resource_type, sid, number_label(number, sid),
                       Request("POST", number_url(view.account_sid, sid), form), dict(BLANK),
                       pick(dict(number.essence), BLANK))]

    @staticmethod
    def _refusal(view: HealView, phone: str, sid: str) -> str | None:
        topo = view.topology
        if phone in topo.flex_flows_by_identity or phone in topo.proxy_pool \
                or sid in topo.proxy_pool_sids:
            return f"{phone} also has legacy Flex structure: choosing a stack is left to a human"
        addresses = topo.addresses_by_number.get(phone, [])
        if not addresses:
            return f"no Conversations address configuration has {phone}"
        if not all(enabled(a) for a in addresses):
            return (f"the address of {phone} has auto-creation disabled: its handler may be "
                    "what answers now")
        return None


@register
class AgentRoleHealer(Healer):
    """``conversations.agent-role-changed``: the role's permissions plus the missing ones."""

    rule = "conversations.agent-role-changed"
    families = SERVICE
    resource_type = "conversations_role"

    def population(self, view: HealView) -> set[str]:
        default = view.topology.default_service_sid
        return {r.sid for r in view.snapshot.of_type("conversations_role")
                if r.get("chat_service_sid") == default}

    def plan(self, finding: Finding, view: HealView) -> list[Change | Refusal]:
        sid = finding.resource_sid
        role = view.snapshot.get("conversations_role", sid)
        default = view.topology.default_service_sid
        label = f'role "{role.name}" ({sid})' if role is not None else sid
        if role is None or not default or role.get("chat_service_sid") != default:
            return [Refusal(self.resource_type, sid, label,
                            "the role is not in the default Conversations service")]
        if role.get("friendly_name") != "agent" or role.get("type") != "conversation":
            return [Refusal(self.resource_type, sid, label, "not the agent conversation role")]
        have = [str(p) for p in role.get("permissions") or ()]
        wanted = sorted({*have, *AGENT_PERMISSIONS})
        url = f"https://conversations.twilio.com/v1/Services/{default}/Roles/{sid}"
        return [Change(self.rule, self.resource_type, sid, label,
                       Request("POST", url, {"Permission": wanted}), {"permissions": wanted},
                       {"permissions": sorted(have)}, {"service_sid": default})]

    def read(self, client: Client, account_sid: str, change: Change) -> dict[str, Any]:
        role = client.conversations.v1.services(change.scope["service_sid"]).roles(
            change.resource_sid).fetch()
        return {"permissions": sorted(str(p) for p in role.permissions or [])}

    def write(self, client: Client, account_sid: str, change: Change) -> None:
        client.conversations.v1.services(change.scope["service_sid"]).roles(
            change.resource_sid).update(permission=list(change.desired["permissions"]))
