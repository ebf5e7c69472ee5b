import pytest

from watchdog.twilio_api import Pacer, product_of, rewrite_url

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
