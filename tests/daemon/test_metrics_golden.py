"""The /metrics text for a known world: a golden file, the contract, no unbounded label.

Regenerate the golden file after an intended change (a new rule adds its series):
``UPDATE_GOLDEN=1 python -m pytest tests/daemon/test_metrics_golden.py``.
"""

from __future__ import annotations

import os
import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.daemon.support import LOCAL_HTTP, QUIET_SCHEDULE, Clock, build_daemon, http, run_job
from tests.deploy import prom as ph
from watchdog.simulator import healthy_legacy

GOLDEN = Path(__file__).parent / "golden" / "metrics.txt"
CHANGED_AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
POLLED_AT = CHANGED_AT + timedelta(seconds=30)
DURATIONS = ("flex_watchdog_poll_duration_seconds", "flex_watchdog_twilio_request_duration_seconds")
UNBOUNDED = re.compile(r'="(?:[A-Z]{2}[0-9a-f]{32}|\+?\d{7,})"')


@pytest.fixture
def world():
    built = healthy_legacy()
    built.clock = lambda: CHANGED_AT
    return built


@pytest.fixture
def exposition(make_watcher, world):
    """A known history: start-up poll, an overwritten webhook seen through its Monitor event,
    Debugger alerts about it, the numbers refresh; then one scrape."""
    clock = Clock(CHANGED_AT - timedelta(minutes=1))
    daemon = build_daemon(make_watcher(schedule=QUIET_SCHEDULE, http=LOCAL_HTTP), clock)
    run_job(daemon, "initial")
    clock.now = POLLED_AT
    world.set_number(world.flex_numbers[0], sms_url="https://example.com/bot")
    world.add_alert(11200, resource_sid=world.flex_numbers[0])
    for job in ("events", "alerts", "refresh"):
        run_job(daemon, job)
    daemon.http.start()
    try:
        status, text = http(f"{daemon.http.url}/metrics")
    finally:
        daemon.http.stop()
    assert status == 200
    return text


def normalise(text: str) -> str:
    """Blank out durations (except their counts) and the process's own numbers (CPU, memory,
    file descriptors, start time), which no two runs share."""
    out = []
    for line in text.splitlines():
        name = line.split("{", 1)[0].split(" ", 1)[0]
        if name.startswith(DURATIONS) and not name.endswith("_count") and " " in line:
            line = line.rsplit(" ", 1)[0] + " <duration>"
        if name.startswith("process_") and " " in line:
            line = line.rsplit(" ", 1)[0] + " <process>"
        out.append(line)
    return "\n".join(out) + "\n"


def test_no_created_series_and_the_process_metrics(exposition):
    names = {line.split("{", 1)[0].split(" ", 1)[0] for line in exposition.splitlines()
             if line and not line.startswith("#")}
    assert not [n for n in names if n.endswith("_created")]
    assert {"process_cpu_seconds_total", "process_resident_memory_bytes",
            "process_start_time_seconds", "process_open_fds"} <= names


def of_the_account(exposition: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every flex_watchdog sample by (name, labels but account); each is the default account's."""
    found = {}
    for family in text_string_to_metric_families(exposition):
        for s in family.samples:
            if s.name.startswith("flex_watchdog_"):
                assert s.labels.get("account") == "default", s
                found[(s.name, tuple(sorted((k, v) for k, v in s.labels.items()
                                            if k != "account")))] = s.value
    return found


def test_open_breakers_and_first_seen_of_open_findings(exposition):
    found = of_the_account(exposition)
    rule = "numbers.message-webhook-overwritten"
    key = ("flex_watchdog_findings_first_seen_timestamp_seconds",
           (("rule", rule), ("severity", "critical")))
    assert found[key] == POLLED_AT.timestamp()
    assert not any(name == key[0] and labels != key[1] for name, labels in found), (
        "no series for rules without an open finding")
    assert found[("flex_watchdog_heal_breakers_open", (("rule", rule),))] == 0


def test_metrics_text_matches_the_golden_file(exposition):
    text = normalise(exposition)
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(text)
    assert text == GOLDEN.read_text(), "run with UPDATE_GOLDEN=1 if the change is intended"


def test_the_contract_metrics_are_all_there(exposition):
    found = {f.name: f for f in text_string_to_metric_families(exposition)}
    for name, (kind, labels) in ph.CONTRACT_METRICS.items():
        family_name = name.removesuffix("_total") if kind == "counter" else name
        family_name = family_name.removesuffix("_info") if name.endswith("_info") else family_name
        family = found.get(family_name) or found.get(name)
        assert family is not None, f"{name} missing"
        assert family.type == kind, name
        for sample in family.samples:
            keys = set(sample.labels) - {"le"}
            assert keys == set(labels), f"{sample.name}: labels {keys}"


def test_headline_values(exposition):
    values = of_the_account(exposition)
    rule = (("rule", "numbers.message-webhook-overwritten"), ("severity", "critical"))
    assert values[("flex_watchdog_findings", rule)] == 1
    assert values[("flex_watchdog_detection_latency_seconds_sum", ())] == 30
    assert values[("flex_watchdog_events_received_total", (("source", "monitor"),))] == 1
    assert values[("flex_watchdog_events_received_total", (("source", "debugger"),))] == 1
    assert values[("flex_watchdog_cycle_last_success_timestamp_seconds", ())] == \
        POLLED_AT.timestamp()


def test_no_unbounded_label_and_no_secret(exposition, world):
    assert not UNBOUNDED.findall(exposition), "a SID or phone number as a label value"
    assert world.auth_token not in exposition


@pytest.mark.slow
def test_promtool_accepts_it(exposition):
    promtool = ph.require_binary("promtool")
    proc = subprocess.run([promtool, "check", "metrics"], input=exposition, text=True,
                          capture_output=True, timeout=30, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_tripped_breaker_shows_as_open(make_watcher, world):
    from watchdog.healing.records import Breaker, save_breaker

    watcher = make_watcher(schedule=QUIET_SCHEDULE, http=LOCAL_HTTP)
    rule = "numbers.message-webhook-overwritten"
    save_breaker(watcher.store, Breaker(rule, world.flex_numbers[0], "phone_number",
                                        tripped_at=POLLED_AT, tripped_reason="undone twice"))
    save_breaker(watcher.store, Breaker(rule, world.flex_numbers[1], "phone_number", failures=1))
    daemon = build_daemon(watcher, Clock(POLLED_AT))
    run_job(daemon, "initial")
    registry = daemon.metrics.registry
    assert registry.get_sample_value("flex_watchdog_heal_breakers_open",
                                     {"account": "default", "rule": rule}) == 1
    assert registry.get_sample_value("flex_watchdog_heal_breakers_open",
                                     {"account": "default",
                                      "rule": "numbers.voice-webhook-overwritten"}) == 0


ENTRY = "flex_watchdog_entry_points"
CHANNELS = ("voice", "sms", "whatsapp", "chat", "web")
STATES = ("ok", "broken", "unknown")


def test_every_entry_point_series_exists_at_zero_before_a_cycle(make_watcher):
    daemon = build_daemon(make_watcher(schedule=QUIET_SCHEDULE, http=LOCAL_HTTP))
    registry = daemon.metrics.registry
    for channel in CHANNELS:
        for state in STATES:
            assert registry.get_sample_value(ENTRY, {"account": "default", "channel": channel,
                                                    "state": state}) == 0


def test_entry_points_follow_the_routes_each_cycle(make_watcher, world):
    clock = Clock(POLLED_AT)
    daemon = build_daemon(make_watcher(schedule=QUIET_SCHEDULE, http=LOCAL_HTTP), clock)
    run_job(daemon, "initial")
    registry = daemon.metrics.registry

    def value(channel: str, state: str) -> float | None:
        return registry.get_sample_value(ENTRY, {"account": "default", "channel": channel,
                                                    "state": state})

    flex = len(world.flex_numbers)
    assert (value("voice", "ok"), value("sms", "ok"), value("web", "ok")) == (flex, flex, 1)
    world.set_number(world.flex_numbers[0], sms_url="https://example.com/bot")
    clock.now = POLLED_AT + timedelta(minutes=5)
    run_job(daemon, "numbers")
    assert (value("sms", "ok"), value("sms", "broken"), value("sms", "unknown")) == (flex - 1, 1, 0)
    assert value("voice", "ok") == flex and value("whatsapp", "ok") == 0


def test_entry_points_on_a_family_that_cannot_be_read_are_unknown_not_broken(make_watcher, world,
                                                                            sim):
    from tests.rules.test_rules_worlds import FAMILY_REQUESTS
    from watchdog.simulator import Fault

    clock = Clock(POLLED_AT)
    daemon = build_daemon(make_watcher(schedule=QUIET_SCHEDULE, http=LOCAL_HTTP), clock)
    run_job(daemon, "initial")
    product, path = FAMILY_REQUESTS["studio"]
    sim.faults.add(Fault("500", product=product, path_regex=path))
    world.delete(world.flows["Voice IVR"])  # not seen: Studio cannot be read
    clock.now = POLLED_AT + timedelta(minutes=5)
    run_job(daemon, "studio")
    registry = daemon.metrics.registry
    flex = len(world.flex_numbers)
    def value(channel: str, state: str) -> float | None:
        return registry.get_sample_value(ENTRY, {"account": "default", "channel": channel,
                                                 "state": state})

    assert value("voice", "unknown") == flex and value("voice", "ok") == 0
    assert all(value(channel, "broken") == 0 for channel in CHANNELS)
