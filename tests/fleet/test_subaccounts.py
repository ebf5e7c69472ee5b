"""Subaccounts found through the Accounts API: which are watched, which skipped, and their tokens."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import sim_settings
from tests.daemon.support import http, run_job
from watchdog.accounts import discover, fleet, inactive, unique_name
from watchdog.daemon.app import build_fleet
from watchdog.simulator import SimulatorServer, World, healthy_legacy
from watchdog.simulator.faults import Fault
from watchdog.telemetry.logs import setup_logging
from watchdog.telemetry.redact import Redactor

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def sub(server: SimulatorServer, parent: World, seed: int, name: str, status: str = "active",
        flex: bool = True) -> World:
    world = healthy_legacy(seed)
    world.clock = lambda: T0
    if not flex:
        world.store.configuration = None
    parent.add_subaccount(world, name, status)
    server.add_world(world)
    return world


@pytest.fixture
def parent() -> World:
    world = healthy_legacy(11)
    world.clock = lambda: T0
    return world


@pytest.fixture
def isv(parent: World) -> Iterator[SimulatorServer]:
    with SimulatorServer(parent) as server:
        sub(server, parent, 12, "Client ACME")
        sub(server, parent, 13, "Client Beta", flex=False)
        sub(server, parent, 14, "Client Old", status="suspended")
        sub(server, parent, 15, "Internal QA")
        yield server


def parent_settings(server: SimulatorServer, tmp_path: Path, **subaccounts: object):
    (tmp_path / "state").mkdir(exist_ok=True)
    return sim_settings(server, tmp_path / "parent.db", state_dir=tmp_path / "state",
                        subaccounts={"include": ["Client *"], **subaccounts},
                        schedule={"jitter_seconds": 0}, http={"host": "127.0.0.1", "port": 0})


def worlds(server: SimulatorServer) -> dict[str, World]:
    return {w.friendly_name: w for w in server.worlds.values()}


def test_only_active_selected_subaccounts_with_flex_are_watched(isv, tmp_path):
    settings = parent_settings(isv, tmp_path)
    assert fleet(settings) == []  # the parent itself is not watched unless listed
    found = discover(settings)
    by_name = worlds(isv)
    assert found.complete
    (acme,) = found.accounts
    assert (acme.name, acme.sid) == ("client-acme", by_name["Client ACME"].account_sid)
    assert acme.settings.auth_token.get_secret_value() == by_name["Client ACME"].auth_token
    assert acme.state_path == tmp_path / "state" / f"{acme.sid}.db"
    assert {(s.friendly_name, s.reason) for s in found.skipped} == {
        ("Client Beta", "no Flex Configuration (Flex is not set up in it)"),
        ("Internal QA", "left out by subaccounts include/exclude")}
    assert [(s.friendly_name, s.reason) for s in inactive(settings)] == [
        ("Client Old", "suspended")]
    # exclude wins over include; an account configured already is not discovered twice
    assert discover(parent_settings(isv, tmp_path, exclude=["*ACME"])).accounts == []
    assert discover(settings, taken=found.accounts).accounts == []


def test_names_are_short_stable_and_unique():
    sid = "AC" + "0" * 26 + "abcdef"
    assert unique_name("Client ACME, Inc.", sid, set()) == "client-acme-inc"
    assert unique_name("Client ACME, Inc.", sid, {"client-acme-inc"}) == "client-acme-inc-abcdef"
    assert unique_name("!!!", sid, set()) == "sub-abcdef"


def test_the_fleet_follows_the_accounts_list_and_never_shrinks_on_a_failed_read(
        isv, parent, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    settings = parent_settings(isv, tmp_path)
    fleet_ = build_fleet(settings, fleet(settings))
    try:
        assert list(fleet_.daemons) == ["client-acme"]
        skipped = [r.getMessage() for r in caplog.records if " skipped: " in r.getMessage()]
        assert len(skipped) == 3 and any("(Client Old) skipped: suspended" in m for m in skipped)
        acme = fleet_.daemons["client-acme"]
        run_job(acme, "initial")
        assert acme.watcher.latest is not None and acme.watcher.latest.complete("numbers")

        # a new client with Flex appears; it is watched from the next discovery on
        sub(isv, parent, 16, "Client Gamma")
        fleet_.discover()
        assert sorted(fleet_.daemons) == ["client-acme", "client-gamma"]
        assert "appeared: watching it as client-gamma" in caplog.text
        assert fleet_.registry.get_sample_value(
            "flex_watchdog_fleet_account_changes_total",
            {"account": "client-gamma", "change": "appeared"}) == 1

        # a failed read of the Accounts list changes nothing
        isv.faults.add(Fault("500", product="api", path_regex=r"^/2010-04-01/Accounts\.json"))
        fleet_.discover()
        assert sorted(fleet_.daemons) == ["client-acme", "client-gamma"]
        assert "the Accounts list could not be read" in caplog.text
        isv.faults.clear()

        # a client closed: its daemon stops, counted
        worlds(isv)["Client ACME"].status = "closed"
        fleet_.discover()
        assert list(fleet_.daemons) == ["client-gamma"]
        assert "(client-acme) disappeared" in caplog.text
        assert fleet_.registry.get_sample_value(
            "flex_watchdog_fleet_account_changes_total",
            {"account": "client-acme", "change": "disappeared"}) == 1
    finally:
        for daemon in fleet_.daemons.values():
            daemon.watcher.store.close()


def test_a_subaccount_token_stays_in_memory(isv, tmp_path):
    settings = parent_settings(isv, tmp_path)
    token = worlds(isv)["Client ACME"].auth_token
    stream = io.StringIO()
    handler = setup_logging("DEBUG", "text", Redactor.for_settings(settings), stream=stream)
    fleet_ = build_fleet(settings, fleet(settings))
    try:
        acme = fleet_.daemons["client-acme"]
        fleet_.http.start()
        run_job(acme, "initial")
        logging.getLogger("watchdog.test").warning("a careless line: %s", token)
        _, metrics = http(f"{fleet_.http.url}/metrics")
        _, ready = http(f"{fleet_.http.url}/readyz")
    finally:
        logging.getLogger().removeHandler(handler)
        fleet_.http.stop()
        acme.watcher.store.close()
    assert token not in stream.getvalue() and "a careless line: **********" in stream.getvalue()
    assert token not in metrics and 'account="client-acme"' in metrics
    assert token not in ready
    for path in (tmp_path / "state").iterdir():  # state files, WAL and lock files
        assert token.encode() not in path.read_bytes(), path.name
