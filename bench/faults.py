"""Print the fault matrix: ``python -m bench.faults`` (from the repository root).

One row per family × fault; the last line is the contract::

    faults tried N, false findings 0, false heals 0, false pages 0, recovered N/N

Exit status 1 when anything was false, a family was not reported unknown, or did not recover.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time

from bench.matrix import ALONE_FAULTS, FAULTS, Outcome, cases, run_matrix
from bench.tables import render
from watchdog.simulator.pagerduty_fake import FakePagerDuty

COLUMNS = ("family", "fault", "unknown", "findings", "heals", "pages", "resolves", "recovered")


def row(o: Outcome) -> tuple[str, ...]:
    return (o.case.family, o.case.fault, "yes" if o.unknown else "NO", str(o.false_findings),
            str(o.false_heals), str(o.false_pages), str(o.false_resolves),
            "yes" if o.recovered else "NO")


def table(outcomes: list[Outcome]) -> str:
    return render(COLUMNS, [row(o) for o in outcomes])


def summary(outcomes: list[Outcome]) -> str:
    """The contract line. ``false pages`` counts triggers and resolves of open incidents."""
    n = len(outcomes)
    findings = sum(o.false_findings for o in outcomes)
    heals = sum(o.false_heals for o in outcomes)
    pages = sum(o.false_pages + o.false_resolves for o in outcomes)
    recovered = sum(o.recovered for o in outcomes)
    return (f"faults tried {n}, false findings {findings}, false heals {heals}, "
            f"false pages {pages}, recovered {recovered}/{n}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.faults", description=__doc__.split("\n")[0])
    parser.add_argument("--quiet", action="store_true", help="print only the summary line")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.CRITICAL)  # the product's warnings are expected here
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="fake-pd-") as certs, FakePagerDuty(cert_dir=certs) as fake:
        os.environ["SSL_CERT_FILE"] = str(fake.ca_file)
        outcomes = list(run_matrix(fake))
    if not args.quiet:
        print(f"Fault matrix: {len(FAULTS)} faults x (families + Monitor feed), and "
              f"{len(ALONE_FAULTS)} on a number read alone = {len(cases())} cases "
              f"({time.monotonic() - started:.0f} s)\n")
        print(table(outcomes))
        for o in outcomes:
            for note in o.notes:
                print(f"note: {o.case.id}: {note}")
        print()
    print(summary(outcomes))
    return 0 if all(o.ok for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
