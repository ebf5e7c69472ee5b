"""Trace a simulated account through the real check pipeline: check it healthy (adopting the
baseline), break it, check again, and derive the routes from that poll."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.conftest import NOW, sim_settings
from tests.rules.test_rules_worlds import FAMILY_REQUESTS
from watchdog.daemon.app import build_watcher
from watchdog.model.results import CycleResult
from watchdog.routes import EntryPoint, routes
from watchdog.simulator import Fault, SimulatorServer, World


def chat_address(world: World) -> str:
    """A webchat 3.x (``chat``) address into the world's Conversations messaging flow."""
    flow = world.flows.get("Conversations Messaging Flow") or world.flows["Messaging Flow"]
    return world.add_address("chat", "Flex Web Chat", friendly_name="Webchat 3.x",
                             auto_creation={"enabled": True, "type": "studio",
                                            "conversation_service_sid":
                                                world.conversations_service_sid,
                                            "studio_flow_sid": flow, "studio_retry_count": 3})


def traced(world: World, tmp_path: Path, act: Callable[[World], object] | None = None,
           fail: str | None = None,
           settings: dict[str, Any] | None = None) -> tuple[list[EntryPoint], CycleResult]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    with SimulatorServer(world) as server:
        watcher = build_watcher(sim_settings(server, tmp_path / "state.db", **(settings or {})))
        assert watcher.poll(NOW).findings == []
        if act is not None:
            act(world)
        if fail is not None:
            product, path = FAMILY_REQUESTS[fail]
            server.faults.add(Fault("500", product=product, path_regex=path))
        result = watcher.poll(NOW + timedelta(minutes=1))
        baseline = watcher.store.baseline(world.account_sid)
    return routes(result.snapshot, result.evaluation.findings, baseline=baseline), result
