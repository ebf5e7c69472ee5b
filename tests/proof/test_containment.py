"""Containment inside one cycle: a rule that raises is skipped and keeps its open findings; a
listener or an enricher that raises does not stop the cycle (the others still run, the cycle
is recorded). The rule and listeners are injected into a real watcher on the simulator."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from tests.conftest import NOW
from watchdog.daemon.app import build_watcher
from watchdog.model.findings import Finding
from watchdog.model.results import CycleResult
from watchdog.rules.context import RuleContext
from watchdog.rules.registry import Hit, Rule, all_rules

FLAKY = "numbers.flaky"


class Flaky:
    """Reports the first phone number, or raises while ``broken``."""

    def __init__(self) -> None:
        self.broken = False

    def __call__(self, ctx: RuleContext) -> Iterator[Hit]:
        if self.broken:
            raise RuntimeError("bug in a rule")
        number = ctx.snapshot.of_type("phone_number")[0]
        yield Hit("phone_number", number.sid, "the flaky rule fired")


def flaky_watcher(make_settings: Any, flaky: Flaky) -> Any:
    rules = {**all_rules(), FLAKY: Rule(FLAKY, "warning", ("numbers",), flaky)}
    return build_watcher(make_settings(), rules=rules)


def test_a_rule_that_raises_is_skipped_and_keeps_its_open_findings(make_settings, caplog):
    flaky = Flaky()
    watcher = flaky_watcher(make_settings, flaky)
    first = watcher.poll(NOW)
    [opened] = [f for f in first.opened if f.rule == FLAKY]
    before = watcher.store.open_findings()[opened.id]

    flaky.broken = True
    broken = watcher.poll(NOW + timedelta(minutes=1))
    assert broken.evaluation.skipped[FLAKY] == "error"
    assert FLAKY not in broken.evaluation.evaluated
    assert opened.id not in {c.id for c in broken.cleared}, "an error is not a recovery"
    kept = watcher.store.open_findings()[opened.id]
    assert kept == before, "kept as it was: neither cleared nor observed again"
    assert broken.open_findings[opened.id] == before
    assert "rule numbers.flaky failed; its open findings are kept" in caplog.text
    # the other rules of the cycle still ran
    assert "numbers.message-webhook-overwritten" in broken.evaluation.evaluated

    flaky.broken = False
    again = watcher.poll(NOW + timedelta(minutes=2))
    assert opened.id not in {f.id for f in again.opened}, "never re-opened: it stayed open"
    assert watcher.store.open_findings()[opened.id].observations == before.observations + 1
    assert watcher.store.open_findings()[opened.id].first_seen == before.first_seen


def test_a_listener_that_raises_does_not_stop_the_cycle(make_watcher, caplog):
    watcher = make_watcher()
    seen: list[CycleResult] = []

    def broken(result: CycleResult) -> None:
        raise RuntimeError("bug in a listener")

    watcher.listeners[:] = [broken, seen.append, broken, seen.append]
    result = watcher.poll(NOW)
    assert seen == [result, result], "every other listener still ran, in order"
    assert caplog.text.count("RuntimeError: bug in a listener") == 2
    # the cycle was recorded: its snapshot is the latest and the baseline was adopted
    assert watcher.latest is result.snapshot and result.adopted
    assert watcher.store.load_snapshot(watcher.account_sid) is not None


def test_an_enricher_that_raises_does_not_stop_the_cycle(make_watcher, world, caplog):
    watcher = make_watcher()
    watcher.poll(NOW)
    world.set_number(world.flex_numbers[0], sms_url="https://example.com/bot")

    def broken(findings: list[Finding], now: Any) -> list[Finding]:
        raise RuntimeError("bug in an enricher")

    def tag(findings: list[Finding], now: Any) -> list[Finding]:
        return [Finding(f.rule, f.severity, f.resource_type, f.resource_sid, f.summary,
                        {**f.details, "tagged": True}, f.runbook, f.healable) for f in findings]

    watcher.enrichers[:] = [broken, tag]
    seen: list[CycleResult] = []
    watcher.listeners.append(seen.append)
    result = watcher.poll(NOW + timedelta(minutes=1))
    assert "RuntimeError: bug in an enricher" in caplog.text
    assert seen == [result], "the listeners ran after it"
    [finding] = [f for f in result.opened if f.rule == "numbers.message-webhook-overwritten"]
    assert finding.details["tagged"] is True, "the next enricher still ran"
    assert watcher.store.open_findings()[finding.id].details["tagged"] is True, "recorded"
