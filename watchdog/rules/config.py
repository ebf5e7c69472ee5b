"""The configuration's own findings: an ignore whose date has passed."""

from __future__ import annotations

from collections.abc import Iterator

from watchdog.model.times import iso
from watchdog.rules.context import RuleContext
from watchdog.rules.registry import Hit, rule


@rule("config.ignore-expired", severity="info", families=(), kind="other")
def ignore_expired(ctx: RuleContext) -> Iterator[Hit]:
    """A config-file ignore has passed its `expires` date and no longer applies.

    **Why it matters.** An entry under `ignore:` kept a finding from paging and healing until a
    date. That date has passed: the finding it covered (if still broken) pages and heals again,
    and the entry itself is dead configuration that someone meant to revisit.

    **Fix by hand.** Decide again. If the case is still intended (for example a number kept off
    Flex on purpose), give the entry a new `expires` in the config file; if it was fixed, delete
    the entry. `details` names the rule, resource, reason and the date that passed. For a short
    pause use `flex-watchdog silence add` instead.

    **Heal.** None: the configuration is yours.
    """
    for entry in ctx.settings.ignore:
        if entry.expires is None or entry.expires > ctx.now:
            continue
        target = entry.resource or "*"
        yield Hit("config_ignore", f"{entry.rule}/{target}",
                  f"Config ignore of {entry.rule} for {target} expired at "
                  f"{iso(entry.expires)} ({entry.reason}); it no longer applies",
                  {"ignore": {"rule": entry.rule, "resource": entry.resource,
                              "reason": entry.reason, "expires": iso(entry.expires)}})
