"""Every rule through the simulator and the real check pipeline (SDK, HTTP, fetchers, engine).

Each case of ``tests/rules/worlds.py`` breaks a healthy world as the recovery guide describes and
must produce exactly its findings; healthy worlds produce none; a rule never fires when one of
its families failed to fetch.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import NOW, sim_settings
from tests.heal.support import Rig
from tests.rules.worlds import CASES, HEALTHY, Case, expected_rules
from watchdog.daemon.app import build_watcher
from watchdog.model.results import CycleResult
from watchdog.model.snapshot import RESOURCE_FAMILY
from watchdog.rules.registry import all_rules
from watchdog.simulator import Fault, SimulatorServer, World

FAMILY_REQUESTS = {  # family -> (simulator product, path) that makes its fetch fail
    "configuration": ("flex-api", "/v1/Configuration"), "flex_flows": ("flex-api", "/v1/FlexFlows"),
    "chat": ("chat", "/v2/Services"), "proxy": ("proxy", "/v1/Services"),
    "taskrouter": ("taskrouter", "/v1/Workspaces"), "studio": ("studio", "/v2/Flows"),
    "numbers": ("api", "IncomingPhoneNumbers"), "conversations": ("conversations", "Addresses"),
    "conversations_services": ("conversations", "^/v1/(Configuration$|Services)"),
    "messaging": ("messaging", "^/v1/Services"), "whatsapp": ("messaging", "Senders"),
    "conversations_live": ("conversations", "/Conversations$")}


def run(case: Case, tmp_path: Path, fail: str | None = None) -> tuple[World, CycleResult]:
    """Check the healthy world (adopting the baseline), break it, check again."""
    world = case.world()
    with SimulatorServer(world) as server:
        if case.timeline:
            return world, _run_timeline(case, server, tmp_path, fail)
        settings = sim_settings(server, tmp_path / f"{case.id}-{fail}.db")
        watcher = build_watcher(settings)
        first = watcher.poll(NOW)
        assert first.findings == [] and first.unknown == []
        case.act(world)
        _fail(server, fail)
        return world, watcher.poll(NOW + timedelta(minutes=1))


def _run_timeline(case: Case, server: SimulatorServer, tmp_path: Path,
                  fail: str | None) -> CycleResult:
    folder = tmp_path / f"{case.id}-{fail}"
    folder.mkdir()
    rig = Rig(server, folder, **case.settings)
    assert rig.poll(0).findings == []
    case.act(server.world)
    result = None
    for index, (minutes, action) in enumerate(case.timeline):
        rig.at(minutes)
        if action is not None:
            action(server.world)
        if index == len(case.timeline) - 1:
            _fail(server, fail)
        result = rig.poll(minutes)
    assert result is not None
    return result


def _fail(server: SimulatorServer, family: str | None) -> None:
    if family is not None:
        product, path = FAMILY_REQUESTS[family]
        server.faults.add(Fault("500", product=product, path_regex=path))


@pytest.mark.parametrize("name", sorted(HEALTHY))
def test_healthy_worlds_have_no_findings(name, tmp_path):
    world = HEALTHY[name]()
    with SimulatorServer(world) as server:
        settings = sim_settings(server, tmp_path / "s.db")
        watcher = build_watcher(settings)
        for minutes in (0, 1):  # without, then with the adopted baseline
            result = watcher.poll(NOW + timedelta(minutes=minutes))
            assert result.findings == [] and result.unknown == []


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_broken_world_produces_exactly_its_findings(case, tmp_path):
    world, result = run(case, tmp_path)
    got = {(f.rule, f.resource_sid) for f in result.findings}
    assert got == case.expect(world)
    assert not {r for r, _ in got} & set(case.quiet)
    for finding in result.findings:
        if finding.resource_type == "phone_number":
            assert finding.details["stack"] in ("legacy", "conversations", "both")


def _firing_case(rule_id: str) -> Case:
    return next(c for c in CASES if rule_id in expected_rules(c))


def _families_of(rule_id: str, result: CycleResult) -> set[str]:
    """Declared families; drift rules check each resource's own family instead."""
    declared = set(all_rules()[rule_id].families)
    if declared or not rule_id.startswith("baseline."):
        return declared
    return {RESOURCE_FAMILY[f.resource_type] for f in result.findings if f.rule == rule_id}


@pytest.mark.slow
@pytest.mark.parametrize("rule_id", sorted(all_rules()))
def test_no_rule_fires_when_one_of_its_families_failed(rule_id, tmp_path):
    case = _firing_case(rule_id)
    _, clean = run(case, tmp_path)
    assert rule_id in {f.rule for f in clean.findings}
    families = _families_of(rule_id, clean)
    if not families:
        pytest.skip(f"{rule_id} reads no fetched family (its evidence is the state store)")
    for family in sorted(families):
        _, result = run(case, tmp_path, fail=family)
        assert family in {s.family for s in result.unknown}
        assert rule_id not in {f.rule for f in result.findings}, family
