"""Fetch families from Twilio. Each family is complete (every page read) or failed with a reason.

A failed family is *unknown*: nothing downstream may read it as "deleted".
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from datetime import datetime

from watchdog.errors import CredentialsRejected, FetchReason
from watchdog.fetchers import progress
from watchdog.fetchers.common import classify_error
from watchdog.fetchers.context import FetchContext
from watchdog.fetchers.conversations import (
    fetch_conversations_services,
    fetch_messaging,
    fetch_whatsapp,
)
from watchdog.fetchers.flex import fetch_configuration, fetch_flex_flows
from watchdog.fetchers.live import fetch_conversations_live
from watchdog.fetchers.numbers import fetch_numbers
from watchdog.fetchers.services import fetch_chat, fetch_conversations, fetch_proxy
from watchdog.fetchers.studio import fetch_studio
from watchdog.fetchers.taskrouter import fetch_taskrouter
from watchdog.model.snapshot import FAMILIES, FamilyState, Resource, Snapshot

log = logging.getLogger(__name__)
Fetcher = Callable[[FetchContext], list[Resource]]

FETCHERS: dict[str, Fetcher] = {
    "configuration": fetch_configuration,
    "flex_flows": fetch_flex_flows,
    "chat": fetch_chat,
    "proxy": fetch_proxy,
    "taskrouter": fetch_taskrouter,
    "studio": fetch_studio,
    "numbers": fetch_numbers,
    "conversations": fetch_conversations,
    "conversations_services": fetch_conversations_services,
    "messaging": fetch_messaging,
    "whatsapp": fetch_whatsapp,
    "conversations_live": fetch_conversations_live,
}
assert tuple(FETCHERS) == FAMILIES


def fetch_family(ctx: FetchContext, family: str, now: datetime) -> FamilyState:
    """Fetch one family; every exception becomes a failed, unknown family (never a short list)."""
    started = time.monotonic()
    progress.family_started(family)
    studio_before = dict(ctx.studio_cache)
    try:
        resources = FETCHERS[family](ctx)
    except Exception as exc:  # contained per family: one broken API must not stop the others
        error = classify_error(exc, ctx.account_sid)
        if family == "studio":
            ctx.studio_cache.clear()
            ctx.studio_cache.update(studio_before)
        if error.reason is not FetchReason.AUTH:  # rejected credentials: fetch_snapshot decides (one line)
            log.warning("fetch %s failed (%s): %s", family, error.reason, error)
        return FamilyState(family, "failed", error=str(error), reason=error.reason,
                           fetched_at=now, duration_seconds=time.monotonic() - started)
    return FamilyState(family, "complete", tuple(resources), fetched_at=now,
                       duration_seconds=time.monotonic() - started)


def fetch_snapshot(ctx: FetchContext, now: datetime,
                   families: Iterable[str] = FAMILIES) -> Snapshot:
    """Every family asked for, complete or failed with a reason.

    Raises CredentialsRejected when every family failed because Twilio rejected the credentials:
    that is not an account with unknown data but a daemon that cannot read at all.
    """
    states: dict[str, FamilyState] = {}
    for family in families:
        state = fetch_family(ctx, family, now)
        states[family] = state
        if state.reason is FetchReason.AUTH:
            if any(s.complete for s in states.values()):  # else the caller reports it, once
                log.warning("fetch %s failed (auth): %s", family, state.error)
            # Rejected credentials fail every family alike: do not hammer Twilio with them.
            for rest in families:
                states.setdefault(rest, FamilyState(rest, "failed", error=state.error,
                                                    reason=FetchReason.AUTH, fetched_at=now))
            break
    if states and all(s.reason is FetchReason.AUTH for s in states.values()):
        raise CredentialsRejected(ctx.account_sid)
    return Snapshot(ctx.account_sid, now, states)


__all__ = ["FETCHERS", "FetchContext", "CredentialsRejected", "fetch_family", "fetch_snapshot"]
