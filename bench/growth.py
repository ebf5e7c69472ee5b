"""State file size over many fast cycles against a small world, with churn: every ``every``
cycles one more Flex number's SMS webhook is overwritten, paged, healed and resolved."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.rig import Rig
from watchdog.simulator import SimulatorServer, large
from watchdog.simulator.pagerduty_fake import FakePagerDuty


@dataclass(frozen=True)
class Sample:
    cycle: int
    state_bytes: int
    findings: int
    heals: int
    outbox: int

    @property
    def kib(self) -> int:
        return self.state_bytes // 1024


def state_bytes(path: Path) -> int:
    """The database with its WAL and shared-memory files."""
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def state_growth(fake: FakePagerDuty | None, cycles: int = 1000, every: int = 25,
                 marks: tuple[int, ...] = (10, 100, 1000)) -> list[Sample]:
    world = large(numbers=60, studio_flows=5, flex_flows=cycles // every + 2)
    victims = list(world.legacy_numbers)
    samples = []
    with tempfile.TemporaryDirectory(prefix="bench-growth-") as tmp, SimulatorServer(world) as sim:
        path = Path(tmp) / "state.db"
        rig = Rig("growth", sim, path, fake, timeout=5)
        for cycle in range(1, cycles + 1):
            if cycle % every == 0 and victims:
                world.set_number(victims.pop(), sms_url="https://example.com/churn")
            rig.cycle()
            if cycle in marks:
                count = lambda table: int(rig.watcher.store.execute(  # noqa: E731
                    f"SELECT count(*) FROM {table}")[0][0])
                samples.append(Sample(cycle, state_bytes(path), count("findings"), count("heals"),
                                      count("outbox")))
        rig.close()
    return samples
