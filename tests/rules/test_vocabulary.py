"""The shared words: Severity is ordered, Family and Stack keep today's strings, and every family
has exactly one interval (the table the scheduler and the interval metric both read)."""

from __future__ import annotations

import json

import pytest

from watchdog.daemon.scheduler import job_groups
from watchdog.model.findings import Finding, Severity, sort_key
from watchdog.model.snapshot import FAMILIES, RESOURCE_FAMILY, Family
from watchdog.model.topology import Stack
from watchdog.settings import FAMILY_JOB, Settings
from watchdog.telemetry.metrics import family_interval


def test_severity_is_ordered_worst_first_by_rank():
    assert Severity.CRITICAL > Severity.WARNING > Severity.INFO
    assert Severity.INFO < "warning" and max(Severity) is Severity.CRITICAL
    assert sorted(Severity, reverse=True) == [Severity.CRITICAL, Severity.WARNING, Severity.INFO]
    assert [s.rank for s in Severity] == [0, 1, 2]
    found = [Finding("a.b", s, "phone_number", "PN1", "x") for s in ("info", "critical")]
    assert [f.severity for f in sorted(found, key=sort_key)] == ["critical", "info"]


def test_enums_keep_the_strings_of_json_and_metrics():
    assert json.dumps([Severity.WARNING, Family.FLEX_FLOWS, Stack.BOTH]) == \
        '["warning", "flex_flows", "both"]'
    assert [str(s) for s in Stack] == ["legacy", "conversations", "both", "voice", "none"]
    assert FAMILIES[:3] == ("configuration", "flex_flows", "chat")
    assert set(RESOURCE_FAMILY.values()) == set(Family)


@pytest.mark.parametrize("family, expected", [
    ("numbers", 11.0), ("flex_flows", 22.0), ("taskrouter", 44.0), ("studio", 55.0),
    ("chat", 33.0), ("whatsapp", 33.0), ("configuration", 33.0),
])
def test_one_interval_per_family(family, expected):
    settings = Settings(schedule={"numbers_seconds": 11, "flex_flows_seconds": 22,
                                  "services_seconds": 33, "taskrouter_seconds": 44,
                                  "studio_seconds": 55})
    assert settings.schedule.interval(family) == family_interval(settings, family) == expected
    (group,) = [g for g in job_groups(settings) if family in g.families]
    assert group.interval == expected


def test_every_family_is_in_exactly_one_poll_job():
    assert set(FAMILY_JOB) == set(Family)
    groups = job_groups(Settings(schedule={"numbers_seconds": 30}))
    polled = [f for g in groups for f in g.families]
    assert sorted(polled) == sorted(FAMILIES)
