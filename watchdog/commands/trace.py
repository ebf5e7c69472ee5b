"""``flex-watchdog trace [ENTRY] [--format table|json]``: can customers reach an agent?

One complete poll, like ``check`` (read-only next to a running daemon), then every entry point
traced hop by hop to its task queues: broken ones first, or one entry point's route (a number,
``whatsapp:+…``, an entry point id such as ``sms:+1…``, or a SID). Exit 0 every entry point
reaches Flex, 1 some are broken, 3 some are unknown and none broken, 2 bad usage or config.
"""

from __future__ import annotations

import argparse
import re
import sys

from watchdog.commands import progress
from watchdog.commands.common import account_or_exit, add_account_argument, daemon_owns, open_watcher
from watchdog.commands.terminal import Terminal
from watchdog.commands.trace_render import render_json, render_table
from watchdog.errors import ConfigError
from watchdog.model.snapshot import LIVE_FAMILIES, Snapshot
from watchdog.model.times import utcnow
from watchdog.routes import EntryPoint, routes

ENTRY = re.compile(r"^(\+[1-9]\d{1,14}|whatsapp:\+[1-9]\d{1,14}|(voice|sms):\+[1-9]\d{1,14}"
                   r"|(chat|web):[A-Z]{2}[0-9a-fA-F]{32}|[A-Z]{2}[0-9a-fA-F]{32})$")
EXPECTED = ("a phone number (+15551234567), whatsapp:+15551234567, an entry point id "
            "(voice:+1…, sms:+1…, chat:IG…, web:FO…) or a SID (PN…, IG…, FO…, XE…)")
# What entry points are listed from: while one is unknown, a missing entry point is unknown too.
LISTED_FROM = ("numbers", "conversations", "flex_flows")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("trace", help="trace every entry point hop by hop to a task queue",
                            description="Exit 0 every entry point reaches Flex, 1 some are "
                                        "broken, 2 bad usage or config, 3 some are unknown "
                                        "and none broken.")
    parser.add_argument("entry", nargs="?", metavar="ENTRY",
                        help="a number, whatsapp:+…, an entry point id or a SID (default: all)")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    add_account_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    entry = _entry(args.entry)
    settings = account_or_exit(args)
    beside = daemon_owns(settings)
    watcher = open_watcher(settings, read_only=beside)
    if beside:
        print("trace: a running flex-watchdog owns the state file: read-only, nothing recorded",
              file=sys.stderr)
    now = utcnow()
    with progress.shown("trace", False):
        result = watcher.poll(now)
    snapshot = result.snapshot
    points = routes(snapshot, result.findings, flex=settings.flex,
                    baseline=watcher.store.baseline(result.account_sid))
    unlisted = [f for f in LISTED_FROM if not snapshot.complete(f)]
    if entry is not None:
        points = matching(points, entry)
        if not points:
            return _not_found(entry, unlisted)
    if args.format == "json":
        print(render_json(snapshot.account_sid, now, points))
    else:
        print(render_table(snapshot, now, points, detailed=entry is not None,
                           term=Terminal.of(), unread=_unread(snapshot)))
    return exit_code(points, unlisted if entry is None else [])


def _entry(value: str | None) -> str | None:
    if value is None:
        return None
    text = value.strip()
    if not ENTRY.match(text):
        raise ConfigError(f"trace: ENTRY {value!r}: expected {EXPECTED}")
    return text


def matching(points: list[EntryPoint], entry: str) -> list[EntryPoint]:
    """The entry points ``entry`` names: by id, address, resource SID or first hop's SID."""
    return [p for p in points if entry in (p.id, p.address, p.resource_sid)
            or (p.hops and p.hops[0].sid == entry)]


def _not_found(entry: str, unlisted: list[str]) -> int:
    if unlisted:
        print(f"trace: {entry}: not found, and {', '.join(unlisted)} could not be read "
              "(it may be there)", file=sys.stderr)
        return 3
    raise ConfigError(f"trace: {entry}: no such entry point (not a Flex number, address or web "
                      "Flex Flow of this account; `flex-watchdog trace` lists them)")


def _unread(snapshot: Snapshot) -> list[str]:
    """Families no hop could be judged on (live state is no hop of any route)."""
    return [f"{s.family} ({s.error or s.reason or 'failed'})" for s in snapshot.unknown()
            if s.family not in LIVE_FAMILIES]


def exit_code(points: list[EntryPoint], unlisted: list[str] | None = None) -> int:
    """1 when any entry point is broken, else 3 when any is unknown (or could not be listed),
    else 0."""
    states = {p.state for p in points}
    if "broken" in states:
        return 1
    return 3 if "unknown" in states or unlisted else 0
