"""``flex-watchdog heal --plan | --apply | history [RESOURCE] | reset RESOURCE``.

``--apply`` is a person's explicit command: it does not need ``healing.enabled`` or
``rules.<id>.autoheal`` (those arm the daemon), but ``rules.<id>.enabled`` must hold and every
other guard applies exactly as for the daemon.
"""

from __future__ import annotations

import argparse
import sys

from watchdog.commands.common import account_or_exit, add_account_argument, daemon_owns, open_watcher, unread
from watchdog.commands.heal_apply import (
    NOT_APPLIED,
    Selection,
    confirm,
    not_applied,
    require_consent,
)
from watchdog.healing import records
from watchdog.healing.model import HealView, Mode
from watchdog.healing.render import (
    history_json,
    plan_json,
    render_history,
    render_plan,
)
from watchdog.healing.session import HealSession
from watchdog.model.times import utcnow
from watchdog.store.store import StateStore

EPILOG = ("Exit codes: --plan 0, or 3 when some family could not be read (the plan may miss "
          "heals); --apply 0, 1 when a heal failed, 4 when a heal that was asked for was "
          "refused, is waiting or was declined, 3 when some family could not be read; history 0; "
          "reset 0, or 1 when the resource had no circuit breaker; 2 bad config, credentials, or "
          "--apply without a terminal and without --yes.")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("heal", help="plan, apply and review heals", epilog=EPILOG,
                            description="Heal the findings that have a healer, with every guard.")
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--plan", action="store_true",
                      help="poll once and print each heal's exact Twilio request and field diff")
    what.add_argument("--apply", nargs="*", metavar="RESOURCE",
                      help="poll once and apply the plan once, after asking; RESOURCE (SIDs or "
                           "phone numbers) narrows it to those")
    parser.add_argument("--rule", action="append", metavar="RULE",
                        help="only this rule's heals (repeatable)")
    parser.add_argument("--now", action="store_true",
                        help="with --apply: skip the grace period for what --rule or RESOURCE "
                             "named")
    parser.add_argument("--yes", action="store_true",
                        help="with --apply: do not ask (scripts; required without a terminal)")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    history = actions.add_parser("history", help="every heal recorded, newest first")
    history.add_argument("resource", nargs="?", help="a resource SID or phone number")
    history.add_argument("--limit", type=int, default=50)
    history.add_argument("--format", choices=("table", "json"), default="table")
    add_account_argument(history)
    history.set_defaults(func=run_history)
    reset = actions.add_parser("reset", help="close a resource's circuit breaker (re-arm heals)")
    reset.add_argument("resource", help="the resource SID (or phone number) named by "
                                        "heal.fight-detected")
    add_account_argument(reset)
    reset.set_defaults(func=run_reset)
    add_account_argument(parser)
    parser.set_defaults(func=run, parser=parser)


def run(args: argparse.Namespace) -> int:
    applying = args.apply is not None
    if not (args.plan or applying):
        args.parser.error("choose --plan, --apply, history or reset")
    if not applying and (args.now or args.yes):
        args.parser.error("--now and --yes go with --apply")
    mode: Mode = "apply" if applying else "plan"
    settings = account_or_exit(args)
    selection = Selection.of(args)
    require_consent(args)
    beside = not applying and daemon_owns(settings)  # only look: the daemon records
    watcher = open_watcher(settings, read_only=beside)
    session = HealSession(settings, watcher.store, watcher.access.client, watcher.account_sid)
    now = utcnow()
    if not beside:
        session.reconcile(now)
    result = watcher.poll(now)
    view = HealView(result.snapshot, now, settings, watcher.store.baseline(watcher.account_sid))
    items = session.plan(view, result.findings, mode, only=selection.matches,
                         skip_grace=args.now)
    if applying and not confirm(items, watcher.account_sid, args.yes):
        print("Not applied: declined; nothing was written.")
        return NOT_APPLIED
    if not beside:
        session.settle(items, mode, now)
    failed = unread(result.unknown)
    if args.format == "json":
        print(plan_json(items))
    else:
        print(render_plan(items, mode, settings, complete=failed is None))
    if failed:
        print(f"{failed}: the plan leaves out whatever they hold", file=sys.stderr)
    missing = selection.unmatched(items)
    for resource in missing:
        print(f"No heal for {resource}: no open, healable finding about it"
              + (f" for {', '.join(sorted(selection.rules))}" if selection.rules else ""),
              file=sys.stderr)
    if any(i.outcome == "failed" for i in items):
        return 1
    if applying and (missing or not_applied(items) or (selection.named and not items)):
        return NOT_APPLIED
    return 3 if failed else 0


def _store(args: argparse.Namespace, read_only: bool = False) -> StateStore:
    return StateStore(account_or_exit(args).state_path, read_only=read_only)


def run_history(args: argparse.Namespace) -> int:
    store = _store(args, read_only=True)
    rows = records.history(store, args.resource, args.limit)
    if args.format == "json":
        print(history_json(rows))
        return 0
    tripped = [b for b in records.breakers(store, tripped_only=True)
               if not args.resource or args.resource in (b.resource_sid, b.label)
               or b.label.startswith(f"{args.resource} ")]
    print(render_history(rows, tripped))
    return 0


def run_reset(args: argparse.Namespace) -> int:
    found = records.reset(_store(args), args.resource)
    if not found:
        print(f"No circuit breaker recorded for {args.resource}: nothing to reset.")
        return 1
    for b in found:
        state = f"was open: {b.tripped_reason}" if b.tripped else f"{b.failures} failure(s)"
        print(f"Re-armed {b.rule} for {b.label or b.resource_sid} ({state}).")
    print("heal.fight-detected clears on the next poll.")
    return 0
