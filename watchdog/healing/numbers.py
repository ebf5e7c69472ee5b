"""Healers for phone numbers: the message webhook, the voice webhook, the Proxy pool entry."""

from __future__ import annotations

from typing import Any

from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from watchdog.healing.healers import (
    Healer,
    legacy_population,
    legacy_refusal,
    number_label,
    number_url,
    pick,
    read_number,
    register,
    update_number,
)
from watchdog.healing.model import Change, HealView, Refusal, Request
from watchdog.model.findings import Finding
from watchdog.model.snapshot import Resource
from watchdog.model.topology import Stack
from watchdog.model.urls import classify, proxy_message_url

NUMBER_FAMILIES = ("configuration", "numbers", "flex_flows", "proxy", "conversations")
FORM_FIELDS = {"SmsUrl": "sms_url", "SmsMethod": "sms_method", "VoiceUrl": "voice_url",
               "VoiceMethod": "voice_method", "SmsApplicationSid": "sms_application_sid"}


class NumberHealer(Healer):
    """Writes IncomingPhoneNumber fields: ``POST .../IncomingPhoneNumbers/{PN}.json``."""

    resource_type = "phone_number"

    def read(self, client: Client, account_sid: str, change: Change) -> dict[str, Any]:
        keys = {**change.before, **change.desired}.keys()
        return read_number(client, account_sid, change.resource_sid, keys)

    def write(self, client: Client, account_sid: str, change: Change) -> None:
        fields = {FORM_FIELDS[name]: str(value) for name, value in change.request.form.items()}
        update_number(client, account_sid, change.resource_sid, **fields)

    def change(self, view: HealView, number: Resource, form: dict[str, str],
               guards: tuple[str, ...]) -> Change:
        desired = {FORM_FIELDS[name]: value for name, value in form.items()}
        before = pick(dict(number.essence), (*desired, *guards))
        wire: dict[str, str | list[str]] = dict(form)
        request = Request("POST", number_url(view.account_sid, number.sid), wire)
        return Change(self.rule, self.resource_type, number.sid,
                      number_label(number, number.sid), request, desired, before)

    def refuse(self, sid: str, number: Resource | None, reason: str) -> list[Change | Refusal]:
        return [Refusal(self.resource_type, sid, number_label(number, sid), reason)]


class LegacyNumberHealer(NumberHealer):
    """A heal that only a legacy Flex number with an existing Flex Proxy Service may get."""

    families = NUMBER_FAMILIES

    def population(self, view: HealView) -> set[str]:
        return legacy_population(view)

    def legacy_target(self, sid: str,
                      view: HealView) -> tuple[Resource, Resource] | list[Change | Refusal]:
        """(number ``sid``, the Flex Proxy Service), or the refusal when either is not there."""
        number = view.snapshot.get("phone_number", sid)
        if number is None:
            return self.refuse(sid, None, "the number is not in the snapshot")
        reason = legacy_refusal(view, number)
        proxy = view.topology.flex_proxy
        if reason is None and proxy is None:
            reason = "no Flex Proxy Service exists: services are never created by a heal"
        if reason or proxy is None:
            return self.refuse(sid, number, reason or "no Flex Proxy Service")
        return number, proxy


@register
class MessageWebhookHealer(LegacyNumberHealer):
    """``numbers.message-webhook-overwritten``: ``SmsUrl`` = the Flex Proxy Service webhook."""

    rule = "numbers.message-webhook-overwritten"

    def targets(self, finding: Finding) -> list[str]:
        """A finding on a deleted (re-created) Proxy Service heals every number it names."""
        return _numbers_of(finding) if finding.resource_type == "proxy_service" \
            else [finding.resource_sid]

    def plan(self, finding: Finding, view: HealView) -> list[Change | Refusal]:
        out: list[Change | Refusal] = []
        for sid in self.targets(finding):
            out += self._plan_number(sid, finding, view)
        return out

    def _plan_number(self, sid: str, finding: Finding,
                     view: HealView) -> list[Change | Refusal]:
        target = self.legacy_target(sid, view)
        if isinstance(target, list):
            return target
        number, proxy = target
        if number.get("sms_application_sid"):
            return self.refuse(sid, number, (
                f"a TwiML App ({number.get('sms_application_sid')}) handles messages and "
                "overrides SmsUrl: removing it is left to a human"))
        expected = proxy_message_url(view.account_sid, proxy.sid)
        claimed = finding.details.get("expected_sms_url")
        if claimed and claimed != expected:
            return self.refuse(sid, number, f"the rule expects {claimed}, the healer {expected}")
        form = {"SmsUrl": expected, "SmsMethod": "POST"}
        return [self.change(view, number, form, ("sms_application_sid",))]


def _numbers_of(finding: Finding) -> list[str]:
    return [str(a["sid"]) for a in finding.details.get("affected") or ()
            if isinstance(a, dict) and a.get("type") == "phone_number" and a.get("sid")]


@register
class VoiceWebhookHealer(NumberHealer):
    """``numbers.voice-webhook-overwritten``: ``VoiceUrl`` = the baseline's Studio flow."""

    rule = "numbers.voice-webhook-overwritten"
    families = (*NUMBER_FAMILIES, "studio")

    def population(self, view: HealView) -> set[str]:
        return {sid for sid, stack in view.topology.stacks.items() if stack != Stack.NONE}

    def plan(self, finding: Finding, view: HealView) -> list[Change | Refusal]:
        sid = finding.resource_sid
        number = view.snapshot.get("phone_number", sid)
        if number is None:
            return self.refuse(sid, None, "the number is not in the snapshot")
        reason = self._refusal(finding, view, number)
        if reason:
            return self.refuse(sid, number, reason)
        form = {"VoiceUrl": str(finding.details["expected_voice_url"]), "VoiceMethod": "POST"}
        return [self.change(view, number, form, ("voice_application_sid", "trunk_sid"))]

    def _refusal(self, finding: Finding, view: HealView, number: Resource) -> str | None:
        details = finding.details
        app, trunk = number.get("voice_application_sid"), number.get("trunk_sid")
        if app or trunk:
            what = f"TwiML App {app}" if app else f"SIP trunk {trunk}"
            return f"a {what} overrides VoiceUrl: removing it is left to a human"
        old = view.baseline.get("phone_number", number.sid) if view.baseline else None
        if details.get("expected_from") != "baseline" or old is None:
            return "the number has no baseline voice URL to restore"
        if classify(old.get("voice_url")).kind != "studio":
            return "the baseline voice URL is not a Studio flow"
        url = details.get("expected_voice_url")
        target = classify(url)
        if not url or target.kind != "studio" or target.account_sid != view.account_sid:
            return "no single Studio flow of this account to restore (see expected_flow_sids)"
        if target.sid not in (details.get("expected_flow_sids") or []):
            return f"the flow {target.sid} is not one the baseline expects"
        flow = view.topology.flows.get(str(target.sid))
        if flow is None:
            return f"Studio flow {target.sid} does not exist: flows are never created by a heal"
        if flow.get("status") != "published" and flow.get("definition") is None:
            return f'Studio flow "{flow.name}" ({flow.sid}) was never published'
        return None


@register
class ProxyRegistrationHealer(LegacyNumberHealer):
    """``numbers.proxy-registration-missing``: add the number to the Flex Proxy Service pool."""

    rule = "numbers.proxy-registration-missing"

    def plan(self, finding: Finding, view: HealView) -> list[Change | Refusal]:
        target = self.legacy_target(finding.resource_sid, view)
        if isinstance(target, list):
            return target
        number, proxy = target
        sid = number.sid
        elsewhere = [r.get("service_sid") for r in view.snapshot.of_type("proxy_phone_number")
                     if r.sid == sid and r.get("service_sid") != proxy.sid]
        reason = None
        if elsewhere:
            reason = (f"the number is in Proxy Service {elsewhere[0]}'s pool; a number can be in "
                      "one Proxy Service only")
        claimed = finding.details.get("proxy_service_sid")
        if reason is None and claimed and claimed != proxy.sid:
            reason = f"the rule names Proxy Service {claimed}, the healer {proxy.sid}"
        if reason:
            return self.refuse(sid, number, reason)
        url = f"https://proxy.twilio.com/v1/Services/{proxy.sid}/PhoneNumbers"
        return [Change(self.rule, self.resource_type, sid, number_label(number, sid),
                       Request("POST", url, {"Sid": sid}), {"in_flex_proxy_pool": True},
                       {"in_flex_proxy_pool": False}, {"service_sid": proxy.sid})]

    def read(self, client: Client, account_sid: str, change: Change) -> dict[str, Any]:
        pool = client.proxy.v1.services(change.scope["service_sid"]).phone_numbers
        try:
            pool(change.resource_sid).fetch()
        except TwilioRestException as exc:
            if exc.status != 404:
                raise
            return {"in_flex_proxy_pool": False}
        return {"in_flex_proxy_pool": True}

    def write(self, client: Client, account_sid: str, change: Change) -> None:
        client.proxy.v1.services(change.scope["service_sid"]).phone_numbers.create(
            sid=change.resource_sid)
