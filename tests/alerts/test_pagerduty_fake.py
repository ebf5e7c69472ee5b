"""The fake PagerDuty behaves like the Events API v2 where flex-watchdog depends on it."""

from __future__ import annotations

import json
import ssl
import urllib.request

import pytest

from watchdog.simulator.pagerduty_fake import FakePagerDuty

KEY = "k" * 32
OTHER = "o" * 32


def post(fake: FakePagerDuty, body: dict, path: str = "/v2/enqueue") -> tuple[int, dict]:
    context = ssl.create_default_context(cafile=str(fake.ca_file))
    request = urllib.request.Request(fake.base_url + path, json.dumps(body).encode(),
                                     {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, context=context, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def trigger(key: str = KEY, dedup: str = "d1", **payload) -> dict:
    body = {"summary": "broken", "source": "AC1", "severity": "critical", **payload}
    return {"routing_key": key, "event_action": "trigger", "dedup_key": dedup, "payload": body}


@pytest.fixture
def fake(tmp_path):
    with FakePagerDuty(cert_dir=tmp_path) as server:
        yield server


def test_alert_semantics_follow_pagerduty(fake):
    assert post(fake, trigger()) == (202, {"status": "success", "message": "Event processed",
                                           "dedup_key": "d1"})
    post(fake, trigger(summary="again"))
    post(fake, {"routing_key": OTHER, "event_action": "resolve", "dedup_key": "d1"})
    assert list(fake.open_alerts()) == [(KEY, "d1")]  # another routing key resolves nothing
    post(fake, {"routing_key": KEY, "event_action": "resolve", "dedup_key": "d1"})
    assert fake.open_alerts() == {}
    assert [r.effect for r in fake.received()] == ["opened", "updated", "ignored", "resolved"]


@pytest.mark.parametrize("body", [
    pytest.param(trigger(key="short"), id="routing-key"),
    pytest.param(trigger(summary="x" * 1025), id="long-summary"),
    pytest.param(trigger(severity="fatal"), id="severity"),
    pytest.param(trigger(dedup="d" * 256), id="long-dedup-key"),
    pytest.param({"routing_key": KEY, "event_action": "resolve"}, id="resolve-without-key"),
])
def test_invalid_events_get_400(fake, body):
    status, answer = post(fake, body)
    assert status == 400 and answer["status"] == "invalid event"
    assert fake.events() == []


def test_faults_on_demand_and_change_events(fake):
    fake.fail("429", times=2)
    assert post(fake, trigger())[0] == 429
    assert post(fake, trigger())[0] == 429
    assert post(fake, trigger())[0] == 202
    change = {"routing_key": KEY, "payload": {"summary": "healed", "source": "AC1"}}
    assert post(fake, change, "/v2/change/enqueue")[0] == 202
    fake.outage()
    with pytest.raises(OSError):
        post(fake, trigger())
    fake.recover()
    assert [r.kind for r in fake.events()] == ["trigger", "change"]
    lines = fake.render().splitlines()
    assert lines == ["trigger […kkkk] critical d1 broken", "change […kkkk] healed"]
    assert KEY not in fake.render()
