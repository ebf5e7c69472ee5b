"""``flex-watchdog check``: one complete poll, the rules, the findings.

``--rule``, ``--severity`` and ``--family`` choose which findings are shown (the poll and the
state file see every finding); ``--fail-on`` chooses which shown severities make the exit code 1,
so a cron job can ignore ``info`` drift.
"""

from __future__ import annotations

import argparse
import json
import sys
from functools import partial
from typing import Any

from watchdog.commands import progress
from watchdog.commands.catalogue import find_rule
from watchdog.commands.common import (
    account_or_exit,
    add_account_argument,
    all_accounts,
    daemon_owns,
    open_watcher,
)
from watchdog.commands.completion import mark_rule_argument
from watchdog.commands.report import exit_code, render_json, render_table, stale
from watchdog.commands.terminal import Terminal
from watchdog.controls.marks import in_force
from watchdog.controls.trust import own_write
from watchdog.errors import ConfigError, CredentialsRejected, StateError
from watchdog.model.findings import Finding, Severity
from watchdog.model.snapshot import FAMILIES, RESOURCE_FAMILY
from watchdog.model.times import utcnow
from watchdog.model.topology import Topology
from watchdog.rules.registry import all_rules
from watchdog.settings import Settings
from watchdog.signals.events import load_recent_evidence

SEVERITIES = tuple(s.value for s in Severity)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("check", help="poll the account once and report findings",
                            description="Exit 0 clean, 1 findings (of --fail-on or worse), 2 bad "
                                        "config or credentials, 3 some family could not be "
                                        "fetched and nothing else found.")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    mark_rule_argument(parser.add_argument(
        "--rule", action="append", default=[], metavar="RULE",
        help="show only this rule's findings (repeatable; the ID or its anchor)"))
    parser.add_argument("--severity", action="append", default=[], choices=SEVERITIES,
                        help="show only findings of this severity (repeatable)")
    parser.add_argument("--family", action="append", default=[], choices=FAMILIES,
                        help="show only findings on resources of this family (repeatable)")
    parser.add_argument("--fail-on", choices=SEVERITIES, default="info",
                        help="lowest severity that exits 1 (default info: any finding)")
    parser.add_argument("--quiet", "-q", action="store_true",
                        help="print nothing but errors and findings")
    which = parser.add_mutually_exclusive_group()
    add_account_argument(which)
    which.add_argument("--all", action="store_true",
                       help="every account of the fleet: one table (JSON {\"accounts\": [...]}), "
                            "exit code the worst of theirs")
    parser.set_defaults(func=run)


#: Exit codes from best to worst: clean, unknown only, findings, bad config or credentials.
WORST = (0, 3, 1, 2)


def run(args: argparse.Namespace) -> int:
    wanted = [find_rule(name, "check: --rule").id for name in args.rule]  # before any account
    if args.all:
        return run_all(args, wanted)
    return check_account(args, account_or_exit(args), wanted)


def run_all(args: argparse.Namespace, wanted: list[str]) -> int:
    """Every account of the fleet, one after the other: one table (or ``{"accounts": [...]}``),
    the exit code the worst of theirs; an account that cannot be checked (refused credentials,
    a state file of another account) is exit 2 for it, and the others are still checked."""
    rows: list[dict[str, Any]] = []
    for account in all_accounts():
        try:
            rows.append(check_one(args, account.settings, wanted, account.name))
        except (ConfigError, StateError, CredentialsRejected) as exc:
            rows.append({"account": account.name, "account_sid": account.sid, "exit_code": 2,
                         "error": str(exc), "findings": [], "unknown": []})
    if args.format == "json":
        print(json.dumps({"accounts": rows}, indent=2, default=str))
    else:
        print(fleet_table(rows, Terminal.of()))
    return max((row["exit_code"] for row in rows), key=WORST.index, default=0)


def fleet_table(rows: list[dict[str, Any]], term: Terminal) -> str:
    """One table: a line per finding with its account first, then each account's state."""
    lines = [f"{'ACCOUNT':<20} {'SEVERITY':<9} {'RULE':<46} RESOURCE"]
    for row in rows:
        for f in row["findings"]:
            lines.append(f"{row['account']:<20} {f['severity']:<9} {f['rule']:<46} "
                         f"{f['resource_sid'] or '-'}  {f['summary']}")
    if len(lines) == 1:
        lines.append("(no findings in any account)")
    lines.append("")
    for row in rows:
        if "error" in row:
            state = f"not checked: {row['error']}"
        else:
            count = len(row["findings"])
            state = f"{count} finding(s)" if count else "clean"
            unknown = [u["family"] for u in row["unknown"]]
            if unknown:
                state += f"; could not read {', '.join(unknown)} (no finding drawn from it)"
        lines.append(f"{row['account']} ({row['account_sid']}): {state}")
    return "\n".join(wrapped for line in lines for wrapped in term.wrap(line, 4))


def check_one(args: argparse.Namespace, settings: Settings, wanted: list[str],
              name: str) -> dict[str, Any]:
    """One account's check as a JSON row (its own exit code in ``exit_code``)."""
    watcher = open_watcher(settings, read_only=daemon_owns(settings))
    try:
        now = utcnow()
        before = watcher.access.stats.total()
        evidence = load_recent_evidence(watcher.access.client, settings.events, now)
        evidence.own = partial(own_write, watcher.store)
        watcher.enrichers.append(evidence.enrich)
        watcher.changes = evidence
        result = watcher.poll(now)
        result.api_requests = watcher.access.stats.total() - before
    finally:
        watcher.store.close()
    shown = select(result.findings, wanted, args.severity, args.family)
    row: dict[str, Any] = {"account": name, **json.loads(render_json(result, shown, []))}
    row["exit_code"] = exit_code(result, shown, args.fail_on)
    return row


def check_account(args: argparse.Namespace, settings: Settings, wanted: list[str]) -> int:
    beside = daemon_owns(settings)
    watcher = open_watcher(settings, read_only=beside)
    if beside and not args.quiet:
        print("check: a running flex-watchdog owns the state file: read-only, nothing recorded",
              file=sys.stderr)
    now = utcnow()
    before = watcher.access.stats.total()
    with progress.shown("check", args.quiet):
        evidence = load_recent_evidence(watcher.access.client, settings.events, now)
        evidence.own = partial(own_write, watcher.store)  # its heals are its own
        watcher.enrichers.append(evidence.enrich)
        watcher.changes = evidence
        result = watcher.poll(now)
    # every request counts, the Monitor Events and Debugger alerts read for evidence too
    result.api_requests = watcher.access.stats.total() - before
    shown = select(result.findings, wanted, args.severity, args.family)
    # open findings this poll could not re-check are shown too, under the same filters
    kept = {f.id for f in select([item.finding() for item in stale(result)], wanted,
                                 args.severity, args.family)}
    # (a rule turned off is not "not re-checked": it is off, and its incidents are resolved)
    old = [item for item in stale(result)
           if item.id in kept and settings.rule(item.rule).enabled]
    if args.quiet:  # the table's header is gone, so what could not be read goes to stderr
        for state in result.unknown:
            print(f"check: unknown {state.family}: {state.error} (no finding is drawn from it)",
                  file=sys.stderr)
    if args.format == "json":
        print(render_json(result, shown, old))
    else:
        text = render_table(result, Topology(result.snapshot, settings.flex), findings=shown,
                            term=Terminal.of(), quiet=args.quiet,
                            controls=in_force(watcher.controls.at(now)), stale_items=old)
        if text:
            print(text)
    return exit_code(result, shown, args.fail_on)


def select(findings: list[Finding], rules: list[str], severities: list[str],
           families: list[str]) -> list[Finding]:
    """The findings every given filter accepts (a filter not given accepts all)."""
    known = all_rules()

    def family(finding: Finding) -> set[str]:
        """The family the resource is fetched with; a type of no family: the rule's families."""
        if finding.resource_type in RESOURCE_FAMILY:
            return {RESOURCE_FAMILY[finding.resource_type]}
        rule = known.get(finding.rule)
        return set(rule.families) if rule else set()

    return [f for f in findings
            if (not rules or f.rule in rules) and (not severities or f.severity in severities)
            and (not families or family(f) & set(families))]
