"""The fault matrix (bench/matrix.py) as a test: every family × every fault the simulator can
inject leaves the family unknown (metric at 0), draws no finding, heals nothing, pages and
resolves nothing, and the first clean cycle recovers everything. The Monitor feed faults the
same ways: the feeds report themselves unavailable (one line, no job error) and nothing else
changes. A number read alone meets a 404, a 429 and a truncated body: never a deletion, a resolve
or a heal, and the numbers family stays up."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.faults import summary, table
from bench.matrix import ALONE, ALONE_FAULTS, FAULTS, Case, Outcome, cases, run_case
from bench.worlds import GROW
from watchdog.model.snapshot import FAMILIES
from watchdog.simulator.pagerduty_fake import FakePagerDuty

OUTCOMES: dict[str, Outcome] = {}


@pytest.fixture(scope="module")
def fake_pd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakePagerDuty]:
    with pytest.MonkeyPatch.context() as patch, FakePagerDuty(
            cert_dir=tmp_path_factory.mktemp("pd")) as fake:
        patch.setenv("SSL_CERT_FILE", str(fake.ca_file))
        yield fake


@pytest.mark.parametrize("case", cases(), ids=lambda c: c.id)
def test_fault_is_unknown_never_false_and_recovers(case: Case, fake_pd: FakePagerDuty,
                                                   tmp_path: Path) -> None:
    outcome = run_case(case, fake_pd, tmp_path)
    OUTCOMES[case.id] = outcome
    assert outcome.notes == [], "the setup must page one finding per family"
    assert outcome.unknown, "flex_watchdog_family_up must be 0 while the fault lasts"
    assert (outcome.false_findings, outcome.false_heals, outcome.false_pages,
            outcome.false_resolves) == (0, 0, 0, 0)
    assert outcome.recovered, "the first clean cycle brings everything back as it was"


def test_every_family_meets_every_fault() -> None:
    tried = {(c.family, c.fault) for c in cases()}
    assert {s for s, _ in tried} == set(FAMILIES) | {"monitor", ALONE}
    assert len(tried) == ((len(FAMILIES) + 1) * len(FAULTS) - (len(FAMILIES) + 1 - len(GROW))
                          + len(ALONE_FAULTS))
    assert {f for s, f in tried if s == "monitor"} == set(FAULTS) - {"page-2"}
    assert {f for s, f in tried if s == ALONE} == {"404", "429", "truncated"}


def test_summary_line_over_the_matrix() -> None:
    outcomes = list(OUTCOMES.values())
    if not outcomes:
        pytest.skip("no matrix case ran in this session")
    n = len(outcomes)
    assert summary(outcomes) == (f"faults tried {n}, false findings 0, false heals 0, "
                                 f"false pages 0, recovered {n}/{n}")
    assert table(outcomes).count("\n") == n + 1


def test_summary_counts_resolves_as_false_pages_and_flags_no_recovery() -> None:
    bad = Outcome(Case("numbers", "500"), unknown=True, false_pages=1, false_resolves=2)
    assert summary([bad]) == ("faults tried 1, false findings 0, false heals 0, "
                              "false pages 3, recovered 0/1")
    assert not bad.ok and "NO" in table([bad])
