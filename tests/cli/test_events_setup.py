"""``flex-watchdog events setup``: one sink and one subscription, found again so that a second
run writes nothing; ``--plan`` writes nothing; ``--remove`` deletes only ours; the sink test
reaches the daemon and is reported."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.daemon.support import LOCAL_HTTP, QUIET_SCHEDULE, build_daemon
from watchdog.cli import main
from watchdog.signals.streams import WANTED_TYPES
from watchdog.simulator import SimulatorServer
from watchdog.simulator.faults import Fault

TEST = "/v1/Sinks/{Sid}/Test"


@pytest.fixture
def hook(make_watcher, sim, monkeypatch) -> Iterator[str]:
    """The daemon's webhook URL (its HTTP server only: nothing polls), and the CLI's env."""
    daemon = build_daemon(make_watcher(schedule=QUIET_SCHEDULE, http=LOCAL_HTTP,
                                       events={"webhook_enabled": True}))
    daemon.http.start()
    world = sim.world
    for key, value in {"TWILIO_ACCOUNT_SID": world.account_sid,
                       "TWILIO_AUTH_TOKEN": world.auth_token,
                       "FLEX_WATCHDOG_TWILIO_BASE_URL": sim.url,
                       "FLEX_WATCHDOG_TWILIO__MAX_ATTEMPTS": "1"}.items():
        monkeypatch.setenv(key, value)
    try:
        yield f"{daemon.http.url}/events/twilio"
    finally:
        daemon.http.stop()


def writes(sim: SimulatorServer) -> int:
    """Writes to Event Streams (the sink test is not one: it changes nothing)."""
    return sum(1 for e in sim.requests.entries() if e.product == "events"
               and e.method in ("POST", "DELETE") and e.template != TEST)


def setup(*args: str) -> int:
    return main(["events", "setup", *args])


def test_setup_creates_one_sink_and_subscription_and_the_daemon_gets_the_test(
        hook, sim, capsys):
    assert setup("--url", hook) == 0
    out = capsys.readouterr().out
    streams = sim.world.streams
    [sink] = streams.sinks.values()
    assert sink["sink_configuration"]["destination"] == hook
    [subscription] = streams.subscriptions.values()
    assert subscription["sink_sid"] == sink["sid"]
    subscribed = set(streams.subscribed[subscription["sid"]])
    assert subscribed == set(WANTED_TYPES) - {"com.twilio.taskrouter.task-queue.deleted"}
    assert "left out: com.twilio.taskrouter.task-queue.deleted" in out
    assert "sink test received by the daemon (1 so far)" in out
    assert writes(sim) == 2


def test_a_second_run_writes_nothing(hook, sim, capsys):
    assert setup("--url", hook) == 0
    before = writes(sim)
    assert setup("--url", hook) == 0
    assert writes(sim) == before
    out = capsys.readouterr().out
    assert "nothing to change" in out and "(2 so far)" in out
    assert len(sim.world.streams.sinks) == 1 and len(sim.world.streams.subscriptions) == 1


def test_plan_writes_nothing_and_runs_no_test(hook, sim, capsys):
    assert setup("--url", hook, "--plan") == 0
    out = capsys.readouterr().out
    assert "would create webhook sink to " + hook in out
    assert writes(sim) == 0 and sim.requests.count(template=TEST) == 0
    assert sim.world.streams.sinks == {}


def test_a_missing_type_is_subscribed_again_and_an_extra_one_dropped(hook, sim, capsys):
    assert setup("--url", hook) == 0
    streams = sim.world.streams
    [sid] = streams.subscriptions
    with sim.world.lock:
        del streams.subscribed[sid]["com.twilio.error-logs.error.logged"]
        streams.subscribe(sid, "com.twilio.taskrouter.task.deleted", 1)
    before = writes(sim)
    assert setup("--url", hook) == 0
    assert writes(sim) == before + 2
    assert "com.twilio.error-logs.error.logged" in streams.subscribed[sid]
    assert "com.twilio.taskrouter.task.deleted" not in streams.subscribed[sid]


def test_a_new_url_replaces_our_sink_and_remove_deletes_only_ours(hook, sim, capsys):
    world = sim.world
    with world.lock:
        other = world.streams.add_sink("analytics", {"destination": "https://example.com/x",
                                                     "method": "POST"}, "webhook", world.stamp())
        world.streams.add_subscription("analytics", other["sid"],
                                       [("com.twilio.error-logs.error.logged", 1)],
                                       world.stamp())
    assert setup("--url", hook) == 0
    [old] = set(world.streams.sinks) - {other["sid"]}
    moved = hook.replace("127.0.0.1", "localhost")  # the same daemon under another name
    assert setup("--url", moved) == 0
    assert f"delete sink {old}" in capsys.readouterr().out
    [new] = set(world.streams.sinks) - {other["sid"]}
    assert world.streams.sinks[new]["sink_configuration"]["destination"] == moved
    assert sorted(s["sink_sid"] for s in world.streams.subscriptions.values()) == sorted(
        [other["sid"], new])
    assert setup("--url", moved, "--remove") == 0
    assert list(world.streams.sinks) == [other["sid"]]
    assert [s["sink_sid"] for s in world.streams.subscriptions.values()] == [other["sid"]]


def test_a_test_the_daemon_refuses_is_reported_and_exit_1(hook, sim, capsys):
    sim.world.streams.auth_token = "0" * 32  # signed with another token: the daemon says 403
    assert setup("--url", hook, "--wait", "0") == 1
    assert "did not receive it within 0 s" in capsys.readouterr().out
    assert sim.world.streams.delivered == [(403, 1)]


@pytest.mark.parametrize("url, expected", [
    ("http://watchdog.example.com/events/twilio", "must be https (http only on loopback)"),
    ("ftp://x/events/twilio", "expected https://HOST/events/twilio"),
    ("https://user:pw@x.example.com/events/twilio", "must not carry credentials"),
    ("https://x.example.com/metrics", "must end with /events/twilio"),
])
def test_a_bad_url_is_one_line_and_exit_2(hook, sim, capsys, url, expected):
    assert setup("--url", url) == 2
    err = capsys.readouterr().err
    assert err.startswith("events setup: --url: ") and expected in err
    assert err.count("\n") == 1 and "pw" not in err
    assert sim.requests.total == 0


def test_twilio_unreachable_is_exit_3(hook, sim, capsys):
    sim.faults.add(Fault("503", product="events", path_regex="/v1/Types"))
    assert setup("--url", hook) == 3
    assert "Twilio Event Streams" in capsys.readouterr().err
    assert sim.world.streams.sinks == {}


def test_rejected_credentials_are_exit_2(hook, sim, capsys):
    sim.faults.add(Fault("401", method="*"))
    assert setup("--url", hook) == 2
    assert capsys.readouterr().err.startswith("twilio: ")


@pytest.mark.parametrize("signing", ["body_sha256", "url"])
def test_a_debugger_entry_pushed_either_way_refreshes_at_once(make_watcher, sim, monkeypatch,
                                                              signing):
    daemon = build_daemon(make_watcher(schedule=QUIET_SCHEDULE, http=LOCAL_HTTP,
                                       events={"webhook_enabled": True}))
    daemon.http.start()
    world = sim.world
    try:
        for key, value in {"TWILIO_ACCOUNT_SID": world.account_sid,
                           "TWILIO_AUTH_TOKEN": world.auth_token,
                           "FLEX_WATCHDOG_TWILIO_BASE_URL": sim.url}.items():
            monkeypatch.setenv(key, value)
        world.streams.signing = signing
        assert setup("--url", f"{daemon.http.url}/events/twilio") == 0
        assert daemon.refresher.pending == set()
        world.delete(world.flex_proxy_sid or "")
        world.add_alert(80620, resource_sid=world.flex_numbers[0])  # a customer texts
        assert daemon.refresher.pending == {"proxy"}
        assert world.streams.delivered[-1] == (204, 1)
    finally:
        daemon.http.stop()


def test_remove_with_plan_writes_nothing(hook, sim, capsys):
    assert setup("--url", hook) == 0
    before = writes(sim)
    assert setup("--url", hook, "--remove", "--plan") == 0
    out = capsys.readouterr().out
    assert "would delete subscription" in out and "would delete sink" in out
    assert writes(sim) == before and len(sim.world.streams.sinks) == 1
