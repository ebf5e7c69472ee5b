"""Incoming Phone Numbers (the 2010 API)."""

from __future__ import annotations

from typing import Any

from watchdog.fetchers.common import make
from watchdog.fetchers.context import FetchContext
from watchdog.fetchers.pages import read_converted
from watchdog.model.snapshot import Resource

NUMBER_FIELDS = ("sid", "phone_number", "friendly_name", "voice_url", "voice_method",
                 "voice_fallback_url", "voice_application_sid", "trunk_sid", "sms_url",
                 "sms_method", "sms_fallback_url", "sms_application_sid", "status_callback")


def _number(instance: Any) -> Resource:
    # Twilio returns unset fields as "" or null: one spelling, so a fingerprint does not flap.
    # None of these fields is a date, so the instance's values are taken as they are.
    fields = vars(instance)
    data = {k: (None if fields.get(k) == "" else fields.get(k)) for k in NUMBER_FIELDS}
    return make("phone_number", data)


def fetch_numbers(ctx: FetchContext) -> list[Resource]:
    lister = ctx.client.api.v2010.accounts(ctx.account_sid).incoming_phone_numbers
    return read_converted(ctx, lister, 1000, _number)
