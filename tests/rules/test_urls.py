import pytest

from watchdog.model.urls import blank, classify, flow_url, proxy_message_url

AC = "AC" + "a" * 32
KS = "KS" + "b" * 32
FW = "FW" + "c" * 32


@pytest.mark.parametrize("url, kind, sid", [
    (proxy_message_url(AC, KS), "proxy-message", KS),
    (proxy_message_url(AC, KS).replace("https", "http") + "/", "proxy-message", KS),
    (f"https://webhooks.twilio.com/v1/Accounts/{AC}/Proxy/{KS}/Webhooks/Call", "proxy-call", KS),
    (flow_url(AC, FW), "studio", FW),
    (flow_url(AC, FW).replace("https", "http"), "studio", FW),
    ("https://example.com/sms", "other", None),
    (f"https://webhooks.twilio.com.evil.example/v1/Accounts/{AC}/Flows/{FW}", "other", None),
    ("", "none", None),
    (None, "none", None),
    ("   ", "none", None),
])
def test_classify(url, kind, sid):
    target = classify(url)
    assert (target.kind, target.sid) == (kind, sid)


def test_blank():
    assert blank(None) and blank("") and blank("  ")
    assert not blank("https://x")
