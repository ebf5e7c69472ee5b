"""Text and JSON for ``heal --plan``, ``heal --apply`` and ``heal history``."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from watchdog.healing import guard
from watchdog.healing.model import Mode, PlanItem
from watchdog.healing.records import Breaker, HealRecord
from watchdog.model.times import iso
from watchdog.settings import Settings

_PLAN_WORDS = {"dry_run": "WOULD APPLY", "ready": "READY", "refused": "REFUSED",
               "waiting": "WAITING", "noop": "NOTHING TO DO"}
_OUTCOME_WORDS = {"applied": "APPLIED", "failed": "FAILED", "refused": "REFUSED",
                  "noop": "NOTHING TO DO", "dry_run": "NOT APPLIED"}


def _value(value: Any) -> str:
    return "(unset)" if value is None else json.dumps(value) if not isinstance(value, str) \
        else value


def status_word(item: PlanItem, mode: Mode) -> str:
    if mode != "plan" and item.outcome is not None:
        return _OUTCOME_WORDS[item.outcome]
    return _PLAN_WORDS[item.state]


def render_item(item: PlanItem, mode: Mode, settings: Settings) -> list[str]:
    word = status_word(item, mode)
    lines = [f"{item.rule} · {item.label} · {word}" + (f": {item.reason}" if item.reason and
                                                        word not in ("WOULD APPLY",) else "")]
    change = item.change
    if change is not None:
        req = change.request
        lines.append(f"  {req.method} {req.url}")
        lines += [f"      {name}={value}" for name, value in req.form.items()]
        lines += [f"  {d['field']}: {_value(d['before'])} -> {_value(d['after'])}"
                  for d in change.diff()]
    if mode == "plan":
        off = guard.disarmed(settings, item.rule, "auto")
        lines.append("  daemon: heals this on its own" if off is None
                     else f"  daemon: does not heal this on its own ({off})")
    return lines


def render_plan(items: list[PlanItem], mode: Mode, settings: Settings,
                complete: bool = True) -> str:
    if not items and not complete:
        return "Nothing to heal in what could be read."
    if not items:
        return "Nothing to heal: no open finding of a rule with a healer."
    counts = Counter(status_word(i, mode).lower() for i in items)
    head = ", ".join(f"{n} {word}" for word, n in sorted(counts.items()))
    title = "Heal plan" if mode == "plan" else "Heal apply"
    out = [f"{title}: {len(items)} heal(s): {head}", ""]
    for item in items:
        out += render_item(item, mode, settings) + [""]
    if mode == "plan":
        out.append("Nothing was written. `flex-watchdog heal --apply` applies this plan once, "
                   "with the same guards, after asking (name SIDs or --rule to narrow it, "
                   "--now to skip the grace period for them).")
    return "\n".join(out).rstrip()


def plan_json(items: list[PlanItem]) -> str:
    return json.dumps([i.to_json() for i in items], indent=2, default=str)


def render_history(rows: list[HealRecord], tripped: list[Breaker]) -> str:
    out = []
    for b in tripped:
        out.append(f"CIRCUIT BREAKER OPEN {b.rule} · {b.label or b.resource_sid} since "
                   f"{iso(b.tripped_at) if b.tripped_at else '?'}: {b.tripped_reason} "
                   f"(`flex-watchdog heal reset {b.resource_sid}`)")
    if tripped:
        out.append("")
    if not rows:
        return "\n".join(out + ["No heal recorded."])
    for row in rows:
        phase = " (writing: unverified)" if row.phase == "writing" else ""
        out.append(f"{iso(row.at)} {row.mode:<5} {row.outcome.upper():<8} {row.rule} · "
                   f"{row.label}{phase}" + (f": {row.reason}" if row.reason else ""))
        desired = (row.request or {}).get("desired") or {}
        for field, value in desired.items():
            before = (row.before or {}).get(field)
            after = (row.after or {}).get(field) if row.after is not None else value
            if before == value and after == value:
                continue  # sent unchanged (e.g. SmsMethod=POST): not part of the diff
            shown = f" (read back: {_value(after)})" if row.after is not None else ""
            out.append(f"    {field}: {_value(before)} -> {_value(value)}{shown}")
    return "\n".join(out)


def history_json(rows: list[HealRecord]) -> str:
    return json.dumps([r.to_json() for r in rows], indent=2, default=str)
