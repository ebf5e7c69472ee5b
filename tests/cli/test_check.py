"""`flex-watchdog check` end to end: real SDK, real HTTP, the loopback simulator."""

from __future__ import annotations

import json
import os
from datetime import timedelta

import pytest

from tests.cli.inproc import run_cli
from tests.conftest import NOW
from watchdog.commands.report import exit_code, to_json
from watchdog.daemon.app import build_watcher
from watchdog.model.snapshot import FAMILIES
from watchdog.simulator import Fault, healthy_conversations, large, mixed
from watchdog.simulator import SimulatorServer as Server
from watchdog.simulator.records import proxy_webhook_url

DELETION_RULES = {"baseline.resource-deleted", "chat.service-missing", "proxy.service-missing",
                  "taskrouter.workspace-missing", "flex.flow-studio-flow-missing",
                  "numbers.voice-flow-missing", "numbers.flex-flow-missing",
                  "conversations.address-studio-flow-missing"}


def test_healthy_legacy_world_is_clean_and_adopts_the_baseline(make_watcher):
    result = make_watcher().poll(NOW)
    assert [f.rule for f in result.findings] == []
    assert result.unknown == []
    assert sorted(result.adopted) == sorted(FAMILIES)
    assert exit_code(result) == 0
    body = to_json(result)
    assert body["polled_at"] == "2026-11-25T12:00:00Z"
    assert body["api_requests"] == result.api_requests > 8
    # a second check (a restart: new process, same state file) adopts nothing new
    again = make_watcher().poll(NOW + timedelta(minutes=1))
    assert again.adopted == [] and again.findings == []


def test_snapshot_holds_every_family(make_watcher, world):
    snapshot = make_watcher().poll(NOW).snapshot
    assert {r.sid for r in snapshot.resources("phone_number")} == set(
        world.flex_numbers + world.other_numbers)
    assert snapshot.get("proxy_service", world.flex_proxy_sid) is not None
    assert snapshot.get("taskrouter_workspace", world.workspace_sid) is not None
    voice = snapshot.get("studio_flow", world.flows["Voice IVR"])
    assert voice.get("definition")["states"], "the definition is fetched with the flow"


def test_pagination_reads_every_page(tmp_path):
    from tests.conftest import sim_settings

    world = large(numbers=2100, studio_flows=5, flex_flows=10)
    with Server(world) as server:
        settings = sim_settings(server, tmp_path / "s.db")
        watcher = build_watcher(settings)
        result = watcher.poll(NOW)
        pages = [r for r in server.requests.entries()
                 if r.product == "api" and "IncomingPhoneNumbers" in r.template]
    assert len(list(result.snapshot.resources("phone_number"))) == 2100
    assert len(pages) == 3  # 1000 + 1000 + 100: the largest page size the API allows


def test_studio_definitions_are_cached_between_cycles(make_watcher, sim):
    watcher = make_watcher()
    watcher.poll(NOW)
    sim.reset_counts()
    watcher.poll(NOW + timedelta(minutes=1))
    fetched = [r for r in sim.requests.entries() if r.product == "studio" and "/Flows/" in r.template]
    assert fetched == [], "an unchanged flow is not fetched again"
    # and a restart keeps the cache: the state store holds it
    sim.reset_counts()
    make_watcher().poll(NOW + timedelta(minutes=2))
    assert [r for r in sim.requests.entries() if r.product == "studio" and "/Flows/" in r.template] == []


FAULTS = [
    pytest.param(dict(kind="429"), id="429"),
    pytest.param(dict(kind="429", retry_after=0), id="429-retry-after"),
    pytest.param(dict(kind="500"), id="500"),
    pytest.param(dict(kind="503"), id="503"),
    pytest.param(dict(kind="slow", delay=2.5), id="slow"),
    pytest.param(dict(kind="truncated"), id="truncated"),
    pytest.param(dict(kind="invalid_json"), id="invalid-json"),
    pytest.param(dict(kind="disconnect"), id="disconnect"),
]
PRODUCTS = {"numbers": ("api", "IncomingPhoneNumbers"), "flex_flows": ("flex-api", "FlexFlows"),
            "chat": ("chat", "Services"), "proxy": ("proxy", "Services"),
            "taskrouter": ("taskrouter", "Workspaces"), "studio": ("studio", "Flows"),
            "configuration": ("flex-api", "Configuration"),
            "conversations": ("conversations", "Addresses"),
            "conversations_services": ("conversations", "^/v1/Configuration/Webhooks$"),
            "messaging": ("messaging", "^/v1/Services"), "whatsapp": ("messaging", "Senders"),
            "conversations_live": ("taskrouter", "/Tasks$")}


READS_TOO = {"configuration": ("conversations_live",), "taskrouter": ("conversations_live",)}


@pytest.mark.parametrize("family", sorted(PRODUCTS))
@pytest.mark.parametrize("fault", FAULTS)
def test_a_failed_family_is_unknown_never_deleted(make_watcher, sim, world, family, fault):
    watcher = make_watcher(twilio={"timeout_seconds": 1})
    watcher.poll(NOW)  # baseline
    product, path = PRODUCTS[family]
    sim.faults.add(Fault(product=product, path_regex=path, **fault))
    result = watcher.poll(NOW + timedelta(minutes=1))
    # the live conversations family reads the Flex Configuration and the workspace's tasks
    # itself (the same instant): a fault on those paths makes it unknown too
    assert [s.family for s in result.unknown] == [family, *READS_TOO.get(family, ())]
    assert result.findings == [], "no finding may be drawn from a failed fetch"
    assert exit_code(result) == 3
    sim.faults.clear()
    recovered = watcher.poll(NOW + timedelta(minutes=2))
    assert recovered.unknown == [] and recovered.findings == []


def test_failure_on_page_two_is_unknown_not_a_short_list(tmp_path):
    from tests.conftest import sim_settings

    world = large(numbers=1500, studio_flows=3, flex_flows=5)
    with Server(world) as server:
        settings = sim_settings(server, tmp_path / "s.db")
        watcher = build_watcher(settings)
        watcher.poll(NOW)
        server.faults.add(Fault("page", product="api", page=1))
        result = watcher.poll(NOW + timedelta(minutes=1))
    assert [s.family for s in result.unknown] == ["numbers"]
    assert not any(f.rule in DELETION_RULES for f in result.findings)


def test_open_findings_survive_an_unknown_family(make_watcher, sim, world):
    watcher = make_watcher()
    watcher.poll(NOW)
    world.delete(world.flex_proxy_sid)
    broken = watcher.poll(NOW + timedelta(minutes=1))
    assert "proxy.service-missing" in {f.rule for f in broken.findings}
    sim.faults.add(Fault("500", product="proxy"))
    unknown = watcher.poll(NOW + timedelta(minutes=2))
    assert unknown.cleared == [], "unknown is not recovery"
    assert any(f.rule == "proxy.service-missing"
               for f in watcher.store.open_findings().values())


def test_deleted_proxy_service_is_found_and_explained_once(make_watcher, world):
    watcher = make_watcher()
    watcher.poll(NOW)
    world.delete(world.flex_proxy_sid)
    result = watcher.poll(NOW + timedelta(minutes=1))
    rules = [f.rule for f in result.findings]
    assert rules.count("proxy.service-missing") == 1
    assert "numbers.message-webhook-overwritten" not in rules
    assert "baseline.resource-deleted" not in rules, "the cause is reported, not its echo"
    finding = next(f for f in result.findings if f.rule == "proxy.service-missing")
    assert finding.resource_sid == world.flex_proxy_sid
    assert finding.runbook.startswith("Legacy Flex is in use")


def test_baseline_drift_names_fields(make_watcher, world):
    watcher = make_watcher()
    watcher.poll(NOW)
    ws = world.workspace_sid
    channel = world.task_channels["video"]
    world.delete(channel)
    result = watcher.poll(NOW + timedelta(minutes=1))
    deleted = [f for f in result.findings if f.rule == "baseline.resource-deleted"]
    assert [f.resource_sid for f in deleted] == [channel]
    assert deleted[0].details["last_known"]["workspace_sid"] == ws


# -- the command line, as a user runs it -----------------------------------------------------

def _run(args, sim, tmp_path, **env):
    world = sim.world
    full = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "FLEX_WATCHDOG_"))}
    full |= {"TWILIO_ACCOUNT_SID": world.account_sid, "TWILIO_AUTH_TOKEN": world.auth_token,
             "FLEX_WATCHDOG_TWILIO_BASE_URL": sim.url,
             "FLEX_WATCHDOG_TWILIO__REQUESTS_PER_SECOND": "100000",
             "FLEX_WATCHDOG_STATE_PATH": str(tmp_path / "cli.db"),
             "FLEX_WATCHDOG_TWILIO__MAX_ATTEMPTS": "1", "FLEX_WATCHDOG_LOG__LEVEL": "DEBUG"}
    full |= env
    return run_cli(args, full)


@pytest.mark.slow
def test_cli_exit_codes_and_json(sim, world, tmp_path):
    clean = _run(["check", "--format", "json"], sim, tmp_path)
    assert clean.returncode == 0, clean.stderr
    body = json.loads(clean.stdout)
    assert set(body) >= {"account_sid", "polled_at", "findings", "unknown", "api_requests"}
    assert body["findings"] == [] and body["account_sid"] == world.account_sid

    world.set_number(world.flex_numbers[0], sms_url="https://example.com/sms")
    broken = _run(["check", "--format", "json"], sim, tmp_path)
    assert broken.returncode == 1
    finding = json.loads(broken.stdout)["findings"][0]
    assert set(finding) == {"id", "rule", "severity", "resource_type", "resource_sid",
                            "summary", "details", "runbook", "healable"}
    assert finding["id"] == f"numbers.message-webhook-overwritten:{world.flex_numbers[0]}"
    again = json.loads(_run(["check", "--format", "json"], sim, tmp_path).stdout)
    assert again["findings"][0]["id"] == finding["id"], "ids are stable across runs"

    table = _run(["check"], sim, tmp_path)
    assert table.returncode == 1
    assert "numbers.message-webhook-overwritten" in table.stdout


@pytest.mark.slow
def test_cli_exit_3_when_only_unknown(sim, tmp_path):
    assert _run(["check"], sim, tmp_path).returncode == 0
    sim.faults.add(Fault("503", product="studio"))
    proc = _run(["check", "--format", "json"], sim, tmp_path)
    assert proc.returncode == 3
    assert [u["family"] for u in json.loads(proc.stdout)["unknown"]] == ["studio"]


@pytest.mark.slow
def test_cli_rejected_credentials_exit_2_naming_the_account_not_the_token(sim, tmp_path):
    proc = _run(["check"], sim, tmp_path, TWILIO_AUTH_TOKEN="wrong-token-value-123")
    assert proc.returncode == 2
    assert sim.world.account_sid in proc.stderr
    assert "wrong-token-value-123" not in proc.stderr + proc.stdout


@pytest.mark.slow
def test_credentials_never_reach_output_or_logs(sim, world, tmp_path):
    world.delete(world.flex_proxy_sid)
    sim.faults.add(Fault("500", product="chat"))
    proc = _run(["check", "--format", "json"], sim, tmp_path)
    assert proc.returncode == 1
    assert "twilio GET" in proc.stderr, "DEBUG request logging is on"
    assert world.auth_token not in proc.stdout + proc.stderr


@pytest.mark.slow
def test_api_key_credentials_work(sim, world, tmp_path):
    proc = _run(["check"], sim, tmp_path, TWILIO_AUTH_TOKEN="", TWILIO_API_KEY=world.api_key_sid,
                TWILIO_API_SECRET=world.api_key_secret)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.slow
def test_cli_baseline_diff_and_accept(sim, world, tmp_path):
    assert _run(["check"], sim, tmp_path).returncode == 0
    world.delete(world.task_channels["video"])
    diff = _run(["baseline", "diff"], sim, tmp_path)
    assert diff.returncode == 1
    assert f"- taskrouter_task_channel {world.task_channels['video']}" in diff.stdout
    accept = _run(["baseline", "accept", "--yes"], sim, tmp_path)
    assert accept.returncode == 0 and "Baseline accepted" in accept.stdout
    assert _run(["baseline", "diff"], sim, tmp_path).returncode == 0
    assert _run(["check"], sim, tmp_path).returncode == 0


# -- the stack of a number is decided by structure, not by the webhook being checked ----------

def _proxy_url_pasted(world, proxy_sid: str) -> str:
    number = world.conversations_numbers[0]
    world.set_number(number, sms_url=proxy_webhook_url(world.account_sid, proxy_sid))
    return number


@pytest.mark.slow
@pytest.mark.parametrize("build", [healthy_conversations, mixed], ids=["conversations", "mixed"])
def test_proxy_url_pasted_on_a_conversations_number_is_only_that(build, tmp_path):
    world = build()
    old_proxy = world.flex_proxy_sid or "KS" + "7" * 32  # an old Proxy webhook, kept in a note
    number = _proxy_url_pasted(world, old_proxy)
    with Server(world) as server:
        proc = _run(["check", "--format", "json"], server, tmp_path)
    assert proc.returncode == 1, proc.stderr
    findings = json.loads(proc.stdout)["findings"]
    assert [(f["rule"], f["resource_sid"]) for f in findings] == [
        ("numbers.message-webhook-set-on-conversations", number)]
    assert findings[0]["details"]["stack"] == "conversations"


@pytest.mark.slow
def test_json_api_requests_counts_every_request_evidence_reads_included(sim, tmp_path):
    assert _run(["check"], sim, tmp_path).returncode == 0
    sim.requests.reset_counts()
    proc = _run(["check", "--format", "json"], sim, tmp_path)
    assert proc.returncode == 0, proc.stderr
    served = sim.requests.entries()
    assert any(e.product == "monitor" for e in served), "check reads Monitor Events for evidence"
    assert json.loads(proc.stdout)["api_requests"] == len(served)


@pytest.mark.slow
def test_rejected_credentials_are_one_line_naming_the_account(sim, tmp_path):
    proc = _run(["check"], sim, tmp_path, TWILIO_AUTH_TOKEN="wrong-token-value-123",
                FLEX_WATCHDOG_LOG__LEVEL="INFO")
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        f"twilio: Twilio rejected the credentials for account {sim.world.account_sid} (20003)"]
    assert "wrong-token-value-123" not in proc.stderr + proc.stdout


@pytest.mark.slow
@pytest.mark.parametrize("build, points", [(mixed, 3), (healthy_conversations, 0)],
                         ids=["mixed", "conversations"])
def test_summary_counts_entry_points_left_on_the_ended_legacy_stack(build, points, tmp_path):
    world = build()
    with Server(world) as server:
        proc = _run(["check"], server, tmp_path)
    assert proc.returncode == 0, proc.stderr
    summary = proc.stdout.strip().splitlines()[-1]
    note = "still on Programmable Chat for Flex, which reached end of life on 2026-06-01"
    if points:  # 2 legacy numbers' Flex Flows and the webchat Flex Flow
        assert f"{points} entry points {note}: see flex-watchdog migration" in summary
    else:
        assert "Programmable Chat" not in proc.stdout


@pytest.mark.slow
def test_open_findings_not_re_checked_are_listed_as_stale(sim, world, tmp_path):
    assert _run(["check"], sim, tmp_path).returncode == 0
    world.delete(world.flex_proxy_sid)
    broken = json.loads(_run(["check", "--format", "json"], sim, tmp_path).stdout)
    opened = {f["id"] for f in broken["findings"] if f["rule"] == "proxy.service-missing"}
    assert opened and broken["stale"] == []
    sim.faults.add(Fault("503", product="proxy"))
    unread = _run(["check", "--format", "json"], sim, tmp_path)
    assert unread.returncode == 3, unread.stderr
    body = json.loads(unread.stdout)
    stale = {s["id"]: s for s in body["stale"]}
    assert opened <= set(stale), "an open finding whose family is unknown now is not hidden"
    item = stale[next(iter(opened))]
    assert item["family"] == "proxy" and item["rule"] == "proxy.service-missing"
    assert item["resource_sid"] == world.flex_proxy_sid and item["first_seen"].endswith("Z")
    assert item["age_seconds"] >= 0 and item["summary"]
    table = _run(["check"], sim, tmp_path)
    assert "still open, not re-checked: proxy unknown (open for" in table.stdout
    assert "proxy.service-missing" in table.stdout
    # a critical finding that could not be re-checked is not a finding of this run: the exit
    # code follows the families (3: some family unknown), as it does with nothing open
    assert table.returncode == 3, table.stdout + table.stderr


def test_the_table_leads_a_finding_with_its_impact_and_counts_entry_points(make_watcher, world):
    from watchdog.commands.report import render_table

    make_watcher().poll(NOW)
    world.set_number(world.flex_numbers[0], sms_url="https://example.com/bot")
    world.duplicate_flow("Voice IVR")
    result = make_watcher().poll(NOW + timedelta(minutes=1))
    lines = render_table(result).splitlines()
    flex = len(world.flex_numbers)
    assert f"Reaching Flex: voice {flex} of {flex}, SMS {flex - 1} of {flex}, web chat (Flex Flow) " \
           "1 of 1; 1 cut off" in lines
    first = lines.index(next(x for x in lines if x.startswith(
        "CRITICAL numbers.message-webhook-overwritten")))
    assert lines[first + 1] == f"         SMS to 1 of {flex} numbers cannot reach Flex"
    duplicate = lines.index(next(x for x in lines if "studio.flow-duplicate" in x))
    assert "cannot reach Flex" not in lines[duplicate + 1], "it cuts off nobody: no impact line"
    body = to_json(result)
    assert body["entry_points"]["by_channel"]["sms"] == {"ok": flex - 1, "broken": 1,
                                                         "unknown": 0}
