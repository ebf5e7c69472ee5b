"""The fault matrix: every family, and the Monitor feed, × every fault the simulator can inject.

Each case starts a fresh account with one open, paged finding per family, then runs two full
cycles with the fault on (connection refused: the family's own job runs while the server is
down), then one clean cycle. Two, because a finding is healed once it is past its grace period
(zero here: from its second observation) and a deletion pages on its second observation.

Counted as *false*: a finding opened or closed while the fault was on, a finding drawn from an
unknown family, any heal attempted or written, any PagerDuty trigger or resolve after the setup.
*Recovered*: the first clean cycle brings every family back up with the same open findings and
incidents as before the fault, and nothing was written or paged.

The single-resource path (``numbers-alone``: a Monitor event's number read alone) meets a 404, a
429 and a body cut short on the one-number fetch, for a number with an open, paged finding and a
healthy one. *Unknown* then means the read was not taken as data: a 404 asked for the numbers'
complete poll (which runs next, with the fault still on, and finds both), anything else was
reported as failed; no cycle was judged on it, and the numbers family stayed up.

The Monitor feed (Monitor Events and Debugger alerts) is no family: its evidence is best effort.
In its cases both feed jobs run before every cycle; *unknown* then means both feeds reported
themselves unavailable while every family stayed up and no feed job raised (no traceback, no
``flex_watchdog_job_errors_total``), and *recovered* also means both feeds read again.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from bench.rig import Rig
from bench.worlds import GROW, TARGETS, matrix_world, standing_changes
from watchdog.cycle import CycleResult
from watchdog.daemon.scheduler import ALERTS, EVENTS, REFRESH
from watchdog.model.results import Trigger
from watchdog.model.snapshot import FAMILIES, RESOURCE_FAMILY
from watchdog.simulator import Fault, SimulatorServer
from watchdog.simulator.pagerduty_fake import FakePagerDuty

FAULTED_CYCLES = 2
TIMEOUT = 0.3  # seconds: the client timeout in the matrix; "slow" answers after twice that

# fault name -> Fault keyword arguments (None: connection refused, not a Fault)
FAULTS: dict[str, dict[str, object] | None] = {
    "429": {"kind": "429"},
    "429+Retry-After": {"kind": "429", "retry_after": 1},
    "500": {"kind": "500"},
    "503": {"kind": "503"},
    "slow": {"kind": "slow", "delay": 2 * TIMEOUT},
    "truncated": {"kind": "truncated"},
    "invalid-json": {"kind": "invalid_json"},
    "disconnect": {"kind": "disconnect"},
    "page-2": {"kind": "page", "page": 1},
    "401": {"kind": "401"},
    "refused": None,
}


#: faulting products that are not families -> (product, path regex) of their requests
FEEDS = {"monitor": ("monitor", "^/v1/(Events|Alerts)")}

#: the single-resource path: a number read alone, and the faults it meets
ALONE = "numbers-alone"
ALONE_FAULTS = ("404", "429", "truncated")
ONE_NUMBER = r"/IncomingPhoneNumbers/PN\w+\.json$"


@dataclass(frozen=True)
class Case:
    family: str
    fault: str

    @property
    def id(self) -> str:
        return f"{self.family}-{self.fault}"


@dataclass
class Outcome:
    case: Case
    unknown: bool = False  # the family was unknown for the faulted cycle (metric at 0)
    false_findings: int = 0
    false_heals: int = 0
    false_pages: int = 0  # triggers after the setup
    false_resolves: int = 0  # resolves of the open incidents
    recovered: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (self.unknown and self.recovered and not self.false_findings
                and not self.false_heals and not self.false_pages and not self.false_resolves)


def cases() -> list[Case]:
    """Every family and feed × fault. Page 2 only where the matrix world can grow a second page
    (bench/worlds.py GROW): not the Flex Configuration (a singleton) nor the feeds (one page of
    the last hour)."""
    return [Case(source, fault) for source in (*FAMILIES, *FEEDS) for fault in FAULTS
            if not (fault == "page-2" and source not in GROW)] + [
        Case(ALONE, fault) for fault in ALONE_FAULTS]


def run_case(case: Case, fake: FakePagerDuty | None, workdir: Path) -> Outcome:
    world = matrix_world(case.family if case.fault == "page-2" else None)
    with SimulatorServer(world) as server:
        rig = Rig(case.id, server, workdir / f"{case.id}.db", fake, timeout=TIMEOUT)
        try:
            return _run(case, rig, server)
        finally:
            rig.close()


def _run(case: Case, rig: Rig, server: SimulatorServer) -> Outcome:
    out = Outcome(case)
    feed = case.family in FEEDS
    rig.feeds_too = feed
    rig.cycle()  # baseline
    standing_changes(server.world)
    rig.cycle()  # one finding per family, paged
    open_before, incidents_before = rig.open_ids(), rig.triggered()
    if len(incidents_before) < len(FAMILIES):
        out.notes.append(f"setup paged {len(incidents_before)} of {len(FAMILIES)} findings")
    writes, heals, events = rig.writes(), rig.heals_attempted(), len(rig.pd_events())
    out.unknown = True
    for _ in range(FAULTED_CYCLES):
        if case.family == ALONE:
            faulted, reported = _read_alone(case, rig, server)
            out.unknown &= reported and rig.family_up("numbers") == 1
            out.false_findings += _false_findings(faulted, open_before, rig.open_ids())
            continue
        faulted = _faulted_cycle(case, rig, server)
        if feed:
            out.unknown &= _feeds_down_quietly(rig, faulted)
        else:
            out.unknown &= rig.family_up(case.family) == 0 and (
                faulted is None or case.family in {s.family for s in faulted.unknown})
        out.false_findings += _false_findings(faulted, open_before, rig.open_ids())
    clean = rig.cycle()
    if feed and rig.feeds_down():
        out.notes.append("a feed is still unavailable after the fault")
    new = rig.pd_events()[events:]
    out.false_heals = rig.writes() - writes + rig.heals_attempted() - heals
    out.false_pages = sum(1 for e in new if e.kind == "trigger")
    out.false_resolves = sum(1 for e in new if e.kind == "resolve")
    out.recovered = (clean is not None and not clean.unknown and not clean.opened
                     and not clean.cleared and all(rig.family_up(f) == 1 for f in FAMILIES)
                     and rig.open_ids() == open_before and rig.triggered() == incidents_before)
    return out


def _feeds_down_quietly(rig: Rig, faulted: CycleResult | None) -> bool:
    """Both feeds reported unavailable, no feed job raised, every family complete."""
    raised = sum(rig.job_errors(job) for job in (EVENTS, ALERTS))
    families = faulted is None or not faulted.unknown
    return rig.feeds_down() == 2 and raised == 0 and families


def _faulted_cycle(case: Case, rig: Rig, server: SimulatorServer) -> CycleResult | None:
    spec = FAULTS[case.fault]
    if spec is None:
        server.stop()
        try:
            if case.family in FEEDS:
                rig.run_feeds()
                return None
            return rig.cycle([case.family])
        finally:
            server.start()
    product, path = FEEDS.get(case.family) or TARGETS[case.family]
    server.faults.add(Fault(product=product, path_regex=path, **spec))  # type: ignore[arg-type]
    try:
        return rig.cycle()
    finally:
        server.faults.clear()


def _read_alone(case: Case, rig: Rig, server: SimulatorServer) -> tuple[CycleResult | None, bool]:
    """Both numbers read alone with the fault on their fetch; the complete poll a 404 asks for
    runs next, the fault still on. (That poll's result, whether the read was not taken as data.)"""
    world = server.world
    sids = [world.legacy_numbers[0], world.flex_numbers[0]]
    server.faults.add(Fault(kind=case.fault, product="api", path_regex=ONE_NUMBER))
    try:
        rig.now += timedelta(minutes=1)
        done = rig.watcher.refresh(rig.now, sids, Trigger(REFRESH, ("monitor",)))
        confirm = rig.cycle(sorted(done.families)) if done.families else None
    finally:
        server.faults.clear()
    if case.fault == "404":
        reported = done.families == {"numbers"} and not done.failed
    else:
        reported = set(done.failed) == set(sids) and not done.families
    return confirm, reported and done.result is None


def _false_findings(result: CycleResult | None, open_before: set[str], open_after: set[str]) -> int:
    """Opened or closed while the fault was on, or about a resource of an unknown family."""
    changed = len(open_before ^ open_after)
    if result is None:
        return changed
    unknown = {s.family for s in result.unknown}
    drawn = [f for f in result.findings if RESOURCE_FAMILY.get(f.resource_type) in unknown]
    return changed + len(drawn)


def run_matrix(fake: FakePagerDuty | None, workdir: Path | None = None,
               progress: Callable[[Outcome], None] = lambda o: None) -> Iterator[Outcome]:
    with tempfile.TemporaryDirectory(prefix="fault-matrix-") as tmp:
        for case in cases():
            outcome = run_case(case, fake, workdir or Path(tmp))
            progress(outcome)
            yield outcome
