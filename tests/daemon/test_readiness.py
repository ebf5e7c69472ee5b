"""/readyz turns ready once every family has been attempted: a family that cannot be read is
for the metrics and alerts (which readiness would otherwise hide from the scrape), and a product
the credentials cannot read is named once, with the permission it needs."""

from __future__ import annotations

import logging

import pytest

from tests.daemon.support import LOCAL_HTTP, QUIET_SCHEDULE, build_daemon, run_job
from watchdog.daemon.scheduler import INITIAL
from watchdog.simulator import Fault


@pytest.fixture
def quiet(make_watcher):
    def build(**overrides):
        return build_daemon(make_watcher(schedule=QUIET_SCHEDULE, http=LOCAL_HTTP, **overrides))
    return build


def test_ready_after_every_family_was_attempted_even_if_one_is_unknown(quiet, sim):
    daemon = quiet()
    assert daemon.readyz() == (False, "waiting for the first poll of every family")
    sim.faults.add(Fault("503", product="studio"))
    run_job(daemon, INITIAL)
    ok, text = daemon.readyz()
    assert ok, text
    assert text == "ok: every family attempted; unknown now: studio (see flex_watchdog_family_up)"
    assert daemon.metrics.registry.get_sample_value(
        "flex_watchdog_family_up", {"account": "default", "family": "studio"}) == 0
    sim.faults.clear()
    run_job(daemon, "studio")
    assert daemon.readyz() == (True, "ok: first complete snapshot loaded")
    daemon.watcher.store.close()


def test_ready_when_the_credentials_are_rejected_so_the_metrics_are_scraped(quiet, sim):
    daemon = quiet()
    sim.faults.add(Fault("401"))
    run_job(daemon, INITIAL)
    ok, text = daemon.readyz()
    assert ok and text.startswith("ok: every family attempted; unknown now: chat, configuration")
    daemon.watcher.store.close()


def test_a_product_the_credentials_cannot_read_is_named_once(quiet, sim, caplog):
    daemon = quiet()
    sim.faults.add(Fault("forbidden", product="proxy"))
    with caplog.at_level(logging.INFO):
        run_job(daemon, INITIAL)
        run_job(daemon, "services")
    named = [r.getMessage() for r in caplog.records if "cannot read" in r.getMessage()]
    assert len(named) == 1, named
    assert named[0].startswith("twilio: these credentials cannot read proxy (")
    assert "they need Proxy (proxy /v1/Services): restricted API keys cannot read Proxy" in named[0]
    ok, text = daemon.readyz()
    assert ok and text.startswith("ok: every family attempted; unknown now: proxy"), (
        "a permission on one product does not make the other families unknown")
    daemon.watcher.store.close()
