"""Phone numbers: "A message comes in" to the Flex Proxy Service that exists now (plus its pool
entry), "A call comes in" to the Studio flow that holds the baseline flow's role now."""

from __future__ import annotations

from typing import Any

from watchdog.healing.model import Request
from watchdog.model.snapshot import Resource
from watchdog.model.urls import blank, classify, flow_url, proxy_message_url
from watchdog.restore.context import PlanContext, form, label
from watchdog.restore.plan import Step

SMS_RULES = ("numbers.message-webhook-overwritten",)
VOICE_RULES = ("numbers.voice-flow-missing", "numbers.voice-webhook-overwritten")
# a deleted (re-created) Proxy Service's finding names the pool entries its numbers lack
POOL_RULES = ("numbers.proxy-registration-missing", *SMS_RULES)


def _target(ctx: PlanContext, url: Any) -> str | None:
    """The baseline URL with the Proxy Service or Studio flow it names mapped to now."""
    target = classify(url)
    new = ctx.sids.resolve(target.sid)
    if target.kind == "proxy-message" and new:
        return proxy_message_url(ctx.account_sid, new)
    if target.kind == "studio" and new:
        return flow_url(ctx.account_sid, new)
    return None


def webhooks(ctx: PlanContext, old: Resource, cur: Resource) -> Step | None:
    fields: dict[str, str | list[str]] = {}
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    reasons: tuple[Any, ...] = ()
    for key, form_key, rules in (("sms_url", "SmsUrl", SMS_RULES),
                                 ("voice_url", "VoiceUrl", VOICE_RULES)):
        wanted = _target(ctx, old.get(key))
        found = ctx.reasons.about([cur.sid], rules)
        if wanted and wanted != cur.get(key) and found:
            fields[form_key], before[key], after[key] = wanted, cur.get(key), wanted
            method = key.replace("_url", "_method")
            if not blank(old.get(method)):
                fields[form_key.replace("Url", "Method")] = str(old.get(method))
            reasons += found
    if not fields:
        return None
    url = (f"https://api.twilio.com/2010-04-01/Accounts/{ctx.account_sid}"
           f"/IncomingPhoneNumbers/{cur.sid}.json")
    return Step("number-webhooks", "update", cur.type, cur.sid, label(cur), reasons,
                Request("POST", url, fields), before, after, cur.fingerprint, url)


def pool(ctx: PlanContext, old: Resource, cur: Resource) -> Step | None:
    proxy = ctx.cur_topo.flex_proxy
    if old.sid not in ctx.base_topo.proxy_pool_sids or proxy is None:
        return None
    if cur.sid in ctx.cur_topo.proxy_pool_sids:
        return None
    url = f"https://proxy.twilio.com/v1/Services/{proxy.sid}/PhoneNumbers"
    return Step("proxy-pool", "create", "proxy_phone_number", cur.sid,
                f'pool entry "{cur.name}" ({cur.sid}) of {proxy.name} ({proxy.sid})',
                ctx.reasons.about([cur.sid], POOL_RULES), Request("POST", url, form(Sid=cur.sid)),
                {}, {"sid": cur.sid}, None, url, {"sid": cur.sid})
