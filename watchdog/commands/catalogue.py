"""``flex-watchdog rules``, ``explain RULE`` and ``lint-flow FILE``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from watchdog.commands.common import settings_or_exit, unread, utcnow
from watchdog.errors import ConfigError, CredentialsRejected
from watchdog.model.snapshot import Snapshot
from watchdog.rules.registry import all_rules
from watchdog.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    rules = sub.add_parser("rules", help="list the rule catalogue")
    rules.set_defaults(func=run_rules)
    explain = sub.add_parser("explain", help="print one rule's runbook")
    explain.add_argument("rule")
    explain.set_defaults(func=run_explain)
    lint = sub.add_parser("lint-flow", help="check a Studio flow export offline",
                          description="Exit 0 clean, 1 findings, 2 unreadable file, 3 --online "
                                      "and the workspace could not be read from Twilio.")
    lint.add_argument("file", type=Path)
    lint.add_argument("--format", choices=("table", "json"), default="table")
    lint.add_argument("--online", action="store_true",
                      help="also check that workflow and channel SIDs exist (needs credentials)")
    lint.set_defaults(func=run_lint)


def run_rules(args: argparse.Namespace) -> int:
    for rule in all_rules().values():
        heal = "healable" if rule.healable else ""
        print(f"{rule.id:<46} {rule.severity:<9} {heal:<9} {rule.title}")
    return 0


def run_explain(args: argparse.Namespace) -> int:
    rule = all_rules().get(args.rule)
    if rule is None:
        raise ConfigError(f"explain: unknown rule {args.rule!r} (see `flex-watchdog rules`)")
    families = ", ".join(rule.families) or "any"
    print(f"# {rule.id} ({rule.severity}; families: {families}; "
          f"{'healable' if rule.healable else 'not healable'})\n")
    print(rule.runbook)
    return 0


def _live_workspace(settings: Settings) -> Snapshot:
    """The Flex Configuration and TaskRouter read now; nothing is recorded in the state file
    (the watcher reading them keeps its state in memory, for this command only)."""
    from watchdog.cycle import Watcher
    from watchdog.store.store import StateStore
    from watchdog.twilio_api import connect

    watcher = Watcher(settings, StateStore(":memory:"), connect(settings))
    snapshot = watcher.fetch(("configuration", "taskrouter"), utcnow())
    if all(s.reason == "auth" for s in snapshot.families.values()):
        raise CredentialsRejected(watcher.account_sid)
    return snapshot


def run_lint(args: argparse.Namespace) -> int:
    from watchdog.rules.lint import lint_file

    settings = settings_or_exit()
    try:
        text = args.file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"lint-flow: {args.file}: cannot read ({exc.strerror})") from None
    snapshot = None
    if args.online:
        snapshot = _live_workspace(settings)
        failed = unread(snapshot.families.values())
        if failed:
            # --online promises the live checks: never fall back to the offline ones
            print(f"lint-flow: {failed}; the live checks did not run", file=sys.stderr)
            return 3
    findings = lint_file(text, snapshot=snapshot, settings=settings, source=str(args.file))
    if args.format == "json":
        print(json.dumps({"file": str(args.file), "findings": [f.to_json() for f in findings]},
                         indent=2))
    else:
        for f in findings:
            print(f"{f.severity.upper():<9}{f.rule}  {f.resource_sid}\n         {f.summary}")
        print(f"{len(findings)} findings in {args.file}")
    return 1 if findings else 0
