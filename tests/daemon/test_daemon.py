"""The daemon in-process against the simulator: jobs, containment, probes, start and stop."""

from __future__ import annotations

import io
import json
import logging
import threading
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.events import EVENT_JOB_MISSED
from apscheduler.triggers.interval import IntervalTrigger

from tests.daemon.support import (
    LOCAL_HTTP,
    QUIET_SCHEDULE,
    Clock,
    build_daemon,
    http,
    run_job,
    sample,
    started,
)
from watchdog.daemon.jobs import Jobs
from watchdog.daemon.scheduler import JobGroup, JobSpec, Refresher, build_scheduler, job_groups
from watchdog.model.snapshot import FAMILIES
from watchdog.model.times import utcnow
from watchdog.settings import Settings
from watchdog.simulator import Fault
from watchdog.telemetry.logs import setup_logging
from watchdog.telemetry.metrics import Metrics
from watchdog.telemetry.redact import Redactor

SERVICES = ("configuration", "chat", "proxy", "conversations", "conversations_services",
            "messaging", "whatsapp")


@pytest.fixture
def quiet(make_watcher):
    """A daemon whose jobs run only when a test runs them."""
    def build(clock=None, **overrides):
        overrides.setdefault("schedule", QUIET_SCHEDULE)
        overrides.setdefault("http", LOCAL_HTTP)
        return build_daemon(make_watcher(**overrides), clock)
    return build


# -- the schedule -------------------------------------------------------------------------------

@pytest.mark.parametrize("schedule, expected", [
    pytest.param({}, [("numbers", ("numbers", "flex_flows"), 60), ("services", SERVICES, 120),
                      ("taskrouter", ("taskrouter",), 120), ("studio", ("studio",), 300),
                      ("conversations_live", ("conversations_live",), 300)],
                 id="defaults: numbers and Flex Flows together"),
    pytest.param({"flex_flows_seconds": 90},
                 [("numbers", ("numbers",), 60), ("flex_flows", ("flex_flows",), 90),
                  ("services", SERVICES, 120), ("taskrouter", ("taskrouter",), 120),
                  ("studio", ("studio",), 300),
                  ("conversations_live", ("conversations_live",), 300)],
                 id="different intervals: apart"),
])
def test_job_groups_follow_the_settings(schedule, expected):
    groups = job_groups(Settings(schedule=schedule))
    assert [(g.name, g.families, g.interval) for g in groups] == expected
    assert sorted(f for g in groups for f in g.families) == sorted(FAMILIES)


def test_jobs_never_overlap_coalesce_and_jitter(quiet):
    daemon = quiet(schedule={"jitter_seconds": 5})
    jobs = {job.id: job for job in daemon.scheduler.get_jobs()}
    assert set(jobs) == {"initial", "numbers", "services", "taskrouter", "studio",
                         "conversations_live", "refresh",
                         "events", "alerts"}
    for job in jobs.values():
        assert job.max_instances == 1 and job.coalesce
    numbers = jobs["numbers"]
    assert isinstance(numbers.trigger, IntervalTrigger)
    assert numbers.trigger.interval == timedelta(seconds=60) and numbers.trigger.jitter == 5
    assert numbers.misfire_grace_time == 30
    # APScheduler's own clock: the next run after one at t is in [t + 60 s, t + 65 s].
    t = datetime(2026, 1, 1, tzinfo=UTC)
    for _ in range(20):
        nxt = numbers.trigger.get_next_fire_time(t, t)
        assert t + timedelta(seconds=60) <= nxt <= t + timedelta(seconds=65)
    assert jobs["events"].trigger.interval == timedelta(seconds=5)
    for feed in ("events", "alerts", "refresh"):
        assert jobs[feed].trigger.jitter is None, "the change feeds keep their pace"


def test_a_missed_run_is_logged_and_counted(caplog):
    metrics = Metrics()
    now = utcnow()
    ran = []
    spec = JobSpec("studio", lambda: ran.append(1), 3 * 3600, now - timedelta(hours=2))
    scheduler = build_scheduler([spec], 0, metrics, now)
    missed = threading.Event()
    scheduler.add_listener(lambda event: missed.set(), EVENT_JOB_MISSED)
    scheduler.start()
    try:
        assert missed.wait(5)
    finally:
        scheduler.shutdown(wait=True)
    assert ran == []
    assert metrics.registry.get_sample_value("flex_watchdog_job_misfires_total",
                                             {"account": "default", "job": "studio"}) == 1
    assert "job studio: scheduled run missed" in caplog.text


# -- containment --------------------------------------------------------------------------------

class BrokenWatcher:
    account_sid = "AC" + "0" * 32

    def poll(self, now, families, trigger):
        raise RuntimeError("bug in a cycle")


def test_a_failing_job_is_logged_counted_and_contained(caplog):
    metrics = Metrics()
    jobs = Jobs(BrokenWatcher(), metrics, Refresher(), Clock())  # type: ignore[arg-type]
    jobs.poll_group(JobGroup("studio", ("studio",), 300))()
    jobs.poll_group(JobGroup("studio", ("studio",), 300))()
    assert metrics.registry.get_sample_value("flex_watchdog_job_errors_total",
                                             {"account": "default", "job": "studio"}) == 2
    assert caplog.text.count("job studio failed (families: studio)") == 2
    assert "RuntimeError: bug in a cycle" in caplog.text
    assert jobs.last_poll_end is not None and jobs.wait_idle(0)


def test_rejected_credentials_mark_the_families_down_and_keep_running(quiet, sim):
    daemon = quiet()
    sim.faults.add(Fault("401", method="*"))
    run_job(daemon, "services")
    run_job(daemon, "services")
    for family in SERVICES:
        assert sample(daemon, "flex_watchdog_family_up", family=family) == 0
        assert sample(daemon, "flex_watchdog_poll_errors_total", family=family,
                      reason="auth") == 2
    sim.faults.clear()
    run_job(daemon, "initial")
    assert sample(daemon, "flex_watchdog_family_up", family="proxy") == 1


def test_a_family_failing_for_cycles_stays_down_and_raises_no_deletion(quiet, sim, world):
    daemon = quiet()
    run_job(daemon, "initial")
    sim.faults.add(Fault("500", product="proxy"))
    for _ in range(3):
        run_job(daemon, "services")
        run_job(daemon, "numbers")
    assert sample(daemon, "flex_watchdog_family_up", family="proxy") == 0
    assert sample(daemon, "flex_watchdog_poll_errors_total", family="proxy",
                  reason="server_error") == 3
    assert sample(daemon, "flex_watchdog_family_up", family="chat") == 1
    assert sample(daemon, "flex_watchdog_resources", type="proxy_service") == 1, "last known"
    assert daemon.watcher.store.open_findings() == {}
    for rule in ("proxy.service-missing", "baseline.resource-deleted"):
        assert sample(daemon, "flex_watchdog_findings", rule=rule,
                      severity="critical" if rule.startswith("proxy") else "warning") == 0


def test_each_finding_is_logged_once_when_it_opens_and_once_when_it_clears(quiet, world, caplog):
    caplog.set_level(logging.INFO)
    daemon = quiet()
    run_job(daemon, "initial")
    number = world.flex_numbers[0]
    url = world.number(number)["sms_url"]
    world.set_number(number, sms_url="https://example.com/elsewhere")
    for _ in range(3):
        run_job(daemon, "numbers")
    world.set_number(number, sms_url=url)
    for _ in range(2):
        run_job(daemon, "numbers")
    opened = [r for r in caplog.records if r.getMessage().startswith("finding opened")]
    cleared = [r for r in caplog.records if r.getMessage().startswith("finding cleared")]
    assert len(opened) == 1 and len(cleared) == 1
    assert number in opened[0].getMessage() and opened[0].levelno == logging.WARNING


# -- probes and the HTTP port -------------------------------------------------------------------

def test_probes_before_start(quiet):
    daemon = quiet()
    assert daemon.healthz() == (False, "scheduler not running")
    assert daemon.readyz()[0] is False


def test_start_serve_and_stop_in_process(quiet, world):
    daemon = quiet()
    with started(daemon):
        url = daemon.http.url
        assert http(f"{url}/healthz")[0] == 200
        assert http(f"{url}/readyz") == (200, "ok: first complete snapshot loaded\n")
        status, text = http(f"{url}/metrics")
        assert status == 200 and 'flex_watchdog_build_info{account="default",version="0.1.0"} 1.0' in text
        assert 'flex_watchdog_family_up{account="default",family="studio"} 1.0' in text
        assert http(f"{url}/nothing")[0] == 404
        assert http(f"{url}/events/twilio", b"x=1")[0] == 404, "webhook disabled by default"
    assert daemon.scheduler.running is False
    with pytest.raises(OSError):
        http(f"{url}/healthz")


def test_liveness_needs_a_recent_poll_never_twilio(quiet, sim):
    clock = Clock()
    daemon = quiet(clock=clock, schedule={**QUIET_SCHEDULE, "studio_seconds": 100})
    with started(daemon):
        assert daemon.healthz()[0]
        sim.stop()  # Twilio unreachable: still live
        run_job(daemon, "studio")
        assert daemon.healthz()[0]
        clock.advance(3 * 3600 + 1)  # healthz_intervals (3) x the largest interval (3600 s)
        ok, text = daemon.healthz()
        assert not ok and text.startswith("no poll finished for 10801s")
        assert http(f"{daemon.http.url}/healthz")[0] == 503
        sim.start()


def test_stop_waits_for_a_running_poll(quiet, sim):
    daemon = quiet(shutdown_timeout_seconds=5)
    slow = sim.faults.add(Fault("slow", product="studio", delay=0.5, times=1))
    daemon.start()
    assert _wait(lambda: slow.hits > 0)
    assert daemon.stop() is True
    assert daemon.observer.ready.is_set(), "the running poll finished and was recorded"


def test_stop_abandons_a_poll_past_the_bound(quiet, sim, caplog):
    daemon = quiet(shutdown_timeout_seconds=0.2)
    slow = sim.faults.add(Fault("slow", product="studio", delay=1.5, times=1))
    daemon.start()
    assert _wait(lambda: slow.hits > 0)
    assert daemon.stop() is False
    assert "abandoned" in caplog.text
    assert daemon.jobs.wait_idle(5)  # let the abandoned thread end before the next test
    daemon.watcher.store.close()


def test_effective_config_is_logged_once_as_json_with_secrets_masked(quiet, world):
    stream = io.StringIO()
    setup_logging("INFO", "json", Redactor([world.auth_token]), stream=stream)
    try:
        with started(quiet()):
            pass
    finally:
        setup_logging("WARNING")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    config = [x for x in lines if "effective configuration" in x["message"]]
    assert len(config) == 1 and '"auth_token": "**********"' in config[0]["message"]
    assert world.auth_token not in stream.getvalue()


def _wait(predicate):
    from tests.daemon.support import wait_until

    return wait_until(predicate, 10)
