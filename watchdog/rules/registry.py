"""The rule registry: a decorator with a string ID and the rule's metadata as arguments.

A rule is a small pure function ``(ctx) -> iterable of Hit``; its docstring is its runbook.
Discovery imports the modules in ``watchdog.rules.MODULES``; no entry points.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from watchdog.model.findings import Severity

if TYPE_CHECKING:
    from watchdog.rules.context import RuleContext

RULE_ID = re.compile(r"^[a-z]+\.[a-z0-9-]+$")
Kind = Literal["deletion", "overwrite", "other"]


@dataclass(frozen=True)
class Hit:
    """What a rule reports; the engine turns it into a Finding with the rule's metadata."""

    resource_type: str
    resource_sid: str
    summary: str
    details: dict[str, Any] = field(default_factory=dict)
    # A rule whose severity depends on the case (e.g. worse when the baseline disagrees) says so
    # here; None means the rule's own. A configured severity still wins over both.
    severity: Severity | None = None


RuleFunc = Callable[["RuleContext"], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    families: tuple[str, ...]
    func: RuleFunc
    healable: bool = False
    kind: Kind = "deletion"
    stack: Literal["legacy", "conversations", "any"] = "any"

    @property
    def runbook(self) -> str:
        return inspect.cleandoc(self.func.__doc__ or "")

    @property
    def title(self) -> str:
        return self.runbook.splitlines()[0] if self.runbook else self.id

    @property
    def anchor(self) -> str:
        return self.id.replace(".", "-")


REGISTRY: dict[str, Rule] = {}


def rule(rule_id: str, *, severity: Severity | str, families: Iterable[str], healable: bool = False,
         kind: Kind = "deletion",
         stack: Literal["legacy", "conversations", "any"] = "any") -> Callable[[RuleFunc], RuleFunc]:
    """Register a rule. A malformed or duplicate ID is a programming error."""
    if not RULE_ID.match(rule_id):
        raise ValueError(f"rule id {rule_id!r} must look like family.name")
    if rule_id in REGISTRY:
        raise ValueError(f"rule id {rule_id!r} registered twice")

    def register(func: RuleFunc) -> RuleFunc:
        REGISTRY[rule_id] = Rule(rule_id, Severity(severity), tuple(families), func, healable,
                                 kind, stack)
        return func

    return register


def all_rules() -> dict[str, Rule]:
    from watchdog.rules import load

    load()
    return dict(sorted(REGISTRY.items()))
