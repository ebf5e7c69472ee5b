"""Who is trusted: ``baseline.trusted_actors`` (US.../AC... SIDs) and ``baseline.trusted_sources``
(CIDR ranges), judged from what a Monitor Event says about the actor."""

from __future__ import annotations

import ipaddress

from watchdog.settings import Settings


def trusted_by(settings: Settings, actor_sid: str | None, actor_type: str | None,
               source: str | None, ip: str | None) -> str | None:
    """``trusted actor account AC… via api from 198.51.100.7`` when trusted, else None."""
    trust = settings.baseline
    who = f"{actor_type or 'actor'} {actor_sid or '?'}"
    via = f" via {source}" if source else ""
    where = f" from {ip}" if ip else ""
    if actor_sid and actor_sid in trust.trusted_actors:
        return f"trusted actor {who}{via}{where}"
    try:
        address = ipaddress.ip_address(ip) if ip else None
    except ValueError:
        return None
    if address is not None and any(address in net for net in trust.trusted_sources):
        return f"trusted source {ip} ({who}{via})"
    return None
