"""What a person reads: the plan (each step's reason, exact request, fields before and after),
the notes, the mappings, and after an apply what was done and what remains."""

from __future__ import annotations

import json
from typing import Any

from watchdog.restore.apply import Outcome
from watchdog.restore.plan import Plan, Step, new_ref

_LONG = 100


def _value(value: Any) -> str:
    """URLs and short values whole; a long definition or message shortened (the JSON plan
    written by ``--out`` holds every value whole)."""
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    if len(text) <= _LONG or text.startswith("https://"):
        return text
    return f"{text[:_LONG]}… ({len(text)} characters)"


def step_lines(number: int, step: Step, creates: dict[str, int] | None = None) -> list[str]:
    """``creates``: old SID -> the step that re-creates it (``$NEW[...]`` is named by it)."""
    def shown(value: Any) -> str:
        text = _value(value)
        for old, n in (creates or {}).items():
            text = text.replace(new_ref(old), f"<the SID step {n} creates>")
        return text
    lines = [f"{number}. {step.action.upper()} {step.label}"]
    lines += [f"   because {r.rule}: {r.summary}" for r in step.reasons]
    lines.append(f"   {step.request.method} {shown(step.request.url)}")
    lines += [f"       {k}={shown(v)}" for k, v in step.request.form.items()]
    lines += [f"   {d['field']}: {shown(d['before'])} -> {shown(d['after'])}"
              for d in step.diff()]
    return lines


def render_plan(plan: Plan) -> str:
    source = "baseline" if plan.source == "baseline" else f"export {plan.source}"
    if not plan.steps:
        lines = [f"Nothing to restore: the account matches the {source}'s routes."]
    else:
        lines = [f"Restore plan {plan.plan_id} for {plan.account_sid} against the "
                 f"{source}: {len(plan.steps)} step(s), in order.", ""]
        creates = {s.resource_sid: n for n, s in enumerate(plan.steps, 1)
                   if s.action == "create"}
        for number, step in enumerate(plan.steps, 1):
            lines += [*step_lines(number, step, creates), ""]
    if plan.mappings:
        lines.append(f"SIDs mapped from the {source}:")
        lines += [f"  {m['type']} \"{m['name']}\": {m['from']} -> {m['to']} (by {m['by']})"
                  for m in plan.mappings]
    if plan.notes:
        lines.append("Not done by restore:")
        for note in plan.notes:
            lines.append(f"  - {note.text}")
            if note.command:
                lines.append(f"      {note.command}")
    lines.append("Nothing was written.")
    return "\n".join(lines)


def render_outcomes(outcomes: list[Outcome], total: int) -> str:
    lines = []
    for item in outcomes:
        lines.append(f"{item.index + 1}. {item.outcome.upper()}: {item.step.label}: "
                     f"{item.reason}")
    failed = [o for o in outcomes if o.outcome == "failed"]
    if failed:
        remaining = total - len(outcomes)
        done = sum(o.outcome in ("applied", "noop", "skipped") for o in outcomes)
        lines.append(f"Stopped at step {failed[0].index + 1}: {done} step(s) in effect, "
                     f"{remaining + 1} not done (steps {failed[0].index + 1}..{total}).")
    else:
        lines.append(f"All {total} step(s) in effect. Run `flex-watchdog check` to see the "
                     "findings clear.")
    return "\n".join(lines)
