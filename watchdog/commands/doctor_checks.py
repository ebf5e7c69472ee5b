"""What ``flex-watchdog doctor`` checks, one ``Check`` each, never a secret in the text.

Twilio products are probed with one smallest read each (a list of one, or the singleton), the
same endpoints the fetchers and the Monitor feeds use, so "ok" means the daemon can read them.
Nothing is written: the state file is opened read-only, PagerDuty and Sentry are not contacted.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twilio.rest import Client

from watchdog.errors import CredentialsRejected, FetchError, FetchReason, StateError
from watchdog.fetchers.common import classify_error
from watchdog.settings import Settings

OK, OFF, FAIL = "ok", "off", "FAIL"


@dataclass(frozen=True)
class Check:
    label: str
    status: str  # ok, off (a feature left unset on purpose) or FAIL
    text: str
    fix: str = ""


Probe = Callable[[Any, str], object]
PRODUCTS: dict[str, Probe] = {
    "Flex Configuration": lambda c, _: c.flex_api.v1.configuration().fetch(),
    "Flex Flows": lambda c, _: c.flex_api.v1.flex_flow.list(limit=1),
    "Chat": lambda c, _: c.chat.v2.services.list(limit=1),
    "Proxy": lambda c, _: c.proxy.v1.services.list(limit=1),
    "TaskRouter": lambda c, _: c.taskrouter.v1.workspaces.list(limit=1),
    "Studio": lambda c, _: c.studio.v2.flows.list(limit=1),
    "Phone numbers": lambda c, sid: c.api.v2010.accounts(sid).incoming_phone_numbers.list(
        limit=1),
    "Conversations": lambda c, _: c.conversations.v1.address_configurations.list(limit=1),
    "Messaging": lambda c, _: c.messaging.v1.services.list(limit=1),
}
FEEDS: dict[str, tuple[str, Probe]] = {
    "Monitor Events": ("monitor_enabled", lambda c, _: c.monitor.v1.events.list(limit=1)),
    "Debugger alerts": ("alerts_enabled", lambda c, _: c.monitor.v1.alerts.list(limit=1)),
}


def probe(label: str, read: Probe, client: Client,
          account_sid: str) -> tuple[Check, FetchReason | None]:
    """The check of one product and why it failed, None when readable."""
    try:
        read(client, account_sid)
    except Exception as exc:  # every failure is a line of the screen, never a traceback
        error = classify_error(exc, account_sid)
        return Check(label, FAIL, str(error)[:160], _fix(label, error)), error.reason
    return Check(label, OK, "readable"), None



def _fix(label: str, error: FetchError) -> str:
    if isinstance(error, CredentialsRejected):
        return ("check TWILIO_ACCOUNT_SID with TWILIO_AUTH_TOKEN (or TWILIO_API_KEY and "
                "TWILIO_API_SECRET): Twilio rejected them")
    status = getattr(error, "status", None)
    if status == 403:
        return ("these credentials may not read it: use a Standard API key or the auth token "
                "(restricted keys cannot read Flex, Proxy, Chat or Conversations)")
    if status == 404 and label == "Flex Configuration":
        return "no Flex Configuration: is TWILIO_ACCOUNT_SID the Flex account?"
    if error.reason in (FetchReason.CONNECTION, FetchReason.TIMEOUT):
        return ("Twilio could not be reached: check the network, an HTTPS proxy, or "
                "FLEX_WATCHDOG_TWILIO_BASE_URL")
    if error.reason in (FetchReason.SERVER_ERROR, FetchReason.RATE_LIMITED):
        return "Twilio answered with a temporary error: run doctor again in a minute"
    return "see the error; `flex-watchdog check` shows the same read in context"


def base_url(settings: Settings, reasons: list[FetchReason | None]) -> Check:
    where = settings.twilio_base_url or "https://<product>.twilio.com"
    reached = [r for r in reasons if r not in (FetchReason.CONNECTION, FetchReason.TIMEOUT)]
    if reasons and not reached:
        return Check("Twilio base URL", FAIL, f"{where}: no product could be reached",
                     "check the network or FLEX_WATCHDOG_TWILIO_BASE_URL (unset it for Twilio)")
    note = " (not Twilio: a simulator or staging)" if settings.twilio_base_url else ""
    return Check("Twilio base URL", OK, where + note)


def state_file(settings: Settings) -> Check:
    from watchdog.store.store import StateStore

    path = Path(settings.state_path)
    directory = path.parent if str(path.parent) else Path(".")
    fix = "set FLEX_WATCHDOG_STATE_PATH to a file on a writable volume"
    if not path.exists():
        if not directory.is_dir():
            return Check("state file", FAIL, f"{path}: directory {directory} does not exist", fix)
        if not os.access(directory, os.W_OK):
            return Check("state file", FAIL, f"{path}: cannot be created, {directory} is "
                         "read-only", fix)
        return Check("state file", OK, f"{path}: not created yet (the first check creates it)")
    try:
        store = StateStore(path, read_only=True)
        try:
            owner = store.get_meta("account_sid")
        finally:
            store.close()
    except StateError as exc:
        return Check("state file", FAIL, str(exc).removeprefix("state: "), fix)
    if not os.access(path, os.W_OK) or not os.access(directory, os.W_OK):
        return Check("state file", FAIL, f"{path}: exists but is not writable", fix)
    if owner and settings.account_sid and owner != settings.account_sid:
        return Check("state file", FAIL, f"{path}: belongs to account {owner}",
                     "use one state file per account: set FLEX_WATCHDOG_STATE_PATH")
    return Check("state file", OK, f"{path}: writable, account {owner or '(none yet)'}")


def pagerduty(settings: Settings) -> Check:
    from watchdog.alerts import routing

    pd = settings.pagerduty
    if routing.routing_key(settings, routing.DEFAULT) is None:
        return Check("PagerDuty", OFF, "no routing key: findings do not page",
                     "set FLEX_WATCHDOG_PAGERDUTY__ROUTING_KEY to page")
    extra = len(pd.severity_routing_keys) + sum(1 for r in settings.rules.values()
                                                  if r.routing_key)
    routes = f", {extra} more route(s)" if extra else ""
    return Check("PagerDuty", OK, f"routing key set{routes}; events to {pd.base_url} "
                 "(`flex-watchdog alert test` sends one)")


def sentry(settings: Settings) -> Check:
    from sentry_sdk.utils import BadDsn, Dsn

    if settings.sentry.dsn is None:
        return Check("Sentry", OFF, "no DSN: errors are only logged",
                     "set FLEX_WATCHDOG_SENTRY__DSN to report errors to Sentry")
    try:
        dsn = Dsn(settings.sentry.dsn.get_secret_value())
    except BadDsn:
        return Check("Sentry", FAIL, "the DSN does not parse", "copy the DSN from Sentry again")
    return Check("Sentry", OK, f"{dsn.host}, project {dsn.project_id}, environment "
                 f"{settings.sentry.environment}")
