"""``flex-watchdog baseline accept|diff``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from watchdog.commands.baseline_diff import BaselineDiff, compare, render
from watchdog.commands.common import (
    account_or_exit,
    add_account_argument,
    open_watcher,
    tell_daemon,
    unread,
)
from watchdog.cycle import Watcher
from watchdog.model.findings import Finding, broken_resources
from watchdog.model.snapshot import FAMILIES, Resource, Snapshot
from watchdog.model.times import utcnow
from watchdog.rules.context import RuleContext
from watchdog.rules.engine import evaluate


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("baseline", help="show or accept drift from the baseline")
    actions = parser.add_subparsers(dest="action", required=True)
    diff = actions.add_parser("diff", help="resources added, removed and changed since the baseline",
                              description="Exit 0 no differences, 1 differences, 3 some family "
                                          "could not be read and nothing else differs.")
    add_account_argument(diff)
    diff.set_defaults(func=run_diff)
    accept = actions.add_parser(
        "accept", help="adopt the current state as the baseline",
        description="Shows what would be adopted and what is kept out (anything a rule calls "
                    "broken now keeps its baseline), then asks. Exit 0 accepted or declined, "
                    "2 not confirmed (no answer and no --yes), 3 some family could not be read.")
    accept.add_argument("resources", nargs="*", metavar="RESOURCE",
                        help="accept only these resources (SIDs)")
    accept.add_argument("--family", action="append", choices=FAMILIES, default=[],
                        help="accept only this family (repeatable)")
    accept.add_argument("--yes", action="store_true", help="accept without asking (scripts)")
    add_account_argument(accept)
    accept.set_defaults(func=run_accept)


def _current(args: argparse.Namespace, read_only: bool = False) -> tuple[Watcher, Snapshot]:
    watcher = open_watcher(account_or_exit(args), read_only=read_only)
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
    baseline = watcher.store.baseline(watcher.account_sid)
    wanted = _wanted(args)
    diff = compare(baseline, snapshot)
    print(render(_only(diff, wanted)))
    kept = _kept_out(watcher, snapshot, baseline, wanted)
    if kept:
        print("Kept out (a rule calls them broken now; the baseline keeps what it had):")
        for (type_, sid), findings in sorted(kept.items()):
            for finding in findings:
                print(f"  {type_} {sid}: {finding.rule}: {finding.summary}")
    answer = "yes" if args.yes else _ask()
    if answer == "no":
        print("Nothing accepted.")
        return 0
    if answer != "yes":
        print("Not accepted: no answer (pass --yes to accept without asking)", file=sys.stderr)
        return 2
    unknown = [s.family for s in snapshot.unknown()]
    if args.resources:
        done = watcher.store.adopt_resources(
            snapshot, [sid for sid in args.resources if (_type(snapshot, baseline, sid), sid)
                       not in kept])
        print(f"Baseline accepted for: {', '.join(done) or 'nothing'}")
    else:
        adopted = watcher.store.adopt_baseline(snapshot, args.family or None, keep_out=kept)
        print(f"Baseline accepted for: {', '.join(adopted) or 'nothing'}")
    tell_daemon(watcher.settings)
    unread_now = [f for f in unknown if not args.family or f in args.family]
    if unread_now:
        print(f"Not accepted (could not be fetched, baseline kept): {', '.join(unread_now)}")
        return 3
    return 0


Wanted = Callable[[Resource], bool]


def _wanted(args: argparse.Namespace) -> Wanted:
    sids, families = set(args.resources), set(args.family)
    return lambda r: (not sids or r.sid in sids) and (not families or r.family in families)


def _only(diff: BaselineDiff, wanted: Wanted) -> BaselineDiff:
    return BaselineDiff([r for r in diff.added if wanted(r)],
                        [r for r in diff.removed if wanted(r)],
                        [(r, c) for r, c in diff.changed if wanted(r)], diff.not_compared)


def _kept_out(watcher: Watcher, snapshot: Snapshot, baseline: Snapshot | None,
              wanted: Wanted) -> dict[tuple[str, str], list[Finding]]:
    """What the rules call broken now, among the resources to accept."""
    extra = {rule_id: feed() for rule_id, feed in watcher.evidence.items()}
    ctx = RuleContext(snapshot, utcnow(), watcher.settings, baseline, extra=extra,
                      memo=watcher.rule_memo)
    broken = broken_resources(evaluate(ctx, rules=watcher.rules).findings)
    return {key: found for key, found in broken.items()
            if (r := snapshot.get(*key)) is not None and wanted(r)}


def _type(snapshot: Snapshot, baseline: Snapshot | None, sid: str) -> str:
    for snap in (snapshot, baseline):
        for resource in snap.resources() if snap else ():
            if resource.sid == sid:
                return resource.type
    return ""


def _ask() -> str:
    """yes, no, or none (stdin closed: a script that forgot --yes)."""
    print("Accept this as the baseline? [y/N] ", end="", flush=True)
    answer = sys.stdin.readline()
    if not answer:
        print()
        return "none"
    return "yes" if answer.strip().lower() in ("y", "yes") else "no"
