"""Paging health: the outbox depth is a metric, the daemon delivers what is queued during a
graceful shutdown, and the account's short name reaches the PagerDuty summary and source."""

from __future__ import annotations

from datetime import timedelta

from tests.alerts.test_alerts_support import DEFAULT_KEY, fake_pd, pd_settings  # noqa: F401
from tests.conftest import NOW
from watchdog.daemon.app import build_daemon, build_watcher
from watchdog.daemon.scheduler import INITIAL

DEPTH = ("flex_watchdog_alert_outbox_depth", {"account": "default", "sink": "pagerduty"})


def daemon_for(make_settings, fake, **overrides):
    settings = make_settings(pagerduty=pd_settings(fake, send_info=True),
                             http={"host": "127.0.0.1", "port": 0}, **overrides)
    clock = [NOW]
    daemon = build_daemon(settings, build_watcher(settings), clock=lambda: clock[0])
    return daemon, clock


def depth(daemon) -> float | None:
    return daemon.metrics.registry.get_sample_value(*DEPTH)


def test_outbox_depth_gauge_follows_the_queue(make_settings, fake_pd, world):  # noqa: F811
    daemon, clock = daemon_for(make_settings, fake_pd)
    assert depth(daemon) == 0, "the series exists at 0 from start-up"
    daemon.scheduler.get_job(INITIAL).func()  # baseline
    world.set_number(world.flex_numbers[0], sms_url="https://example.com/sms")
    fake_pd.outage()
    clock[0] += timedelta(minutes=1)
    daemon.jobs.poll("numbers", ("numbers", "flex_flows"))
    assert depth(daemon) == 1, "queued, not delivered yet"
    daemon.sink.send_pending(clock[0])
    assert depth(daemon) == 1, "still queued while PagerDuty is down"
    fake_pd.recover()
    clock[0] += timedelta(minutes=10)
    daemon.sink.send_pending(clock[0])
    assert depth(daemon) == 0
    assert [e.kind for e in fake_pd.events()] == ["trigger"]
    daemon.sink.close()
    daemon.watcher.store.close()


def test_graceful_shutdown_flushes_the_outbox(make_settings, fake_pd, world):  # noqa: F811
    daemon, clock = daemon_for(make_settings, fake_pd)
    daemon.scheduler.get_job(INITIAL).func()
    world.set_number(world.flex_numbers[0], sms_url="https://example.com/sms")
    clock[0] += timedelta(minutes=1)
    daemon.jobs.poll("numbers", ("numbers", "flex_flows"))
    assert daemon.sink.outbox.count() == 1 and fake_pd.events() == []
    assert daemon.stop() is True
    assert [e.kind for e in fake_pd.events()] == ["trigger"], "delivered before the exit"


def test_account_name_is_in_the_summary_and_the_source(make_settings, fake_pd, world):  # noqa: F811
    daemon, clock = daemon_for(make_settings, fake_pd, account_name="prod-us")
    daemon.scheduler.get_job(INITIAL).func()
    world.set_number(world.flex_numbers[0], sms_url="https://example.com/sms")
    clock[0] += timedelta(minutes=1)
    daemon.jobs.poll("numbers", ("numbers", "flex_flows"))
    daemon.sink.send_pending(clock[0])
    (trigger,) = fake_pd.events("trigger")
    payload = trigger.body["payload"]
    assert payload["summary"].startswith("[prod-us] ")
    assert payload["source"] == f"prod-us ({world.account_sid})"
    assert trigger.routing_key == DEFAULT_KEY
    daemon.sink.close()
    daemon.watcher.store.close()
