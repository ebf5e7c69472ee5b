"""List pages, and the resources of a page reused while its body does not change.

A steady-state cycle reads the same bytes as the last one for most pages (10 pages of 1,000
numbers each at 10,000 numbers). A page whose body is byte-for-byte the one converted before
gives the same resources, so they are reused without building an SDK instance, a record or a
fingerprint per item. One slot per (account, page position) keeps only the latest page there;
the slots live in the ``FetchMemo`` of the watcher that fetches.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from watchdog.errors import FetchError, FetchReason
from watchdog.fetchers import progress
from watchdog.fetchers.context import FetchContext
from watchdog.model.snapshot import Resource

_SLOTS_MAX = 4096


def read_pages(lister: Any, page_size: int, max_pages: int, **filters: Any) -> Iterator[Any]:
    """Every page of a list; a list that never ends is an error, not data."""
    page = lister.page(page_size=page_size, **filters)
    seen_urls: set[str] = set()
    pages = 1
    while True:
        progress.page_read()
        yield page
        next_url = page.next_page_url
        if not next_url:
            return
        if next_url in seen_urls or pages >= max_pages:
            raise FetchError(f"pagination did not end after {pages} pages", reason=FetchReason.PAGINATION)
        seen_urls.add(next_url)
        page = page.next_page()
        if page is None:
            return
        pages += 1


def read_converted(ctx: FetchContext, lister: Any, page_size: int,
                   convert: Callable[[Any], Resource]) -> list[Resource]:
    """``[convert(item) for item in every page]``, reusing the resources of unchanged pages.

    ``convert`` must depend on nothing but the item (and what the request URL says)."""
    last_response = getattr(ctx.client.http_client, "last_response", None)
    memo, account_sid = ctx.memo, ctx.account_sid
    out: list[Resource] = []
    for page in read_pages(lister, page_size, ctx.max_pages):
        seen = last_response() if last_response is not None else None
        if seen is None:
            out.extend(convert(item) for item in page)
            continue
        slot, digest = (account_sid, _position(seen[0])), hashlib.sha256(seen[1].encode()).digest()
        with memo.lock:
            kept = memo.pages.get(slot)
        if kept is not None and kept[0] == digest:
            out.extend(kept[1])
            continue
        resources = [convert(item) for item in page]
        with memo.lock:
            if len(memo.pages) >= _SLOTS_MAX:
                memo.pages.clear()
            memo.pages[slot] = (digest, resources)
        out.extend(resources)
    return out


def _position(url: str) -> str:
    """The URL without its page token: which page of which list, not which cursor."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "PageToken"]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(sorted(query)), ""))
