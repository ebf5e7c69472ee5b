"""``heal --apply`` is a person's tool: ``--rule`` and resources narrow it, ``--now`` skips the
grace period for what was named, and it asks before it writes (``--yes`` for scripts)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TextIO

from watchdog.errors import ConfigError
from watchdog.healing.healers import all_healers
from watchdog.healing.model import PlanItem
from watchdog.rules.registry import all_rules

# Exit code of --apply when a heal that was asked for was refused, is waiting, or was declined.
NOT_APPLIED = 4


@dataclass(frozen=True)
class Selection:
    """What the person named; nothing named means every healable finding."""

    rules: frozenset[str] = frozenset()
    resources: frozenset[str] = frozenset()

    @classmethod
    def of(cls, args: argparse.Namespace) -> Selection:
        rules = frozenset(args.rule or ())
        healable = all_healers()
        for rule in sorted(rules):
            if rule not in all_rules():
                raise ConfigError(f"heal: --rule {rule}: unknown rule (see `flex-watchdog rules`)")
            if rule not in healable:
                raise ConfigError(f"heal: --rule {rule}: this rule has no healer (healable: "
                                  f"{', '.join(sorted(healable))})")
        resources = frozenset(args.apply or ())
        if args.now and not (rules or resources):
            raise ConfigError("heal: --now skips the grace period only for what is named: add "
                              "--rule RULE or resource SIDs after --apply")
        return cls(rules, resources)

    @property
    def named(self) -> bool:
        return bool(self.rules or self.resources)

    def matches(self, item: PlanItem) -> bool:
        if self.rules and item.rule not in self.rules:
            return False
        if not self.resources:
            return True
        finding_sid = item.finding_id.split(":", 1)[-1]
        return any(r in (item.resource_sid, finding_sid, item.label)
                   or item.label.startswith(f"{r} ") for r in self.resources)

    def unmatched(self, items: Iterable[PlanItem]) -> list[str]:
        """Named resources that no planned heal is about."""
        found = list(items)
        return sorted(r for r in self.resources
                      if not any(Selection(self.rules, frozenset({r})).matches(i) for i in found))


def require_consent(args: argparse.Namespace) -> None:
    """Refuse before anything is read when nobody can be asked and --yes was not given."""
    if args.apply is not None and not args.yes and not sys.stdin.isatty():
        raise ConfigError("heal --apply: asks before it writes and stdin is not a terminal; "
                          "pass --yes to apply without asking")


def confirm(items: list[PlanItem], account_sid: str, assume_yes: bool,
            ask: TextIO | None = None) -> bool:
    """Show the writes and ask once; True when there is nothing to write or the person agrees."""
    ready = [i for i in items if i.state == "ready"]
    if not ready or assume_yes:
        return True
    out = ask or sys.stderr
    print(f"About to write {len(ready)} heal(s) to account {account_sid}:", file=out)
    for item in ready:
        assert item.change is not None
        request = item.change.request
        print(f"  {item.rule} · {item.label}: {request.method} {request.url}", file=out)
        for diff in item.change.diff():
            print(f"      {diff['field']}: {diff['before']} -> {diff['after']}", file=out)
    print("Apply them? [y/N] ", end="", file=out, flush=True)
    answer = sys.stdin.readline().strip().lower()
    return answer in ("y", "yes")


def not_applied(items: Iterable[PlanItem]) -> list[PlanItem]:
    """Heals that were asked for and did not happen: refused (by a guard or the re-read) or
    still waiting for the grace period."""
    return [i for i in items if i.state in ("waiting", "refused") or i.outcome == "refused"]
