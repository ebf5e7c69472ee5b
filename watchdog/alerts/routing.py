"""Which PagerDuty integration a finding goes to, and after how many observations.

A route is a *name* (``default``, ``severity:warning``, ``rule:<id>``): it is what the state store
keeps. The routing key it stands for is a secret, looked up in the settings only at send time.
"""

from __future__ import annotations

from pydantic import SecretStr

from watchdog.model.findings import Severity
from watchdog.rules.registry import Kind
from watchdog.settings import Settings

DEFAULT = "default"


def route_for(settings: Settings, rule_id: str, severity: Severity) -> str | None:
    """The route of a finding, or None when it is not sent.

    A per-rule routing key wins (it is an explicit wish to hear about that rule, info included);
    then info is dropped unless ``pagerduty.send_info``; then a per-severity key; then the default.
    """
    pd = settings.pagerduty
    if _present(settings.rule(rule_id).routing_key):
        return f"rule:{rule_id}"
    if severity == "info" and not pd.send_info:
        return None
    if _present(pd.severity_routing_keys.get(severity)):
        return f"severity:{severity}"
    return DEFAULT if _present(pd.routing_key) else None


def routing_key(settings: Settings, route: str) -> str | None:
    """The secret routing key a route name stands for now (None: no longer configured)."""
    pd = settings.pagerduty
    kind, _, name = route.partition(":")
    secret: SecretStr | None = None
    if route == DEFAULT:
        secret = pd.routing_key
    elif kind == "severity":
        secret = pd.severity_routing_keys.get(name)  # type: ignore[call-overload]
    elif kind == "rule":
        secret = settings.rules[name].routing_key if name in settings.rules else None
    return secret.get_secret_value() if _present(secret) else None  # type: ignore[union-attr]


def confirmations(settings: Settings, kind: Kind) -> int:
    """Consecutive complete observations a finding needs before it pages.

    Deletions wait longest (one short list can look like a deletion); overwrites are definite.
    Other kinds (e.g. duplicates) use the deletion count: they are the less certain ones.
    """
    c = settings.pagerduty.confirmations
    return c.overwrite if kind == "overwrite" else c.deletion


def _present(secret: SecretStr | None) -> bool:
    return secret is not None and bool(secret.get_secret_value())
