"""Every deletion and re-creation in the recovery guide, in a simulated account: ``restore
--plan`` lists the right steps and writes nothing; ``--apply`` writes exactly those steps and
``check`` comes back with zero findings."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest

from tests.restore.support import cli_env, findings, load_plan, run, writes
from tests.schemas import validator
from watchdog.simulator import SimulatorServer, World, healthy_conversations, healthy_legacy


@dataclass(frozen=True)
class Case:
    build: Callable[[], World]
    breakage: Callable[[World], object]
    kinds: Callable[[World], list[str]]


def _addresses_on(world: World, name: str) -> int:
    flow = world.flows[name]
    with world.lock:
        return sum(1 for a in world.store.addresses.values()
                   if (a.get("auto_creation") or {}).get("studio_flow_sid") == flow)


CASES = {
    # Servicio de Chat: System Checkup made a new one; every Flex Flow follows the Configuration.
    "chat-service-recreated": Case(healthy_legacy, lambda w: w.recreate_chat_service(),
                                   lambda w: ["flex-flow"] * 4),
    # Espacio de trabajo de TaskRouter: every Send to Flex widget re-pointed and published.
    "workspace-recreated": Case(healthy_legacy, lambda w: w.recreate_workspace(),
                                lambda w: ["studio-flow-publish"] * 3),
    # Servicio Proxy: numbers to the new service and back into its pool.
    "proxy-service-recreated": Case(healthy_legacy, lambda w: w.recreate_proxy_service(),
                                    lambda w: ["number-webhooks"] * 3 + ["proxy-pool"] * 3),
    # Studio Flows: a deleted flow comes back from the baseline, its users re-pointed.
    "voice-flow-deleted": Case(healthy_legacy, lambda w: w.delete(w.flows["Voice IVR"]),
                               lambda w: ["studio-flow-create"] + ["number-webhooks"] * 3),
    "messaging-flow-deleted": Case(healthy_legacy, lambda w: w.delete(w.flows["Messaging Flow"]),
                                   lambda w: ["studio-flow-create"] + ["flex-flow"] * 3),
    "flex-flow-deleted": Case(healthy_legacy, lambda w: w.delete(w.flex_flows["Flex Web Channel"]),
                              lambda w: ["flex-flow-create"]),
    "workflow-deleted": Case(healthy_legacy, lambda w: w.delete(w.workflow_sid or ""),
                             lambda w: ["taskrouter-workflow"] + ["studio-flow-publish"] * 3),
    "task-channel-deleted": Case(healthy_legacy, lambda w: w.delete(w.task_channels["voice"]),
                                 lambda w: ["taskrouter-task-channel", "studio-flow-publish"]),
    "address-deleted": Case(healthy_conversations,
                            lambda w: w.delete(next(iter(w.address_configs.values()))),
                            lambda w: ["address-configuration-create"]),
    "conversations-flow-deleted": Case(
        healthy_conversations, lambda w: w.delete(w.flows["Messaging Flow"]),
        lambda w: ["studio-flow-create"] + ["address-configuration"] * _addresses_on(
            w, "Messaging Flow")),
}


@pytest.fixture(params=sorted(CASES))
def case(request: pytest.FixtureRequest) -> tuple[str, Case]:
    return request.param, CASES[request.param]


def _product(url: str) -> str:
    return urlsplit(url).hostname.split(".")[0]  # type: ignore[union-attr]


def test_plan_writes_nothing_and_apply_clears_every_finding(case, tmp_path, monkeypatch, capsys):
    name, spec = case
    world = spec.build()
    with SimulatorServer(world) as sim:
        cli_env(sim, tmp_path / "state.db", monkeypatch)
        assert run(capsys, "baseline", "accept", "--yes")[0] == 0
        kinds = spec.kinds(world)
        spec.breakage(world)
        plan_file = tmp_path / "plan.json"
        before = len(writes(sim))
        code, out, _ = run(capsys, "restore", "--plan", "--out", str(plan_file))
        assert code == 1, out
        assert len(writes(sim)) == before, "restore --plan wrote to Twilio"
        assert "Nothing was written." in out
        plan = load_plan(plan_file)
        validator("restore-plan").validate(plan)
        assert [s["kind"] for s in plan["steps"]] == kinds
        assert all(s["reasons"] for s in plan["steps"])
        assert all(s["request"]["method"] == "POST" for s in plan["steps"])

        code, out, err = run(capsys, "restore", "--apply", str(plan_file))
        assert code == 0, out + err
        applied = writes(sim)[before:]
        assert all(method == "POST" for method, _, _ in applied)
        assert Counter(p for _, p, _ in applied) == Counter(
            _product(s["request"]["url"]) for s in plan["steps"])
        # before that, nothing at warning or above is left: the duplicates System Checkup made
        # are info findings (reported, with the step a person runs, never deleted by restore)
        left = {(f["rule"], f["severity"]) for f in findings(capsys)}
        assert left <= {("studio.flow-duplicate", "info")}, (name, left)
        assert bool(left) == any(n["command"] for n in plan["notes"]), name
        # what the plan reports for a person to remove, done by hand (never by restore)
        for note in plan["notes"]:
            if note["command"]:
                world.delete(note["resource_sid"])
        assert findings(capsys) == [], name
        assert run(capsys, "restore", "--plan")[0] == 0
