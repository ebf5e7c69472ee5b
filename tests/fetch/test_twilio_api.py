import pytest

from watchdog.errors import Backoff, FetchReason, Verdict, retry_after
from watchdog.simulator import Fault
from watchdog.twilio_api import Pacer, connect, product_of, rewrite_url, verdict

BASE = "http://127.0.0.1:8080"


@pytest.mark.parametrize("url, expected", [
    ("https://flex-api.twilio.com/v1/FlexFlows?PageSize=50",
     "http://127.0.0.1:8080/flex-api/v1/FlexFlows?PageSize=50"),
    ("https://api.twilio.com/2010-04-01/Accounts/AC1/IncomingPhoneNumbers.json",
     "http://127.0.0.1:8080/api/2010-04-01/Accounts/AC1/IncomingPhoneNumbers.json"),
    ("https://studio.twilio.com/v2/Flows?PageSize=50&Page=1&PageToken=PT1",
     "http://127.0.0.1:8080/studio/v2/Flows?PageSize=50&Page=1&PageToken=PT1"),
    ("http://127.0.0.1:8080/proxy/v1/Services", "http://127.0.0.1:8080/proxy/v1/Services"),
])
def test_rewrite_url(url, expected):
    assert rewrite_url(url, BASE) == expected


def test_rewrite_keeps_a_base_path():
    assert rewrite_url("https://chat.twilio.com/v2/Services", "https://gw.example/twilio/") == \
        "https://gw.example/twilio/chat/v2/Services"


def test_no_base_url_means_twilio_itself():
    url = "https://chat.twilio.com/v2/Services"
    assert rewrite_url(url, None) == url


def test_product_of():
    assert product_of("https://flex-api.twilio.com/v1/FlexFlows") == "flex-api"
    assert product_of("https://example.com/x") == "other"


def test_pacer_spaces_requests_per_product():
    now = [0.0]
    slept = []
    pacer = Pacer(10, clock=lambda: now[0], sleep=slept.append)
    for _ in range(3):
        pacer.wait("flex-api")
    pacer.wait("studio")
    assert slept == pytest.approx([0.1, 0.2])


@pytest.mark.parametrize("failures, retry_after, expected", [
    pytest.param(1, None, 0.5, id="first failure: the base"),
    pytest.param(3, None, 2.0, id="doubled each time"),
    pytest.param(9, None, 30.0, id="capped"),
    pytest.param(1, 3.0, 3.0, id="Retry-After longer: it wins"),
    pytest.param(4, 1.0, 4.0, id="Retry-After shorter: never pulls a retry closer"),
    pytest.param(1, 600.0, 30.0, id="Retry-After capped too"),
])
def test_backoff_is_the_longer_of_computed_and_retry_after_capped(failures, retry_after,
                                                                   expected):
    assert Backoff(0.5, 30).delay(failures, retry_after) == expected


@pytest.mark.parametrize("header, seconds", [
    ("3", 3.0), ("1.5", 1.5), (" 2 ", 2.0), (None, None), ("soon", None), ("-1", None),
    ("inf", None), ("Wed, 21 Oct 2026 07:28:00 GMT", None),
])
def test_retry_after_header(header, seconds):
    assert retry_after(header) == seconds


@pytest.mark.parametrize("status, code, reason, decision", [
    (200, None, None, Verdict.DONE),
    (429, 20429, FetchReason.RATE_LIMITED, Verdict.RETRY),
    (503, 20503, FetchReason.SERVER_ERROR, Verdict.RETRY),
    (401, 20003, FetchReason.AUTH, Verdict.DROP),
    (404, 20404, FetchReason.CLIENT_ERROR, Verdict.DROP),
])
def test_one_vocabulary_for_a_twilio_answer(status, code, reason, decision):
    assert verdict(status) is decision
    if reason is not None:
        assert FetchReason.of_status(status, code) is reason
        assert reason.temporary is (decision is Verdict.RETRY)


def test_reason_labels_are_the_metrics_contract():
    assert [str(r) for r in FetchReason] == [
        "rate_limited", "server_error", "timeout", "connection", "auth", "bad_response",
        "client_error", "pagination", "other"]
    assert FetchReason.parse("http_503") is FetchReason.OTHER and FetchReason.parse(None) is None


def test_twilio_retries_wait_for_retry_after_when_it_is_longer(sim, make_settings):
    slept: list[float] = []
    settings = make_settings(twilio={"max_attempts": 3, "backoff_base_seconds": 0.5,
                                     "backoff_max_seconds": 30})
    access = connect(settings, sleep=slept.append)
    sim.faults.add(Fault("429", product="flex-api", times=1, retry_after=3))
    sim.faults.add(Fault("503", product="flex-api", times=1))
    flows = access.client.flex_api.v1.flex_flow.list()
    assert flows and [s for s in slept if s >= 0.5] == [3.0, 1.0]
