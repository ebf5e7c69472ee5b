"""``flex-watchdog check``: one complete poll, the rules, the findings."""

from __future__ import annotations

import argparse

from watchdog.commands.common import open_watcher, settings_or_exit, utcnow
from watchdog.commands.report import exit_code, render_json, render_table
from watchdog.model.topology import Topology
from watchdog.signals.events import load_recent_evidence


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("check", help="poll the account once and report findings",
                            description="Exit 0 clean, 1 findings, 2 bad config or credentials, "
                                        "3 some family could not be fetched and nothing else found.")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_or_exit()
    watcher = open_watcher(settings)
    now = utcnow()
    before = watcher.access.stats.total()
    evidence = load_recent_evidence(watcher.access.client, settings.events, now)
    watcher.enrichers.append(evidence.enrich)
    result = watcher.poll(now)
    # every request counts, the Monitor Events and Debugger alerts read for evidence too
    result.api_requests = watcher.access.stats.total() - before
    if args.format == "json":
        print(render_json(result))
    else:
        print(render_table(result, Topology(result.snapshot, settings.flex)))
    return exit_code(result)
