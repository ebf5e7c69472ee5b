"""Incoming Phone Numbers (the 2010 API)."""

from __future__ import annotations

from typing import Any

from watchdog.fetchers.common import make, read_all, record
from watchdog.fetchers.context import FetchContext
from watchdog.snapshot import Resource

NUMBER_FIELDS = ("sid", "phone_number", "friendly_name", "voice_url", "voice_method",
                 "voice_fallback_url", "voice_application_sid", "trunk_sid", "sms_url",
                 "sms_method", "sms_fallback_url", "sms_application_sid", "status_callback")


def _normalise(data: dict[str, Any]) -> dict[str, Any]:
    # Twilio returns unset fields as "" or null: one spelling, so a fingerprint does not flap.
    return {k: (None if v == "" else v) for k, v in data.items()}


def fetch_numbers(ctx: FetchContext) -> list[Resource]:
    lister = ctx.client.api.v2010.accounts(ctx.account_sid).incoming_phone_numbers
    return [make("phone_number", _normalise(record(r)), NUMBER_FIELDS)
            for r in read_all(lister, 1000, ctx.max_pages)]
