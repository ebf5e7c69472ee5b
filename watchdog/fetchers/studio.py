"""Studio (v2) Flows with the definition Flex traffic actually runs.

The list does not return definitions, so a flow is fetched only when its revision, status or
``date_updated`` changed since the cached copy: a steady-state cycle costs the list pages alone.
A flow whose latest revision is a draft still runs its last published revision, which is the one
analysed (``Revisions/LatestPublished``; none when the flow was never published).
"""

from __future__ import annotations

from typing import Any

from twilio.base.exceptions import TwilioRestException

from watchdog.fetchers import progress
from watchdog.fetchers.common import make, read_all, record
from watchdog.fetchers.context import FetchContext
from watchdog.model.snapshot import Resource

_BUILT_MAX = 4096


def fetch_studio(ctx: FetchContext) -> list[Resource]:
    listed = [record(r) for r in read_all(ctx.client.studio.v2.flows, 1000, ctx.max_pages)]
    out = []
    live = set()
    for item in listed:
        sid = item["sid"]
        live.add(sid)
        key = f"{item.get('revision')}|{item.get('status')}|{item.get('date_updated')}"
        cached = ctx.studio_cache.get(sid)
        if not cached or cached.get("key") != key:
            cached = {"key": key, **_definitions(ctx, sid, item.get("status"))}
            ctx.studio_cache[sid] = cached
        out.append(_resource(ctx, sid, key, item, cached))
    for sid in set(ctx.studio_cache) - live:
        del ctx.studio_cache[sid]
    return out


def fetch_flow(ctx: FetchContext, sid: str) -> Resource:
    """One flow and the definition it runs: one request for a published flow, two for a draft
    (its last published revision). The cache entry is replaced, as a list poll would."""
    instance = ctx.client.studio.v2.flows(sid).fetch()
    item = record(instance)
    key = f"{item.get('revision')}|{item.get('status')}|{item.get('date_updated')}"
    cached = {"key": key, **_published(ctx, sid, item.get("status"), instance.definition)}
    ctx.studio_cache[sid] = cached
    return _resource(ctx, sid, key, item, cached)


def _resource(ctx: FetchContext, sid: str, key: str, item: dict[str, Any],
              cached: dict[str, Any]) -> Resource:
    """The flow's resource; an unchanged flow reuses the one built last time (freezing and
    fingerprinting a definition is most of a steady-state Studio poll)."""
    built_before = ctx.memo.studio
    memo_key = (sid, key, item.get("friendly_name"), item.get("webhook_url"))
    found = built_before.get(memo_key)
    if found is not None and found[0] is cached:  # the very cache entry it was built from
        return found[1]
    essence = {
        "sid": sid,
        "friendly_name": item.get("friendly_name"),
        "status": item.get("status"),
        "draft_pending": item.get("status") == "draft",
        "definition": cached.get("published"),
    }
    meta = {"revision": item.get("revision"), "date_updated": item.get("date_updated"),
            "latest_definition": cached.get("latest"), "webhook_url": item.get("webhook_url")}
    if len(built_before) >= _BUILT_MAX:
        built_before.clear()
    built = make("studio_flow", essence, meta=meta)
    built_before[memo_key] = (cached, built)
    return built


def _definitions(ctx: FetchContext, sid: str, status: Any) -> dict[str, Any]:
    latest = ctx.client.studio.v2.flows(sid).fetch().definition
    return _published(ctx, sid, status, latest)


def _published(ctx: FetchContext, sid: str, status: Any, latest: Any) -> dict[str, Any]:
    progress.definition_fetched()
    if status == "published":
        return {"latest": latest, "published": latest}
    try:
        published = ctx.client.studio.v2.flows(sid).revisions("LatestPublished").fetch().definition
        progress.definition_fetched()
    except TwilioRestException as exc:
        if exc.status != 404:
            raise
        published = None  # never published: nothing runs
    return {"latest": latest, "published": published}
