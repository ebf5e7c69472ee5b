"""Twilio's two list formats: v1/v2 ``meta`` pages and the 2010 API's top-level page keys.

Page tokens are cursors: ``PT<sid>`` (v1/v2) / ``PA<sid>`` (2010) mean "the items after this
one", ``PB<sid>`` "the items before this one", so a page boundary stays put when an item on an
earlier page is deleted. If the cursor item itself is gone, ``Page * PageSize`` is used.

PageSize above an endpoint's maximum (from its OAI ``maximum``) is answered with 400/20001: the
OpenAPI spec marks such a value invalid and Twilio documents no clamping, so the simulator takes
the strict reading, which surfaces a client that asks for too much instead of hiding it. The one
documented clamp is Proxy's "A maximum of 100 records will be returned per page": there PageSize
up to 1000 is accepted and pages hold at most 100 records.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from watchdog.simulator.errors import bad_request
from watchdog.simulator.records import Record

DEFAULT_PAGE_SIZE = 50
PAGING_PARAMS = ("PageSize", "Page", "PageToken")


@dataclass(frozen=True)
class PageRequest:
    """The paging part of a list request."""

    page: int
    size: int
    token: str | None


def page_request(query: Mapping[str, str], maximum: int, clamp: int | None = None) -> PageRequest:
    """Read ``PageSize``/``Page``/``PageToken``; 400 when PageSize is out of ``1..maximum``."""
    try:
        size = int(query.get("PageSize") or DEFAULT_PAGE_SIZE)
        page = int(query.get("Page") or 0)
    except ValueError:
        raise bad_request("Invalid PageSize or Page: not an integer") from None
    if not 1 <= size <= maximum:
        raise bad_request(f"PageSize must be between 1 and {maximum}")
    if page < 0:
        raise bad_request("Page must be 0 or more")
    return PageRequest(page, min(size, clamp) if clamp else size, query.get("PageToken") or None)


def window(items: Sequence[Record], req: PageRequest,
           cursor: str = "sid") -> tuple[int, list[Record]]:
    """The start index and the items of the requested page (``cursor``: the identifying
    field the page tokens carry)."""
    start = req.page * req.size
    if req.token and len(req.token) > 2:
        direction, mark = req.token[:2], req.token[2:]
        found = next((i for i, item in enumerate(items) if str(item.get(cursor)) == mark),
                     None)
        if found is not None and direction == "PB":
            start = max(0, found - req.size)
            return start, list(items[start:found])
        if found is not None:
            start = found + 1
    return start, list(items[start:start + req.size])


def _url(base: str, filters: Sequence[tuple[str, str]], size: int, page: int,
         token: str | None = None) -> str:
    params = [*filters, ("PageSize", str(size)), ("Page", str(page))]
    if token:
        params.append(("PageToken", token))
    return f"{base}?{urlencode(params)}"


def _links(base: str, filters: Sequence[tuple[str, str]], req: PageRequest, start: int,
           chunk: list[Record], total: int, after: str,
           cursor: str = "sid") -> dict[str, str | None]:
    more = start + len(chunk) < total
    return {
        "first": _url(base, filters, req.size, 0),
        "self": _url(base, filters, req.size, req.page, req.token),
        "next": _url(base, filters, req.size, req.page + 1, f"{after}{chunk[-1][cursor]}")
        if more and chunk else None,
        "previous": _url(base, filters, req.size, req.page - 1, f"PB{chunk[0][cursor]}")
        if req.page > 0 and start > 0 and chunk else None,
    }


def meta_page(host: str, path: str, filters: Sequence[tuple[str, str]], key: str,
              items: Sequence[Record], req: PageRequest, cursor: str = "sid") -> dict[str, Any]:
    """A v1/v2 page: ``{key: [...], "meta": {...}}`` with absolute URLs on Twilio's host."""
    start, chunk = window(items, req, cursor)
    links = _links(f"https://{host}{path}", filters, req, start, chunk, len(items), "PT", cursor)
    return {
        key: chunk,
        "meta": {"page": req.page, "page_size": req.size, "first_page_url": links["first"],
                 "previous_page_url": links["previous"], "url": links["self"],
                 "next_page_url": links["next"], "key": key},
    }


def page_2010(path: str, filters: Sequence[tuple[str, str]], key: str,
              items: Sequence[Record], req: PageRequest) -> dict[str, Any]:
    """A 2010 API page: top-level ``start``/``end``/``*_page_uri`` (relative) and ``key``."""
    start, chunk = window(items, req)
    links = _links(path, filters, req, start, chunk, len(items), "PA")
    return {
        "end": start + max(len(chunk) - 1, 0), "first_page_uri": links["first"],
        key: chunk, "next_page_uri": links["next"], "page": req.page, "page_size": req.size,
        "previous_page_uri": links["previous"], "start": start, "uri": links["self"],
    }
