"""Shared by the rule modules: Flex numbers (now or in the baseline), parsed flows, labels."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from watchdog.model.flowdef import FlowDef, FlowDefError, parse
from watchdog.model.snapshot import Resource
from watchdog.model.topology import CONVERSATIONS, LEGACY, NONE, VOICE
from watchdog.rules.context import RuleContext, RuleMemo

log = logging.getLogger(__name__)
_PARSED_MAX = 2048


@dataclass(frozen=True)
class FlexNumber:
    """A phone number Flex uses now, or used in the baseline (``from_baseline``)."""

    resource: Resource
    stack: str  # legacy | conversations | both | voice
    from_baseline: bool = False

    @property
    def sid(self) -> str:
        return self.resource.sid

    @property
    def phone(self) -> str:
        return str(self.resource.get("phone_number"))

    @property
    def legacy(self) -> bool:
        return self.stack == LEGACY

    def details(self, **extra: Any) -> dict[str, Any]:
        out: dict[str, Any] = {"stack": self.stack, "phone_number": self.phone}
        if self.from_baseline:
            out["stack_from_baseline"] = True
        return out | extra


def flex_numbers(ctx: RuleContext) -> list[FlexNumber]:
    """Every current number whose stack is not ``none``, now or (failing that) in the baseline."""
    memo = vars(ctx)  # computed once per context: most number rules start from this list
    if "_flex_numbers" not in memo:
        memo["_flex_numbers"] = _flex_numbers(ctx)
    return list(memo["_flex_numbers"])


def _flex_numbers(ctx: RuleContext) -> list[FlexNumber]:
    topo, base = ctx.topology, ctx.baseline_topology
    out = []
    for number in ctx.snapshot.of_type("phone_number"):
        stack = topo.stacks.get(number.sid, NONE)
        if stack not in (NONE, VOICE):
            out.append(FlexNumber(number, stack))
            continue
        # Lost its messaging plumbing (or everything): the baseline says what it was.
        old_stack = base.stacks.get(number.sid, NONE) if base is not None else NONE  # cached
        if old_stack not in (NONE, VOICE):
            out.append(FlexNumber(number, old_stack, from_baseline=True))
        elif stack == VOICE or old_stack == VOICE:
            out.append(FlexNumber(number, VOICE, from_baseline=stack != VOICE))
    return out


def legacy_numbers(ctx: RuleContext) -> list[FlexNumber]:
    return [n for n in flex_numbers(ctx) if n.stack == LEGACY]


def conversations_numbers(ctx: RuleContext) -> list[FlexNumber]:
    return [n for n in flex_numbers(ctx) if n.stack == CONVERSATIONS]


def parsed(flow: Resource, memo: RuleMemo) -> FlowDef | None:
    """The flow's published definition, parsed (None: never published or not analysable);
    kept in ``memo`` (the watcher's: once per revision, not once per cycle)."""
    done, key = memo.parsed, f"{flow.sid}:{flow.fingerprint}"
    if key not in done:
        if len(done) >= _PARSED_MAX:
            done.clear()
        definition = flow.get("definition")
        try:
            done[key] = parse(definition) if definition is not None else None
        except FlowDefError as exc:  # logged once per revision: the result is kept
            log.warning("studio flow %s: definition not analysable (%s); its Send to Flex "
                        "checks are skipped", flow.sid, exc)
            done[key] = None
    return done[key]


def flow_name(ctx: RuleContext, sid: str) -> str | None:
    """A Studio flow's friendly name, from the snapshot or else the baseline."""
    for snap in (ctx.snapshot, ctx.baseline):
        flow = snap.get("studio_flow", sid) if snap is not None else None
        if flow is not None:
            return str(flow.get("friendly_name"))
    return None


def flow_label(ctx: RuleContext, sid: str) -> str:
    name = flow_name(ctx, sid)
    return f'"{name}" ({sid})' if name else sid


def affected(type_: str, sids: Any) -> list[dict[str, str]]:
    return [{"type": type_, "sid": s} for s in sorted(set(sids))]
