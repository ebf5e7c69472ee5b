"""One pass: fetch -> snapshot -> rules -> findings (recorded). Alerts and heals hook in after.

``Watcher.poll(now, families)`` refreshes some families (all, for ``check``), merges them with
the latest complete data of the others, evaluates the rules whose families it refreshed, and
stores the result in one transaction. The clock is read once by the caller and passed down.
``Watcher.fetch(families, now)`` is that fetch and merge alone (the healer, the demo and
``baseline`` read the account through it); it records nothing. On a store opened read-only
(``check`` next to the daemon that owns the state file) ``poll`` records nothing either: no
finding opens or clears, no observation counts, no log line claims a transition.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from watchdog.controls.marks import Controls, held
from watchdog.controls.trust import adopt as adopt_trusted
from watchdog.fetchers import FetchContext, fetch_snapshot
from watchdog.fetchers.context import FetchMemo
from watchdog.fetchers.single import read_now, read_resources
from watchdog.model.findings import Finding, broken_resources
from watchdog.model.observed import guarded, observed, present
from watchdog.model.results import CHECK, CycleResult, Evaluation, OpenFinding, Trigger
from watchdog.model.snapshot import FAMILIES, FamilyState, Snapshot
from watchdog.routes import routes
from watchdog.routes.impact import reach, with_impact
from watchdog.rules.context import RuleContext, RuleMemo
from watchdog.rules.engine import evaluate
from watchdog.rules.references import stale_families
from watchdog.rules.registry import Rule, all_rules
from watchdog.settings import Settings
from watchdog.signals.evidence import EvidenceCache, evidence_text
from watchdog.store.store import StateStore, clears
from watchdog.twilio_api import TwilioAccess

log = logging.getLogger(__name__)
HELD = ("still open: the rule no longer reports it, but nothing it is about has changed in the "
        "account since it was seen (a baseline or configuration change does not repair it)")


# Called after a cycle is recorded (metrics, alerts, heals). Exceptions are contained.
CycleListener = Callable[[CycleResult], None]
# Called between evaluation and recording to add evidence to findings (rules stay pure).
FindingEnricher = Callable[[list[Finding], datetime], list[Finding]]
# Read once per cycle for the rule it is keyed by (``RuleContext.extra[rule_id]``): state the
# snapshot does not hold, such as the tripped heal breakers. The composition root hands them in.
EvidenceFeed = Callable[[], Any]


@dataclass(frozen=True)
class Refreshed:
    """What ``Watcher.refresh`` did: the cycle judged (None when no resource changed), the
    families to poll in full (a 404 or a resource only its family's poll reads) and the SIDs
    that could not be read, with the reason."""

    result: CycleResult | None
    families: set[str]
    failed: dict[str, str]
    requests: int


class Watcher:
    """Holds the latest complete snapshot in memory and runs cycles against it."""

    def __init__(self, settings: Settings, store: StateStore, access: TwilioAccess,
                 evidence: Mapping[str, EvidenceFeed] | None = None,
                 rules: Mapping[str, Rule] | None = None) -> None:
        self.settings, self.store, self.access = settings, store, access
        self.evidence = dict(evidence or {})
        self.rules = dict(all_rules() if rules is None else rules)
        # What fetchers and rules reuse from one cycle to the next: this watcher's own.
        self.fetch_memo, self.rule_memo = FetchMemo(), RuleMemo()
        self.account_sid = access.account_sid
        store.bind_account(self.account_sid)
        self.latest: Snapshot | None = store.load_snapshot(self.account_sid)
        self.fetch_memo.pages.update(store.load_pages(self.account_sid, self.latest))
        self.studio_cache = store.load_studio_cache()
        self.listeners: list[CycleListener] = []
        # silences, ignores and maintenance windows mark findings (never drop them)
        self.controls = Controls(settings, store)
        self.enrichers: list[FindingEnricher] = [self.controls.mark]
        # the Monitor Events read (the daemon's feed, check's last hour): trusted actors' changes
        # are adopted into the baseline instead of becoming drift
        self.changes: EvidenceCache | None = None
        self._lock = threading.Lock()  # one cycle at a time: the state and cache are shared

    def poll(self, now: datetime, families: Iterable[str] = FAMILIES,
             trigger: Trigger = CHECK) -> CycleResult:
        with self._lock:
            return self._poll(now, tuple(families), trigger)

    def _poll(self, now: datetime, families: tuple[str, ...], trigger: Trigger) -> CycleResult:
        before = self.access.stats.total()
        merged, families = self._fetch(families, now)  # raises CredentialsRejected
        return self._judge(now, merged, families, trigger, before)

    def refresh(self, now: datetime, sids: Iterable[str], trigger: Trigger) -> Refreshed:
        """Read the resources a change signal named, each alone, and judge the latest snapshot
        with them replaced (module ``watchdog.fetchers.single``). A 404 or a resource that
        cannot be read alone asks for its family's complete poll (``Refreshed.families``); any
        other failure leaves the previous snapshot as it is."""
        with self._lock:
            before = self.access.stats.total()
            ctx = self._context()
            outcome = read_resources(ctx, self.latest, sids, now)
            if not outcome.states:
                self.studio_cache = ctx.studio_cache
                return Refreshed(None, outcome.families, outcome.failed,
                                 self.access.stats.total() - before)
            merged, families = self._fresh_enough(ctx, dict(outcome.states), now, outcome.read_at)
            self.studio_cache = ctx.studio_cache
            result = self._judge(now, merged, families, trigger, before,
                                 tuple(outcome.read_at), set(outcome.states))
            return Refreshed(result, outcome.families, outcome.failed, result.api_requests)

    def _judge(self, now: datetime, merged: Snapshot, families: tuple[str, ...],
               trigger: Trigger, before: int, read_alone: tuple[str, ...] = (),
               patched: set[str] | None = None) -> CycleResult:
        """Evaluate the rules of ``families`` on ``merged`` and record the result; ``patched``:
        the families only some resources of which were read now (``read_alone``)."""
        fresh = Snapshot(self.account_sid, now, {f: merged.families[f] for f in families})
        baseline = self.store.baseline(self.account_sid)
        evidence = {rule_id: feed() for rule_id, feed in self.evidence.items()}
        rule_ctx = RuleContext(merged, now, self.settings, baseline, extra=dict(evidence),
                               memo=self.rule_memo)
        evaluation = evaluate(rule_ctx, only=self._rules_for(families), rules=self.rules)
        if self._trusted(merged, baseline, evaluation, now):  # adopted: judge drift again
            baseline = self.store.baseline(self.account_sid)
            rule_ctx = RuleContext(merged, now, self.settings, baseline, extra=dict(evidence),
                                   memo=self.rule_memo)
            evaluation = evaluate(rule_ctx, only=self._rules_for(families), rules=self.rules)
        unknown = {f for f, s in merged.families.items() if not s.complete}
        unknown |= set(FAMILIES) - set(merged.families)
        self._hold_unchanged(merged, evaluation, unknown)
        seen = {f.id: observed(merged, f.resource_sid, f.details) for f in evaluation.findings}
        self._enrich(evaluation, now)
        account = self._impact(rule_ctx, evaluation)
        if self.store.read_only:  # next to the daemon that owns the state: look, record nothing
            adopted: list[str] = []
            opened: list[Finding] = []
            cleared: list[OpenFinding] = []
            known = self.store.open_findings()
            gone = {item.id for item in clears(known, evaluation.findings, evaluation.evaluated,
                                               unknown)}
            open_now = {fid: item for fid, item in known.items() if fid not in gone}
        else:
            with self.store.transaction():
                self.store.save_snapshot(fresh)
                with self.fetch_memo.lock:
                    self.store.save_pages(fresh, self.fetch_memo.pages)
                self.store.save_studio_cache(self.studio_cache)
                adopted = self._adopt(fresh, baseline, evaluation.findings)
                opened, cleared = self.store.record_findings(
                    evaluation.findings, evaluation.evaluated, now, unknown, seen)
                open_now = self.store.open_findings()
        self.latest = merged
        polled = tuple(f for f in families if f not in (patched or set()))
        result = CycleResult(self.account_sid, now, merged, polled, evaluation, opened, cleared,
                             adopted, self.access.stats.total() - before, trigger, open_now,
                             evidence, account, read_alone)
        self._log(result)
        for listener in self.listeners:
            try:
                listener(result)
            except Exception:  # contained: a broken sink must not stop polling
                log.exception("cycle listener %r failed", listener)
        return result

    def _impact(self, ctx: RuleContext, evaluation: Evaluation) -> dict[str, Any]:
        """Every route into Flex, on this cycle's findings and those still open that it did not
        re-check; each finding gets ``details.impact``. Contained: without routes, findings go
        on without an impact (and nothing is taken for "cuts off nobody")."""
        try:
            kept = [item.finding() for item in self.store.open_findings().values()
                    if item.rule not in evaluation.evaluated]
            points = routes(ctx.snapshot, [*evaluation.findings, *kept],
                            flex=self.settings.flex, topology=ctx.topology,
                            baseline_topology=ctx.baseline_topology)
            evaluation.findings[:] = with_impact(evaluation.findings, points)
            return reach(ctx.snapshot, points)
        except Exception:
            log.exception("routes could not be computed: findings carry no impact")
            return {}

    def _hold_unchanged(self, snapshot: Snapshot, evaluation: Evaluation,
                        unknown: set[str]) -> None:
        """Keep open what the rules no longer report although nothing it is about changed in
        the account (the baseline was adopted or accepted, a rule was configured differently):
        its incident is not resolved with nothing fixed. A resource gone clears as before, and
        a rule turned off or a silence resolves its incident with a note elsewhere."""
        for item in clears(self.store.open_findings(), evaluation.findings,
                           evaluation.evaluated, unknown):
            if (item.observed is None or not guarded(item.rule)
                    or not present(snapshot, item.resource_type, item.resource_sid)
                    or observed(snapshot, item.resource_sid, item.details) != item.observed):
                continue
            rule = self.rules.get(item.rule)
            details = {**item.details, "held": HELD}
            evaluation.findings.append(dataclasses.replace(
                item.finding(), details=details, runbook=rule.runbook if rule else ""))

    def _trusted(self, merged: Snapshot, baseline: Snapshot | None, evaluation: Evaluation,
                 now: datetime) -> bool:
        """Adopt trusted actors' changes into the baseline (resources no other rule reports)."""
        if self.changes is None or self.store.read_only:
            return False
        broken = {f.resource_sid for f in evaluation.findings
                  if not f.rule.startswith("baseline.")}
        return bool(adopt_trusted(self.store, self.settings, baseline, merged, self.changes,
                                  now, broken))

    def _enrich(self, evaluation: Evaluation, now: datetime) -> None:
        for enrich in self.enrichers:
            try:
                evaluation.findings[:] = enrich(evaluation.findings, now)
            except Exception:  # contained: evidence is a bonus, never a reason to miss a cycle
                log.exception("finding enricher %r failed", enrich)

    def fetch(self, families: Iterable[str], now: datetime) -> Snapshot:
        """``families`` read now, merged with the latest data of the others. Records nothing;
        a failed family is unknown in the result. The Studio cache it leaves is the one the
        next recorded cycle saves. Families read again to confirm references are in it too.
        Raises CredentialsRejected when Twilio rejected every read."""
        return self._fetch(tuple(families), now)[0]

    def _fetch(self, families: tuple[str, ...], now: datetime) -> tuple[Snapshot, tuple[str, ...]]:
        """The merged snapshot and every family read now.

        A reference is judged missing only on data no older than the resource that holds it: a
        family whose older data lacks a SID that fresher data names (a number moved onto a flow
        published after the last Studio poll) is read again now, before any rule sees it."""
        ctx = self._context()
        read = dict(fetch_snapshot(ctx, now, families).families)
        merged, read_now = self._fresh_enough(ctx, read, now)
        self.studio_cache = ctx.studio_cache
        return merged, read_now

    def _context(self) -> FetchContext:
        return FetchContext(self.access.client, self.account_sid, self.settings.flex,
                            self.settings.twilio.max_pages, dict(self.studio_cache),
                            self.fetch_memo)

    def _fresh_enough(self, ctx: FetchContext, read: dict[str, FamilyState], now: datetime,
                      read_at: Mapping[str, datetime] | None = None,
                      ) -> tuple[Snapshot, tuple[str, ...]]:
        merged = self._merged(read, now)
        for _ in FAMILIES:
            sources = None if read_at is None else read_now(merged, read, read_at)
            stale = sorted(stale_families(merged, self.rule_memo, read_at, sources) - set(read))
            if not stale:
                break
            log.info("reading %s again: fresher data names resources it does not hold",
                     ", ".join(stale))
            read.update(fetch_snapshot(ctx, now, stale).families)
            merged = self._merged(read, now)
        return merged, tuple(read)

    def _merged(self, read: Mapping[str, FamilyState], now: datetime) -> Snapshot:
        families = dict(self.latest.families) if self.latest else {}
        families.update(read)
        return Snapshot(self.account_sid, now, families)

    def _rules_for(self, families: tuple[str, ...]) -> set[str] | None:
        if set(families) >= set(FAMILIES):
            return None
        return {r.id for r in self.rules.values()
                if not r.families or set(r.families) & set(families)}

    def _adopt(self, fresh: Snapshot, baseline: Snapshot | None,
               findings: list[Finding]) -> list[str]:
        """The first complete read of a family becomes its baseline, less what a rule calls
        broken now (that keeps being judged against the rule's default, never "expected")."""
        have = set(baseline.families) if baseline else set()
        new = [s.family for s in fresh.families.values() if s.complete and s.family not in have]
        if not new:
            return []
        return self.store.adopt_baseline(fresh, new, keep_out=broken_resources(findings))

    def _log(self, result: CycleResult) -> None:
        for finding in result.opened:
            evidence = evidence_text(finding.details)
            hold = held(finding)
            log.warning("finding opened: %s %s: %s%s%s", finding.rule, finding.resource_sid,
                        finding.summary, f" [evidence: {evidence}]" if evidence else "",
                        f" [{hold}: does not page]" if hold else "")
        for item in result.cleared:
            log.info("finding cleared: %s %s", item.rule, item.resource_sid)
        if result.adopted:
            log.info("baseline adopted for %s", ", ".join(result.adopted))
