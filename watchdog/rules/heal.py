"""Healing's own findings: a resource whose circuit breaker is open."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from watchdog.controls.trusted import trusted_by
from watchdog.rules.context import RuleContext
from watchdog.rules.registry import Hit, rule
from watchdog.settings import Settings

FIGHT = "heal.fight-detected"


@rule(FIGHT, severity="warning", families=(), kind="other")
def fight_detected(ctx: RuleContext) -> Iterator[Hit]:
    """Healing of a resource stopped: a heal was undone again, or failed repeatedly.

    **Why it matters.** Something keeps changing the resource back after flex-watchdog healed
    it (a person in the Console, a deploy script, Terraform, another tool), or its heals keep
    failing. Healing it again would only fight that actor, so healing of this resource stopped
    (its circuit breaker is open) and the original finding stays open and pages.
    `details.breakers[].actor` names who made the last change, from Monitor Events
    (`actor_type`, `actor_sid`, `source`, `source_ip_address`, `event_date`) where Twilio
    records one (phone numbers); it is null for Flex Flows and Proxy pools.

    **Fix by hand.** Find the actor: a user SID (`US...`) is a Console user (Console → Account →
    Manage users); `source=api` is a script or tool using the account's credentials (check
    deploy pipelines, Terraform, Functions). Agree on the right configuration and stop the other
    writer, or accept the change (`flex-watchdog baseline accept`, or turn the rule's
    `autoheal` off). When the actor is trusted (`baseline.trusted_actors` or
    `baseline.trusted_sources`), the finding does not page: `details.trusted` and `check` say
    so. Then re-arm healing: `flex-watchdog heal reset <resource SID>`.
    `flex-watchdog heal history <SID>` shows every heal and refusal of the resource.

    **Heal.** None: only a person re-arms healing.
    """
    evidence: list[dict[str, Any]] = ctx.extra.get(FIGHT) or []
    by_resource: dict[str, list[dict[str, Any]]] = {}
    for item in evidence:
        by_resource.setdefault(str(item["resource_sid"]), []).append(item)
    for sid, items in sorted(by_resource.items()):
        yield _hit(sid, items, ctx.settings)


def _hit(sid: str, items: list[dict[str, Any]], settings: Settings) -> Hit:
    first = items[0]
    rules = ", ".join(sorted(str(i["rule"]) for i in items))
    actor = next((i["actor"] for i in items if i.get("actor")), None)
    who = (f"; last changed by {actor.get('actor_type')} {actor.get('actor_sid')}"
           f" via {actor.get('source')}" if actor else "")
    summary = (f"Healing of {first.get('label') or sid} stopped ({rules}): "
               f"{first.get('reason') or 'circuit breaker open'}{who}. "
               f"Re-arm with `flex-watchdog heal reset {sid}`")
    details = {"breakers": items, "actor": actor, "reset_command": f"flex-watchdog heal reset {sid}"}
    trusted = trusted_by(settings, actor.get("actor_sid"), actor.get("actor_type"),
                         actor.get("source"), actor.get("source_ip_address")) if actor else None
    if trusted:  # the trusted actor's change stands: healing stops without a page
        details["trusted"] = f"changed by {trusted}: healing stopped without a page"
    return Hit(str(first.get("resource_type") or "unknown"), sid, summary, details)
