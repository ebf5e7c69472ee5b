"""``flex-watchdog restore [RESOURCE_SID] [--plan [--out FILE] | --apply FILE] [--from DIR]``.

``--plan`` (the default) polls every family and prints the ordered steps that bring the
account back to the baseline's routes; nothing is written. ``--apply FILE`` applies exactly
that plan, after checking each resource it touches still has the fingerprint it recorded.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from watchdog.alerts.pagerduty import build_sink
from watchdog.commands import progress
from watchdog.commands.common import account_or_exit, add_account_argument, open_watcher, unread
from watchdog.cycle import Watcher
from watchdog.daemon.app import build_watcher
from watchdog.model.findings import Finding
from watchdog.model.snapshot import FAMILIES
from watchdog.model.times import utcnow
from watchdog.restore import planner, session
from watchdog.restore.apply import Applier
from watchdog.restore.exported import load_directory
from watchdog.restore.plan import Plan
from watchdog.restore.render import render_outcomes, render_plan
from watchdog.rules.context import RuleContext
from watchdog.rules.engine import evaluate
from watchdog.settings import Settings
from watchdog.store.store import StateStore

DESCRIPTION = ("--plan (the default) polls every family and prints the ordered steps that bring "
               "the account back to the baseline's routes; nothing is written. --apply FILE "
               "applies exactly that plan, after checking each resource it touches still has "
               "the fingerprint it recorded. See docs/recovery.md.")
EPILOG = ("Exit codes: 0 nothing to do, or every step applied; 1 a plan with steps (--plan), "
          "or an apply that stopped at a failed step; 2 usage, no baseline, or the plan was "
          "refused (the account changed since it was made); 3 some family could not be read.")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("restore", help="plan and apply a return to the baseline's routes",
                            epilog=EPILOG, description=DESCRIPTION)
    parser.add_argument("resource", nargs="?", metavar="RESOURCE_SID",
                        help="limit the plan to what one resource or finding needs")
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--plan", action="store_true", help="print the plan (the default)")
    what.add_argument("--apply", metavar="PLAN_FILE", type=Path,
                      help="apply a plan written by --plan --out")
    parser.add_argument("--out", type=Path, help="with --plan: write the plan as JSON")
    parser.add_argument("--from", dest="source", type=Path, metavar="DIR",
                        help="plan against a directory written by `flex-watchdog export`")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    add_account_argument(parser)
    parser.set_defaults(func=run, parser=parser)


def run(args: argparse.Namespace) -> int:
    if args.apply and (args.out or args.source or args.resource):
        args.parser.error("--apply takes the plan file alone")
    settings = account_or_exit(args)
    if args.apply:
        return apply(args, settings, open_watcher(settings))
    return plan(args, settings, _reader(settings))


def _reader(settings: Settings) -> Watcher:
    """``--plan`` is a read: it records nothing in the state file (no finding opens or clears,
    no observation counts, no first baseline), like ``check`` beside a daemon. Without a state
    file (``--from`` an export) it works on an empty one in memory and creates none."""
    if Path(settings.state_path).is_file():
        return open_watcher(settings, read_only=True)
    return build_watcher(settings, StateStore(":memory:"))


def plan(args: argparse.Namespace, settings: Settings, watcher: Watcher) -> int:
    # read before polling: a first poll adopts the account as it is now as the baseline
    stored = watcher.store.baseline(watcher.account_sid)
    if stored is None and args.source is None:
        print("restore: no baseline to restore to: run `flex-watchdog baseline accept` while "
              "the account works (or plan --from an export directory)", file=sys.stderr)
        return 2
    now = utcnow()
    with progress.shown("restore", quiet=False):
        if args.source is not None:  # fetched, not polled: a poll would adopt a first baseline
            current = watcher.fetch(FAMILIES, now)
            found: list[Finding] = []
        else:
            result = watcher.poll(now)
            current, found = result.snapshot, result.findings
    failed = unread(current.families.values())
    if failed:
        print(f"{failed}: no plan is made while a family is unknown", file=sys.stderr)
        return 3
    source, base = "baseline", stored
    if args.source is not None:
        source, base = str(args.source), load_directory(args.source, current)
        found = evaluate(RuleContext(current, now, settings, base)).findings
    assert base is not None
    made = planner.build(base, current, found, now, settings.flex, source)
    if args.resource:
        made = planner.limit(made, args.resource)
    if args.out:
        args.out.write_text(json.dumps(made.to_json(), indent=2, sort_keys=True) + "\n")
    if args.format == "json":
        print(json.dumps(made.to_json(), indent=2, sort_keys=True))
    else:
        print(render_plan(made))
        if args.out and made.steps:
            print(f"Plan written to {args.out}: apply it with "
                  f"`flex-watchdog restore --apply {args.out}`.")
    return 1 if made.steps else 0


def apply(args: argparse.Namespace, settings: Settings, watcher: Watcher) -> int:
    try:
        made = Plan.from_json(json.loads(args.apply.read_text()))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"restore: --apply {args.apply}: not a restore plan ({exc})", file=sys.stderr)
        return 2
    if made.account_sid != watcher.account_sid:
        print(f"restore: refused: the plan is for {made.account_sid}, this account is "
              f"{watcher.account_sid}", file=sys.stderr)
        return 2
    sink = build_sink(settings, watcher.store)
    for line in Applier(watcher.access.client, watcher.store).settle(utcnow()):
        print(f"Settled from an earlier run: {line}")
    applied = session.apply_plan(watcher, made, utcnow(), sink.change_event if sink else None)
    if applied.unknown:
        print(f"{applied.unknown}: restore writes nothing while a family is unknown",
              file=sys.stderr)
        return 3
    if applied.refused:
        print("Refused: the account changed since the plan was made; nothing was written. "
              f"Changed: {'; '.join(applied.refused)}. Plan again.", file=sys.stderr)
        return 2
    print(render_outcomes(applied.outcomes, len(made.steps)))
    if applied.followed:
        print(applied.followed)
    if sink is not None:
        sink.send_pending(utcnow())
        sink.close()
    return 1 if applied.failed else 0
