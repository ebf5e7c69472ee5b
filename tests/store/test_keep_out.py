"""What a rule calls broken now never enters the baseline, including the resources a finding
for one cause lists under ``details.affected``."""

from __future__ import annotations

from watchdog.model.findings import Finding, Severity, broken_resources


def finding(rule: str, severity: Severity, type_: str, sid: str, **details: object) -> Finding:
    return Finding(rule, severity, type_, sid, "summary", dict(details))


def test_the_numbers_a_deleted_proxy_service_breaks_are_kept_out_with_it():
    cause = finding("numbers.message-webhook-overwritten", Severity.CRITICAL, "proxy_service",
                    "KSold", affected=[{"type": "phone_number", "sid": "PN1"},
                                       {"type": "phone_number", "sid": "PN2"},
                                       {"type": "proxy_phone_number", "sid": "PN1"}])
    kept = broken_resources([cause])
    assert set(kept) == {("proxy_service", "KSold"), ("phone_number", "PN1"),
                         ("phone_number", "PN2"), ("proxy_phone_number", "PN1")}
    assert kept[("phone_number", "PN2")] == [cause]


def test_info_drift_and_breakers_keep_nothing_out_and_odd_affected_entries_are_ignored():
    drift = finding("baseline.resource-changed", Severity.INFO, "phone_number", "PN1",
                    affected=[{"type": "phone_number", "sid": "PN9"}])
    odd = finding("numbers.voice-webhook-overwritten", Severity.CRITICAL, "phone_number", "PN3",
                  affected=["PN4", {"type": "phone_number"}])
    assert set(broken_resources([drift, odd])) == {("phone_number", "PN3")}
