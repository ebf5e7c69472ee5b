"""Studio flows: Send to Flex widgets re-pointed to the current workspace's workflow and task
channel (matched by the baseline's names) and published; a deleted flow re-created from its
last published definition with the references inside it re-pointed."""

from __future__ import annotations

import copy
import json
from typing import Any

from watchdog.healing.model import Request
from watchdog.model.snapshot import Resource, thaw
from watchdog.restore.context import PlanContext, commit_message, form, label
from watchdog.restore.plan import Step

STUDIO = "https://studio.twilio.com/v2/Flows"
WIDGET_RULES = ("studio.send-to-flex-workflow-invalid", "studio.send-to-flex-channel-invalid")
MISSING_RULES = ("numbers.voice-flow-missing", "flex.flow-studio-flow-missing",
                 "conversations.address-studio-flow-missing", "baseline.resource-deleted")
ROUTED = ("workflow", "channel")


def load(definition: Any) -> dict[str, Any] | None:
    if isinstance(definition, str):
        try:
            definition = json.loads(definition)
        except ValueError:
            return None
    value = thaw(definition)
    return value if isinstance(value, dict) else None


def widget_fields(definition: Any) -> dict[str, Any]:
    """``<widget>.workflow`` and ``<widget>.channel`` of every Send to Flex widget."""
    data = load(definition) or {}
    out: dict[str, Any] = {}
    for state in data.get("states") or ():
        if isinstance(state, dict) and state.get("type") == "send-to-flex":
            props = state.get("properties") or {}
            for key in ROUTED:
                out[f"{state.get('name')}.{key}"] = props.get(key)
    return out


def _repointed(ctx: PlanContext, current: dict[str, Any], baseline: dict[str, Any] | None
               ) -> dict[str, Any]:
    """``current`` with each Send to Flex widget's workflow/channel set to what its baseline
    widget (same name) named, mapped to the current account; other edits are kept."""
    wanted = widget_fields(baseline) if baseline else {}
    out = copy.deepcopy(current)
    for state in out.get("states") or ():
        if not (isinstance(state, dict) and state.get("type") == "send-to-flex"):
            continue
        props = state.setdefault("properties", {})
        for key in ROUTED:
            old = wanted.get(f"{state.get('name')}.{key}", props.get(key))
            new = ctx.sids.resolve(old)
            if new:
                props[key] = new
    return out


def repoint(ctx: PlanContext, old: Resource, cur: Resource) -> Step | None:
    current = load(cur.get("definition"))
    if current is None:
        return None
    desired = _repointed(ctx, current, load(old.get("definition")))
    before, after = widget_fields(current), widget_fields(desired)
    if before == after:
        return None
    reasons = ctx.reasons.about([cur.sid], WIDGET_RULES)
    message = commit_message(reasons, "Send to Flex re-pointed to the current workspace")
    url = f"{STUDIO}/{cur.sid}"
    fields = form(Status="published", Definition=json.dumps(desired, sort_keys=True),
                  CommitMessage=message)
    return Step("studio-flow-publish", "update", cur.type, cur.sid, label(cur), reasons,
                Request("POST", url, fields), {"status": cur.get("status"), **before},
                {"status": "published", **after}, cur.fingerprint, url)


def recreate(ctx: PlanContext, old: Resource) -> Step | None:
    definition = load(old.get("definition"))
    reasons = ctx.reasons.about([old.sid], MISSING_RULES)
    if definition is None:
        if reasons:
            ctx.note("refused", old.sid, f"{label(old)}: the baseline holds no published "
                     "definition of it: re-create it in Studio by hand")
        return None
    desired = ctx.sids.remap(definition)
    message = commit_message(reasons, "re-created from the baseline's published definition")
    fields = form(FriendlyName=old.get("friendly_name"), Status="published",
                  Definition=json.dumps(desired, sort_keys=True), CommitMessage=message)
    after = {"friendly_name": old.get("friendly_name"), "status": "published",
             **widget_fields(desired)}
    return Step("studio-flow-create", "create", old.type, old.sid, label(old), reasons,
                Request("POST", STUDIO, fields), {}, after, None, STUDIO,
                {"friendly_name": old.get("friendly_name"), **widget_fields(desired)})
