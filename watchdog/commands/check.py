"""``flex-watchdog check``: one complete poll, the rules, the findings.

``--rule``, ``--severity`` and ``--family`` choose which findings are shown (the poll and the
state file see every finding); ``--fail-on`` chooses which shown severities make the exit code 1,
so a cron job can ignore ``info`` drift.
"""

from __future__ import annotations

import argparse
import sys
from functools import partial

from watchdog.commands import progress
from watchdog.commands.catalogue import find_rule
from watchdog.commands.common import account_or_exit, add_account_argument, daemon_owns, open_watcher
from watchdog.commands.completion import mark_rule_argument
from watchdog.commands.report import exit_code, render_json, render_table, stale
from watchdog.commands.terminal import Terminal
from watchdog.controls.marks import in_force
from watchdog.controls.trust import own_write
from watchdog.model.findings import Finding, Severity
from watchdog.model.snapshot import FAMILIES, RESOURCE_FAMILY
from watchdog.model.times import utcnow
from watchdog.model.topology import Topology
from watchdog.rules.registry import all_rules
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
    add_account_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    wanted = [find_rule(name, "check: --rule").id for name in args.rule]
    settings = account_or_exit(args)
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
