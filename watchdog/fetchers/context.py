"""What a family fetcher is given, and what fetchers keep between cycles."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from twilio.rest import Client

from watchdog.model.snapshot import Resource
from watchdog.settings import FlexSettings


@dataclass
class FetchMemo:
    """Work the fetchers skip while what Twilio returns does not change. One per ``Watcher``
    (it owns it): nothing survives from one watcher, or one test, to the next."""

    # (account, page position) -> (digest of the page body, the resources converted from it)
    pages: dict[tuple[str, str], tuple[bytes, list[Resource]]] = field(default_factory=dict)
    # (sid, revision|status|date_updated, friendly_name, webhook_url) -> (the studio cache
    # entry, the resource built from it): reused only while the cache holds that same entry
    studio: dict[tuple[Any, ...], tuple[dict[str, Any], Resource]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class FetchContext:
    client: Client
    account_sid: str
    flex: FlexSettings
    max_pages: int = 1000
    # Studio definitions cached by flow SID: {"key": revision/date marker, "definition": ...}
    studio_cache: dict[str, dict[str, Any]] = field(default_factory=dict)
    memo: FetchMemo = field(default_factory=FetchMemo)
