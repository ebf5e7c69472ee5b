"""``flex-watchdog rules`` and ``explain RULE``.

A rule is named by its ID or by the anchor dashboards and PagerDuty link to
(``numbers-message-webhook-overwritten``); a typo is answered with the closest rule.
"""

from __future__ import annotations

import argparse
import difflib
import textwrap

from watchdog.commands.completion import mark_rule_argument
from watchdog.commands.terminal import Terminal, render_markdown
from watchdog.errors import ConfigError
from watchdog.rules.registry import Rule, all_rules


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    rules = sub.add_parser("rules", help="list the rule catalogue")
    rules.set_defaults(func=run_rules)
    explain = sub.add_parser("explain", help="print one rule's runbook")
    mark_rule_argument(explain.add_argument(
        "rule", help="a rule ID or its anchor (numbers-message-webhook-overwritten)"))
    explain.set_defaults(func=run_explain)


def find_rule(name: str, where: str = "explain") -> Rule:
    """The rule with this ID or anchor; ConfigError naming the closest one otherwise."""
    known = all_rules()
    by_anchor = {rule.anchor: rule for rule in known.values()}
    key = name.strip().lstrip("#").lower()
    found = known.get(key) or by_anchor.get(key) or by_anchor.get(key.replace(".", "-"))
    if found is not None:
        return found
    close = difflib.get_close_matches(key.replace(".", "-"), list(by_anchor), n=1, cutoff=0.6)
    hint = f"; did you mean {by_anchor[close[0]].id}?" if close else ""
    raise ConfigError(f"{where}: unknown rule {name!r}{hint} (see `flex-watchdog rules`)")


def run_rules(args: argparse.Namespace) -> int:
    term = Terminal.of()
    for rule in all_rules().values():
        heal = "healable" if rule.healable else ""
        line = f"{rule.id:<46} {rule.severity:<9} {heal:<9} {rule.title}"
        if term.width is None:
            print(line)
            continue
        head = f"{rule.id}  {term.severity(rule.severity, rule.severity)}"
        print(head + (f"  {heal}" if heal else ""))
        for part in textwrap.wrap(rule.title, width=term.width - 4, break_on_hyphens=False):
            print(f"    {part}")
    return 0


def run_explain(args: argparse.Namespace) -> int:
    rule = find_rule(args.rule)
    families = ", ".join(rule.families) or "any"
    term = Terminal.of()
    head = (f"{rule.id} ({rule.severity}; families: {families}; "
            f"{'healable' if rule.healable else 'not healable'})")
    if term.width is None:
        print(f"# {head}\n")
        print(rule.runbook)
        return 0
    for line in term.wrap(head, 2):
        print(term.paint(line, "bold"))
    print()
    print(render_markdown(rule.runbook, term), end="")
    return 0
