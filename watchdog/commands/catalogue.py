"""``flex-watchdog rules`` and ``explain RULE``."""

from __future__ import annotations

import argparse

from watchdog.errors import ConfigError
from watchdog.rules.registry import all_rules


def register(sub: argparse._SubParsersAction) -> None:
    rules = sub.add_parser("rules", help="list the rule catalogue")
    rules.set_defaults(func=run_rules)
    explain = sub.add_parser("explain", help="print one rule's runbook")
    explain.add_argument("rule")
    explain.set_defaults(func=run_explain)


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
