"""Routes customers take into Flex: every entry point traced hop by hop to a task queue.

Derived from a snapshot and the current findings, with no request of its own (what network
verification tools do for routers: each path computed from the configuration, no traffic
sent). ``routes(snapshot, findings)`` gives every entry point; ``broken_by(entry_points)`` maps
each finding to the entry points it cuts off; ``summarise`` counts them per channel.
"""

from __future__ import annotations

from watchdog.routes.build import routes
from watchdog.routes.model import CHANNELS, STATES, EntryPoint, Hop, State
from watchdog.routes.summary import broken_by, summarise

__all__ = ["CHANNELS", "STATES", "EntryPoint", "Hop", "State", "broken_by", "routes",
           "summarise"]
