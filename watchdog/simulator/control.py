"""A control endpoint to break and repair a running simulated account from a shell.

``GET <base>/_control/breaks`` lists the breakages, ``POST <base>/_control/break/<name>`` and
``POST <base>/_control/repair/<name>`` apply one or its repair, each as a person in the Console
would. The breakages are handed in (the demo's, in the recovery guide's order), so the simulator
knows nothing of them. Loopback only, like the rest of the simulator; never a Twilio path.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any, Protocol

from watchdog.simulator.world import World

PREFIX = "/_control/"


class Breakage(Protocol):
    name: str
    title: str

    def breaks(self, world: World) -> str: ...
    def repair(self, world: World) -> list[str]: ...


class ControlPanel:
    """The breakages of one world, by name; each can be broken once, then repaired."""

    def __init__(self, world: World, breakages: Iterable[Breakage]) -> None:
        self.world = world
        self.breakages = {b.name: b for b in breakages}
        self.broken: set[str] = set()
        self._lock = threading.Lock()

    def listing(self) -> dict[str, Any]:
        return {"breaks": [{"name": b.name, "title": b.title, "broken": b.name in self.broken}
                           for b in self.breakages.values()]}

    def apply(self, action: str, name: str) -> tuple[int, dict[str, Any]]:
        """(HTTP status, JSON body) of ``break`` or ``repair`` of ``name``."""
        breakage = self.breakages.get(name)
        if breakage is None:
            return 404, {"error": f"no breakage {name!r}", **self.listing()}
        with self._lock:
            if action == "break":
                if name in self.broken:
                    return 409, {"error": f"{name} is broken already"}
                did = [breakage.breaks(self.world)]
                self.broken.add(name)
            elif action == "repair":
                if name not in self.broken:
                    return 409, {"error": f"{name} is not broken"}
                did = breakage.repair(self.world)
                self.broken.discard(name)
            else:
                return 404, {"error": f"no action {action!r}: break or repair"}
        return 200, {"name": name, "action": action, "done": did}

    def handle(self, method: str, path: str) -> tuple[int, dict[str, Any]]:
        parts = path.removeprefix(PREFIX).strip("/").split("/")
        if parts == ["breaks"] and method == "GET":
            return 200, self.listing()
        if len(parts) == 2 and method == "POST":
            return self.apply(parts[0], parts[1])
        return 404, {"error": "GET /_control/breaks, POST /_control/break|repair/<name>"}
