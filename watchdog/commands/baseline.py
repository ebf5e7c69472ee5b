"""``flex-watchdog baseline accept|diff``."""

from __future__ import annotations

import argparse

from watchdog.commands.baseline_diff import compare, render
from watchdog.commands.common import open_watcher, settings_or_exit, unread, utcnow
from watchdog.cycle import Watcher
from watchdog.model.snapshot import FAMILIES, Snapshot


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("baseline", help="show or accept drift from the baseline")
    actions = parser.add_subparsers(dest="action", required=True)
    diff = actions.add_parser("diff", help="resources added, removed and changed since the baseline",
                              description="Exit 0 no differences, 1 differences, 3 some family "
                                          "could not be read and nothing else differs.")
    diff.set_defaults(func=run_diff)
    accept = actions.add_parser("accept", help="adopt the current state as the baseline")
    accept.set_defaults(func=run_accept)


def _current(args: argparse.Namespace, read_only: bool = False) -> tuple[Watcher, Snapshot]:
    watcher = open_watcher(settings_or_exit(), read_only=read_only)
    return watcher, watcher.fetch(FAMILIES, utcnow())


def run_diff(args: argparse.Namespace) -> int:
    watcher, snapshot = _current(args, read_only=True)  # only looks: never writes the state
    diff = compare(watcher.store.baseline(watcher.account_sid), snapshot)
    print(render(diff))
    history = watcher.store.baseline_history()
    if history:
        print("History (resources adopted into the baseline one by one, newest first):")
    for item in history:
        print(f"  {item['at'][:19]}Z {item['resource_type']} {item['resource_sid']}: "
              f"{item['note']}")
    failed = unread(snapshot.families.values())
    if failed:
        print(f"{failed}: those families were not compared")
    if not diff.empty:
        return 1
    return 3 if failed else 0


def run_accept(args: argparse.Namespace) -> int:
    watcher, snapshot = _current(args)
    diff = compare(watcher.store.baseline(watcher.account_sid), snapshot)
    print(render(diff))
    adopted = watcher.store.adopt_baseline(snapshot)
    unknown = [s.family for s in snapshot.unknown()]
    print(f"Baseline accepted for: {', '.join(adopted) or 'nothing'}")
    if unknown:
        print(f"Not accepted (could not be fetched, baseline kept): {', '.join(unknown)}")
        return 3
    return 0
