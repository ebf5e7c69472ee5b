"""The daemon polls one family group at a time: a drift rule run in the Studio or TaskRouter job
must not report what a rule of another group already explains (one cause, one finding)."""

from __future__ import annotations

import pytest

from tests.daemon.support import LOCAL_HTTP, QUIET_SCHEDULE, build_daemon, run_job

GROUPS = ("numbers", "services", "taskrouter", "studio")


@pytest.fixture
def daemon(make_watcher):
    built = build_daemon(make_watcher(schedule=QUIET_SCHEDULE, http=LOCAL_HTTP))
    run_job(built, "initial")
    return built


def ever_opened(daemon) -> set[tuple[str, str]]:
    rows = daemon.watcher.store.execute("SELECT rule, resource_sid FROM findings")
    return {(str(r[0]), str(r[1])) for r in rows}


def test_a_deleted_proxy_service_is_one_finding_in_every_job(daemon, world):
    proxy = world.flex_proxy_sid
    world.delete(proxy)
    for _ in range(2):
        for group in GROUPS:
            run_job(daemon, group)
    assert ever_opened(daemon) == {("proxy.service-missing", proxy)}


def test_an_overwritten_webhook_is_not_drift_in_the_studio_job(daemon, world):
    sid = world.legacy_numbers[0]
    world.set_number(sid, sms_url="https://example.com/elsewhere")
    for group in ("numbers", "taskrouter", "studio", "services"):
        run_job(daemon, group)
    assert ever_opened(daemon) == {("numbers.message-webhook-overwritten", sid)}
