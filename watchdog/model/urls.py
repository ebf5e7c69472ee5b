"""Classify the webhook URLs Twilio writes into a phone number's configuration.

Only ``http``/``https`` and a trailing slash are tolerated; SIDs are compared exactly.
Reference: the console writes ``https://webhooks.twilio.com/v1/Accounts/{AC}/Proxy/{KS}/Webhooks/Message``
for a Proxy Service and ``https://webhooks.twilio.com/v1/Accounts/{AC}/Flows/{FW}`` for a Studio flow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_PROXY = re.compile(
    r"^https?://webhooks\.twilio\.com/v1/Accounts/(?P<account>AC[0-9a-fA-F]{32})"
    r"/Proxy/(?P<sid>KS[0-9a-fA-F]{32})/Webhooks/(?P<kind>Message|Call)/?$")
_FLOW = re.compile(
    r"^https?://webhooks\.twilio\.com/v1/Accounts/(?P<account>AC[0-9a-fA-F]{32})"
    r"/Flows/(?P<sid>FW[0-9a-fA-F]{32})/?(\?.*)?$")


@dataclass(frozen=True)
class Target:
    """Where a webhook URL sends traffic: ``proxy``, ``studio``, ``other`` or ``none``."""

    kind: str
    sid: str | None = None
    account_sid: str | None = None


_NONE = Target("none")


def classify(url: object) -> Target:
    if not isinstance(url, str):
        return _NONE
    return _classify(url)


@lru_cache(maxsize=4096)  # a pure function of the text: 10,000 numbers share a few URLs
def _classify(url: str) -> Target:
    if not url.strip():
        return _NONE
    text = url.strip()
    if m := _PROXY.match(text):
        return Target(f"proxy-{m['kind'].lower()}", m["sid"], m["account"])
    if m := _FLOW.match(text):
        return Target("studio", m["sid"], m["account"])
    return Target("other")


def proxy_message_url(account_sid: str, proxy_sid: str) -> str:
    return f"https://webhooks.twilio.com/v1/Accounts/{account_sid}/Proxy/{proxy_sid}/Webhooks/Message"


def flow_url(account_sid: str, flow_sid: str) -> str:
    return f"https://webhooks.twilio.com/v1/Accounts/{account_sid}/Flows/{flow_sid}"


def blank(value: object) -> bool:
    """Twilio returns unset fields as ``""`` or ``null``."""
    return value is None or (isinstance(value, str) and not value.strip())
