"""Rules: one module per resource family, registered by ID (see ``registry``).

The modules are imported from this fixed list; ``baseline`` comes last because drift findings
are only raised for what the other rules do not already explain.
"""

from __future__ import annotations

import importlib

MODULES = ("services", "taskrouter", "flex", "studio", "studio_conversations", "numbers",
           "conversations", "conversations_service", "conversations_live", "messaging", "heal", "config",
           "baseline")


def load() -> None:
    for name in MODULES:
        try:
            importlib.import_module(f"watchdog.rules.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"watchdog.rules.{name}":
                raise
