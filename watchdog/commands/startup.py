"""What start-up says once about a configuration that is valid but probably not what was meant."""

from __future__ import annotations

from watchdog.settings import PagerDutySettings, Settings

PLACEHOLDER_RUNBOOK = PagerDutySettings.model_fields["runbook_base_url"].default


def config_warnings(settings: Settings) -> list[str]:
    """One line per setting left at a placeholder that incidents would show to the on-call."""
    out = []
    paging = settings.pagerduty.routing_key is not None or settings.pagerduty.severity_routing_keys
    if paging and settings.pagerduty.runbook_base_url == PLACEHOLDER_RUNBOOK:
        out.append("pagerduty.runbook_base_url is still the placeholder "
                   f"{PLACEHOLDER_RUNBOOK}: incidents link there; set it to your team's copy "
                   "of docs/rules.md (FLEX_WATCHDOG_PAGERDUTY__RUNBOOK_BASE_URL)")
    return out
