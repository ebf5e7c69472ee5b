"""Flex Conversations address configurations: the Studio flow they start (mapped), or the
whole configuration re-created from the baseline."""

from __future__ import annotations

from typing import Any

from watchdog.healing.model import Request
from watchdog.model.snapshot import Resource
from watchdog.restore.context import PlanContext, form, label
from watchdog.restore.plan import Step

ADDRESSES = "https://conversations.twilio.com/v1/Configuration/Addresses"
FLOW_RULES = ("conversations.address-studio-flow-missing",)
MISSING_RULES = ("baseline.resource-deleted", "conversations.address-missing")


def _auto(resource: Resource) -> Any:
    auto = resource.get("auto_creation") or {}
    return auto if hasattr(auto, "get") else {}


def repoint(ctx: PlanContext, old: Resource, cur: Resource) -> Step | None:
    wanted = ctx.sids.resolve(_auto(old).get("studio_flow_sid"))
    now = _auto(cur).get("studio_flow_sid")
    reasons = ctx.reasons.about([cur.sid], FLOW_RULES)
    if not wanted or wanted == now or not reasons:
        return None
    url = f"{ADDRESSES}/{cur.sid}"
    return Step("address-configuration", "update", cur.type, cur.sid, label(cur), reasons,
                Request("POST", url, {"AutoCreation.StudioFlowSid": wanted}),
                {"auto_creation.studio_flow_sid": now},
                {"auto_creation.studio_flow_sid": wanted}, cur.fingerprint, url)


def recreate(ctx: PlanContext, old: Resource) -> Step | None:
    auto = _auto(old)
    flow = ctx.sids.resolve(auto.get("studio_flow_sid"))
    reasons = ctx.reasons.about([old.sid], MISSING_RULES)
    if auto.get("studio_flow_sid") and not flow:
        if reasons:
            ctx.note("refused", old.sid, f"{label(old)}: its Studio flow has no counterpart "
                     "now and cannot be re-created")
        return None
    fields = form(Type=old.get("type"), Address=old.get("address"),
                  FriendlyName=old.get("friendly_name"),
                  AutoCreation__Enabled=auto.get("enabled"), AutoCreation__Type=auto.get("type"),
                  AutoCreation__ConversationServiceSid=auto.get("conversation_service_sid"),
                  AutoCreation__StudioFlowSid=flow,
                  AutoCreation__StudioRetryCount=auto.get("studio_retry_count"))
    after = {"address": old.get("address"), "type": old.get("type"),
             "auto_creation.studio_flow_sid": flow}
    return Step("address-configuration-create", "create", old.type, old.sid, label(old),
                reasons, Request("POST", ADDRESSES, fields), {}, after, None, ADDRESSES,
                {"address": old.get("address"), "type": old.get("type")})
