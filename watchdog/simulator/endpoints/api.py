"""``api.twilio.com/2010-04-01``: Accounts (list) and IncomingPhoneNumbers (list, fetch, update,
release)."""

from __future__ import annotations

import re
from typing import Any

from watchdog.simulator.calls import (
    Call,
    Converter,
    Reply,
    boolean,
    form_changes,
    http_method,
    ok,
    text,
)
from watchdog.simulator.errors import bad_request
from watchdog.simulator.paging import page_2010, page_request
from watchdog.simulator.records import Record, account


def sid_of(prefix: str) -> Converter:
    """A SID parameter: ``""`` clears it (null), anything else must be ``prefix`` + 32 hex."""
    pattern = re.compile(rf"^{prefix}[0-9a-fA-F]{{32}}$")

    def convert(name: str, values: list[str]) -> str | None:
        value = values[0]
        if value == "":
            return None
        if not pattern.match(value):
            raise bad_request(f"Invalid {name}: {value!r} is not a {prefix} SID")
        return value

    return convert


def receive_mode(name: str, values: list[str]) -> str:
    """``voice`` or ``fax``."""
    if values[0] not in ("voice", "fax"):
        raise bad_request(f"Invalid {name}: {values[0]!r}")
    return values[0]


NUMBER_FIELDS: dict[str, Converter] = {
    "FriendlyName": text, "ApiVersion": text,
    "SmsUrl": text, "SmsMethod": http_method, "SmsFallbackUrl": text,
    "SmsFallbackMethod": http_method, "SmsApplicationSid": sid_of("AP"),
    "VoiceUrl": text, "VoiceMethod": http_method, "VoiceFallbackUrl": text,
    "VoiceFallbackMethod": http_method, "VoiceApplicationSid": sid_of("AP"),
    "VoiceCallerIdLookup": boolean, "VoiceReceiveMode": receive_mode,
    "StatusCallback": text, "StatusCallbackMethod": http_method, "TrunkSid": sid_of("TK"),
    "IdentitySid": sid_of("RI"), "AddressSid": sid_of("AD"), "BundleSid": sid_of("BU"),
    "EmergencyAddressSid": sid_of("AD"),
}


def _account(call: Call) -> None:
    # Credentials are for one account; another AccountSid in the path (or an SK SID, the
    # classic API-key mistake) is "not found", as Twilio answers.
    if call.params["AccountSid"] != call.world.account_sid:
        raise call.not_found()


def _number(call: Call) -> Record:
    _account(call)
    number = call.world.store.numbers.get(call.params["Sid"])
    if number is None:
        raise call.not_found()
    return number


def _phone_filter(pattern: str) -> re.Pattern[str]:
    # "You can specify partial numbers and use '*' as a wildcard for any digit."
    return re.compile("".join(r"\d" if char == "*" else re.escape(char) for char in pattern))


def list_numbers(call: Call) -> Reply:
    """GET list; filters ``PhoneNumber`` (partial, ``*`` wildcard), ``FriendlyName``,
    ``Origin``, ``Beta``."""
    _account(call)
    query = call.query
    items: list[Record] = list(call.world.store.numbers.values())
    if query.get("PhoneNumber"):
        wanted = _phone_filter(query["PhoneNumber"])
        items = [item for item in items if wanted.search(item["phone_number"])]
    if query.get("FriendlyName"):
        items = [item for item in items if item["friendly_name"] == query["FriendlyName"]]
    if query.get("Origin"):
        items = [item for item in items if item["origin"] == query["Origin"]]
    if query.get("Beta", "").lower() == "false":
        items = [item for item in items if not item["beta"]]
    req = page_request(query, 1000)
    return ok(page_2010(call.path, call.filters(), "incoming_phone_numbers", items, req))


def fetch_number(call: Call) -> Reply:
    """GET one number."""
    return ok(_number(call))


def update_number(call: Call) -> Reply:
    """POST: change webhooks etc.; logs a ``phone-number.updated`` Monitor Event."""
    number = _number(call)
    changes: dict[str, Any] = form_changes(call, NUMBER_FIELDS)
    world = call.world
    return ok(world.update_number(number["sid"], changes, world.api(call.client_ip)))


def delete_number(call: Call) -> Reply:
    """DELETE: release the number; logs ``phone-number.deleted``."""
    number = _number(call)
    call.world.delete_number(number["sid"], call.world.api(call.client_ip))
    return Reply(204)


def list_accounts(call: Call) -> Reply:
    """GET the account of the credentials and its subaccounts; filters ``FriendlyName`` and
    ``Status``. A subaccount's record carries its auth token, as Twilio's does."""
    worlds = [call.world, *call.world.subaccounts]
    items = [account(w.account_sid, w.owner_sid, w.friendly_name, w.status, w.auth_token,
                     w.created_2010) for w in worlds]
    query = call.query
    if query.get("FriendlyName"):
        items = [item for item in items if item["friendly_name"] == query["FriendlyName"]]
    if query.get("Status"):
        items = [item for item in items if item["status"] == query["Status"]]
    req = page_request(query, 1000)
    return ok(page_2010(call.path, call.filters(), "accounts", items, req))
