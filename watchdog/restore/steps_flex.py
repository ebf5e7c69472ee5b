"""Flex Flows: the Chat Service the Flex Configuration names now and the Studio flow the
baseline had (mapped); a deleted Flex Flow re-created from the baseline."""

from __future__ import annotations

from typing import Any

from watchdog.healing.model import Request
from watchdog.model.snapshot import Resource
from watchdog.restore.context import PlanContext, form, label
from watchdog.restore.plan import Step

FLEX_FLOWS = "https://flex-api.twilio.com/v1/FlexFlows"
CHAT_RULES = ("flex.flow-chat-service-mismatch",)
FLOW_RULES = ("flex.flow-studio-flow-missing",)
MISSING_RULES = ("baseline.resource-deleted", "numbers.flex-flow-missing")


def _flow_sid(resource: Resource) -> Any:
    integration = resource.get("integration") or {}
    return integration.get("flow_sid") if hasattr(integration, "get") else None


def repoint(ctx: PlanContext, old: Resource, cur: Resource) -> Step | None:
    before: dict[str, Any] = {"chat_service_sid": cur.get("chat_service_sid"),
                              "integration.flow_sid": _flow_sid(cur)}
    after: dict[str, Any] = {}
    fields: dict[str, str | list[str]] = {}
    reasons: tuple[Any, ...] = ()
    chat = ctx.sids.resolve(old.get("chat_service_sid"))
    chat_reasons = ctx.reasons.about([cur.sid], CHAT_RULES)
    if chat and chat != before["chat_service_sid"] and chat_reasons:
        after["chat_service_sid"], fields["ChatServiceSid"] = chat, chat
        reasons += chat_reasons
    flow = ctx.sids.resolve(_flow_sid(old))
    flow_reasons = ctx.reasons.about([cur.sid], FLOW_RULES)
    if flow and flow != before["integration.flow_sid"] and flow_reasons:
        after["integration.flow_sid"], fields["Integration.FlowSid"] = flow, flow
        reasons += flow_reasons
    if not fields:
        return None
    url = f"{FLEX_FLOWS}/{cur.sid}"
    return Step("flex-flow", "update", cur.type, cur.sid, label(cur), reasons,
                Request("POST", url, fields), {k: before[k] for k in after}, after,
                cur.fingerprint, url)


def recreate(ctx: PlanContext, old: Resource) -> Step | None:
    numbers = [n.sid for n in ctx.cur.of_type("phone_number")
               if old.get("contact_identity") and n.get("phone_number") == old.get(
                   "contact_identity")]
    reasons = ctx.reasons.about([old.sid, *numbers], MISSING_RULES)
    chat = ctx.sids.resolve(old.get("chat_service_sid"))
    integration = old.get("integration") or {}
    flow = ctx.sids.resolve(_flow_sid(old))
    if not chat or (_flow_sid(old) and not flow):
        if reasons:
            ctx.note("refused", old.sid, f"{label(old)}: its Chat Service or Studio flow has "
                     "no counterpart now: run Flex System Checkup or restore the flow first")
        return None
    fields = form(FriendlyName=old.get("friendly_name"), ChatServiceSid=chat,
                  ChannelType=old.get("channel_type"),
                  ContactIdentity=old.get("contact_identity"), Enabled=old.get("enabled"),
                  IntegrationType=old.get("integration_type"), Integration__FlowSid=flow,
                  Integration__RetryCount=integration.get("retry_count"),
                  LongLived=old.get("long_lived"), JanitorEnabled=old.get("janitor_enabled"))
    after = {"friendly_name": old.get("friendly_name"), "chat_service_sid": chat,
             "channel_type": old.get("channel_type"), "integration.flow_sid": flow}
    return Step("flex-flow-create", "create", old.type, old.sid, label(old), reasons,
                Request("POST", FLEX_FLOWS, fields), {}, after, None, FLEX_FLOWS,
                {"friendly_name": old.get("friendly_name")})
