"""Render the rule catalogue (ID, severity, families, heal, runbook) into ``docs/rules.md``.

``python -m watchdog.rules.docs`` rewrites the file; ``--check`` only reports whether it is out of
date (exit 1). Each rule gets an anchor equal to its ID with dots replaced by dashes
(``#numbers-message-webhook-overwritten``), which alerts link to.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from watchdog.rules.registry import Rule, all_rules

DOCS_PATH = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
HEADER = """\
# Rule catalogue

Generated from the rules' docstrings by `python -m watchdog.rules.docs`; do not edit by hand
(a test fails when this file is out of date). `flex-watchdog rules` lists the same catalogue and
`flex-watchdog explain RULE` prints one runbook.

A rule whose families could not be fetched completely in a cycle is skipped, never evaluated
on partial data. Where one cause explains others, the cause is the finding and its
`details.affected` lists the consequences, which are then not reported again.
"""


def render() -> str:
    rules = list(all_rules().values())
    parts = [HEADER, _table(rules)]
    parts += [_section(rule) for rule in rules]
    return "\n".join(parts).rstrip() + "\n"


def _table(rules: list[Rule]) -> str:
    lines = ["| Rule | Severity | Stack | Families | Healable | What it detects |",
             "|---|---|---|---|---|---|"]
    for rule in rules:
        lines.append(f"| [`{rule.id}`](#{rule.anchor}) | {rule.severity} | {rule.stack} | "
                     f"{_families(rule)} | {'yes' if rule.healable else 'no'} | "
                     f"{rule.title.replace('|', '/')} |")
    return "\n".join(lines) + "\n"


def _section(rule: Rule) -> str:
    body = "\n".join(rule.runbook.splitlines()[1:]).strip()
    meta = (f"**Severity:** {rule.severity} · **Families:** {_families(rule)} · "
            f"**Healable:** {'yes' if rule.healable else 'no'} · **Kind:** {rule.kind} · "
            f"**Stack:** {rule.stack}")
    return f'<a id="{rule.anchor}"></a>\n\n## {rule.id}\n\n{rule.title}\n\n{meta}\n\n{body}\n'


def _families(rule: Rule) -> str:
    return ", ".join(rule.families) or "any (runs on what was fetched)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m watchdog.rules.docs",
                                     description="Regenerate docs/rules.md from the rules.")
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    parser.add_argument("--path", type=Path, default=DOCS_PATH)
    args = parser.parse_args(argv)
    text = render()
    current = args.path.read_text(encoding="utf-8") if args.path.exists() else None
    if args.check:
        if current != text:
            print(f"{args.path} is out of date: run python -m watchdog.rules.docs",
                  file=sys.stderr)
            return 1
        return 0
    if current != text:
        args.path.parent.mkdir(parents=True, exist_ok=True)
        args.path.write_text(text, encoding="utf-8")
        print(f"wrote {args.path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
