"""``restore`` contracts: exit codes, the refusal once the account changed, one resource at a
time, a deleted Studio flow back with its definition, the heal history and change events."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import sim_settings
from tests.restore.support import cli_env, load_plan, run, writes
from watchdog.healing import records
from watchdog.restore.apply import Applier
from watchdog.restore.plan import Plan
from watchdog.simulator import Fault, SimulatorServer
from watchdog.simulator.catalog import everyone_workflow_configuration
from watchdog.simulator.pagerduty_fake import FakePagerDuty
from watchdog.simulator.records import flow_webhook_url
from watchdog.store.store import StateStore
from watchdog.twilio_api import connect


@pytest.fixture
def env(sim: SimulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cli_env(sim, tmp_path / "state.db", monkeypatch)
    return tmp_path


def _accept(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "baseline", "accept", "--yes")[0] == 0


def test_nothing_to_do_and_no_baseline(sim, env, capsys):
    code, _, err = run(capsys, "restore")
    assert code == 2 and "no baseline" in err and "baseline accept" in err
    _accept(capsys)
    code, out, _ = run(capsys, "restore", "--plan")
    assert code == 0 and out.startswith("Nothing to restore")
    assert writes(sim) == []


def test_unknown_family_exits_3_without_a_plan(sim, env, capsys):
    _accept(capsys)
    sim.world.delete(sim.world.flows["Voice IVR"])
    sim.faults.add(Fault("500", product="studio", path_regex="^/v2/Flows$"))
    code, out, err = run(capsys, "restore", "--plan", "--out", str(env / "plan.json"))
    assert code == 3 and "studio" in err and out == ""
    assert not (env / "plan.json").exists()


def test_deleted_studio_flow_comes_back_with_its_definition(sim, env, capsys):
    world = sim.world
    _accept(capsys)
    old_sid = world.flows["Voice IVR"]
    with world.lock:
        definition = json.loads(json.dumps(world.store.flows[old_sid]["definition"]))
    world.delete(old_sid)
    assert run(capsys, "restore", "--plan", "--out", str(env / "plan.json"))[0] == 1
    code, out, _ = run(capsys, "restore", "--apply", str(env / "plan.json"))
    assert code == 0, out
    with world.lock:
        (new_sid, flow), = [(sid, f) for sid, f in world.store.flows.items()
                            if f["friendly_name"] == "Voice IVR"]
    assert new_sid != old_sid and flow["status"] == "published"
    assert flow["definition"]["states"] == definition["states"]  # every widget as it was
    assert "flex-watchdog restore" in (flow.get("commit_message") or "")
    url = flow_webhook_url(world.account_sid, new_sid)
    assert {world.number(pn)["voice_url"] for pn in world.legacy_numbers} == {url}


def test_apply_refuses_a_plan_once_the_account_changed(sim, env, capsys):
    world = sim.world
    _accept(capsys)
    world.delete(world.flows["Voice IVR"])
    run(capsys, "restore", "--plan", "--out", str(env / "plan.json"))
    changed = world.legacy_numbers[1]
    world.set_number(changed, voice_url="https://example.com/ivr")
    before = len(writes(sim))
    code, _, err = run(capsys, "restore", "--apply", str(env / "plan.json"))
    assert code == 2 and "Refused" in err and changed in err and "changed" in err
    assert len(writes(sim)) == before


def test_one_resource_brings_the_recreation_it_needs(sim, env, capsys):
    world = sim.world
    _accept(capsys)
    world.delete(world.flows["Voice IVR"])
    number = world.legacy_numbers[0]
    run(capsys, "restore", number, "--out", str(env / "plan.json"))
    plan = load_plan(env / "plan.json")
    assert [(s["kind"], s["resource_sid"]) for s in plan["steps"]][1:] == [
        ("number-webhooks", number)]
    assert plan["steps"][0]["kind"] == "studio-flow-create"


def test_applied_steps_are_heal_records_and_change_events(sim, env, capsys):
    world = sim.world
    _accept(capsys)
    world.recreate_chat_service()
    run(capsys, "restore", "--plan", "--out", str(env / "plan.json"))
    plan = Plan.from_json(load_plan(env / "plan.json"))
    store = StateStore(env / "state.db")
    events: list[tuple[str, dict[str, object]]] = []
    access = connect(sim_settings(sim, env / "state.db"))
    applier = Applier(access.client, store, lambda s, d, links: events.append((s, d)))
    outcomes = applier.run(plan, plan.planned_at)
    assert [o.outcome for o in outcomes] == ["applied"] * 4
    assert len(events) == 4 and all("chat_service_sid" in s for s, _ in events)
    rows = [r for r in records.history(store, limit=100) if r.rule.startswith("restore.")]
    assert len(rows) == 4 and {r.outcome for r in rows} == {"applied"}
    code, out, _ = run(capsys, "heal", "history")
    assert code == 0 and "restore.flex-flow" in out


def test_apply_stops_at_the_first_failure(sim, env, capsys):
    world = sim.world
    _accept(capsys)
    world.delete(world.flows["Voice IVR"])
    run(capsys, "restore", "--plan", "--out", str(env / "plan.json"))
    second = world.legacy_numbers[1]
    sim.faults.add(Fault("500", product="api", path_regex=second, method="POST"))
    code, out, _ = run(capsys, "restore", "--apply", str(env / "plan.json"))
    assert code == 1
    assert "FAILED" in out and "Stopped at step" in out and "not done" in out


def test_bad_plan_file_is_a_usage_error(sim, env, capsys):
    (env / "plan.json").write_text("{}")
    code, _, err = run(capsys, "restore", "--apply", str(env / "plan.json"))
    assert code == 2 and "not a restore plan" in err


def test_each_applied_step_is_a_pagerduty_change_event(sim, env, capsys, monkeypatch):
    world = sim.world
    with FakePagerDuty(cert_dir=env) as fake:
        monkeypatch.setenv("SSL_CERT_FILE", str(fake.ca_file))
        monkeypatch.setenv("FLEX_WATCHDOG_PAGERDUTY__ROUTING_KEY", "b" * 32)
        monkeypatch.setenv("FLEX_WATCHDOG_PAGERDUTY__BASE_URL", fake.base_url)
        _accept(capsys)
        world.delete(world.flows["Voice IVR"])
        run(capsys, "restore", "--plan", "--out", str(env / "plan.json"))
        assert fake.events("change") == []  # a plan notifies nobody
        assert run(capsys, "restore", "--apply", str(env / "plan.json"))[0] == 0
        changes = fake.events("change")
        assert len(changes) == 4
        summaries = [c.body["payload"]["summary"] for c in changes]
        assert sum("restore created studio_flow" in s for s in summaries) == 1
        assert sum("restore updated phone_number" in s for s in summaries) == 3
        assert fake.events("trigger") == []  # a restore never pages


def test_a_workflow_of_a_re_created_workspace_comes_back_with_its_queues_by_name(
        sim, env, capsys):
    """System Checkup re-created the workspace with its "Everyone" queue only; a person added
    the "Sales" queue back. The "Sales Routing" workflow the Voice IVR used is re-created in the
    new workspace, routing to the new "Sales" queue (mapped by name), and the flow follows it."""
    world = sim.world
    old_ws = world.workspace_sid or ""
    old_sales = world.add_task_queue(old_ws, "Sales")
    old_wf = world.add_workflow(old_ws, "Sales Routing", everyone_workflow_configuration(old_sales))
    world.edit_flow(world.flows["Voice IVR"], workflow=old_wf)
    _accept(capsys)
    world.recreate_workspace()
    sales = world.add_task_queue(world.workspace_sid or "", "Sales")
    code, out, _ = run(capsys, "restore", "--plan", "--out", str(env / "plan.json"))
    assert code == 1, out
    plan = load_plan(env / "plan.json")
    assert not [n for n in plan["notes"] if n["kind"] == "refused"], plan["notes"]
    created = [s for s in plan["steps"] if s["kind"] == "taskrouter-workflow"]
    assert [s["after"]["friendly_name"] for s in created] == ["Sales Routing"]
    assert sales in created[0]["after"]["configuration"]
    assert old_sales not in created[0]["after"]["configuration"]
    assert {"type": "taskrouter_task_queue", "name": "Sales", "from": old_sales, "to": sales,
            "by": "friendly name"} in plan["mappings"]
    assert f"Sales (taskrouter_task_queue): {old_sales} -> {sales}" in out \
        or (old_sales in out and sales in out), "the plan shows the mapping"

    code, out, err = run(capsys, "restore", "--apply", str(env / "plan.json"))
    assert code == 0, out + err
    with world.lock:
        made = [(sid, w) for sid, w in world.store.workflows[world.workspace_sid or ""].items()
                if w["friendly_name"] == "Sales Routing"]
        voice = world.store.flows[world.flows["Voice IVR"]]["definition"]
    assert len(made) == 1 and json.loads(made[0][1]["configuration"])["task_routing"][
        "default_filter"]["queue"] == sales
    assert made[0][0] in json.dumps(voice), "the Voice IVR's Send to Flex uses the new workflow"


def test_applied_steps_count_in_the_running_daemons_heals_metric(sim, env, capsys):
    """``restore --apply`` runs beside the daemon; the daemon counts its steps in
    ``flex_watchdog_heals_total`` as it counts its own heals, once each."""
    from tests.daemon.support import LOCAL_HTTP, QUIET_SCHEDULE, run_job
    from watchdog.daemon.app import build_daemon, build_watcher

    world = sim.world
    _accept(capsys)
    settings = sim_settings(sim, env / "state.db", schedule=QUIET_SCHEDULE, http=LOCAL_HTTP)
    daemon = build_daemon(settings, build_watcher(settings))
    try:
        run_job(daemon, "initial")
        world.recreate_chat_service()
        assert run(capsys, "restore", "--plan", "--out", str(env / "plan.json"))[0] == 1
        code, out, err = run(capsys, "restore", "--apply", str(env / "plan.json"))
        assert code == 0, out + err

        def applied() -> float:
            return daemon.metrics.registry.get_sample_value(
                "flex_watchdog_heals_total",
                {"account": "default", "rule": "restore.flex-flow", "outcome": "applied"}) or 0.0

        assert applied() == 0.0
        run_job(daemon, "numbers")
        assert applied() == 4.0
        run_job(daemon, "numbers")
        assert applied() == 4.0, "each step counts once"
    finally:
        daemon.watcher.store.close()


def _dump(path: Path) -> list[str]:
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def test_plan_records_nothing_in_the_state_file(sim, env, capsys, monkeypatch):
    """``restore --plan`` is a read: no finding opens, no observation counts, no snapshot row
    moves (and ``--from`` without a state file creates none)."""
    world = sim.world
    _accept(capsys)
    world.recreate_chat_service()
    before = _dump(env / "state.db")
    code, out, _ = run(capsys, "restore", "--plan", "--out", str(env / "plan.json"))
    assert code == 1, out
    assert _dump(env / "state.db") == before, "restore --plan wrote to the state file"
    assert run(capsys, "export", str(env / "export"))[0] == 0
    missing = env / "lost" / "state.db"
    missing.parent.mkdir()
    cli_env(sim, missing, monkeypatch)
    code, out, _ = run(capsys, "restore", "--plan", "--from", str(env / "export"))
    assert code == 1, out
    assert list(missing.parent.iterdir()) == []
