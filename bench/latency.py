"""Detection latency: from an SMS webhook overwritten through the API to the daemon's
``finding opened`` log line, polling only vs with the Monitor Events feed (which reads the
number alone)."""

from __future__ import annotations

import random
import statistics
import time
from dataclasses import dataclass

from twilio.rest import Client

from bench.daemonproc import READY, DaemonProcess, scaled_schedule
from bench.measure import BareHttpClient
from bench.simproc import SimProcess
from watchdog.settings import ScheduleSettings

RULE = "numbers.message-webhook-overwritten"


@dataclass(frozen=True)
class Latency:
    mode: str
    seconds: list[float]
    events_seconds: float | None = None  # the Monitor Events interval it ran at (None: off)

    @property
    def pushed(self) -> bool:
        """Measured with Event Streams push (its goal is a p50, not a ratio to polling)."""
        return self.mode.startswith("Event Streams")

    @property
    def p50(self) -> float:
        return statistics.median(self.seconds)

    @property
    def max(self) -> float:
        return max(self.seconds)


def flex_numbers(sim: SimProcess, count: int, offset: int) -> list[str]:
    """SIDs of ``count`` numbers whose SMS goes to the Flex Proxy Service (skip ``offset``)."""
    client = Client(sim.account_sid, sim.auth_token, http_client=BareHttpClient(sim.url))
    numbers = client.api.v2010.accounts(sim.account_sid).incoming_phone_numbers
    flex = [n.sid for n in numbers.stream(page_size=1000) if "/Proxy/" in (n.sms_url or "")]
    if len(flex) < offset + count:
        raise RuntimeError(f"only {len(flex)} Flex numbers; need {offset + count}")
    return flex[offset:offset + count]


def detection_latency(sim: SimProcess, events: bool, changes: int = 20, scale: float = 1.0,
                      seed: int = 9, offset: int = 0, events_seconds: float | None = None) -> Latency:
    """Overwrite ``changes`` numbers at random moments spread over about one numbers interval
    (the same moments in every mode), each a number of its own, and time each one to its
    finding. ``events_seconds`` replaces the shipped Monitor Events interval (before scaling)."""
    env = scaled_schedule(scale) | {
        "FLEX_WATCHDOG_EVENTS__MONITOR_ENABLED": str(events).lower(),
        "FLEX_WATCHDOG_EVENTS__ALERTS_ENABLED": "false"}
    if events_seconds is not None:
        env["FLEX_WATCHDOG_SCHEDULE__EVENTS_SECONDS"] = f"{events_seconds * scale:g}"
    interval = ScheduleSettings().numbers_seconds * scale
    targets = flex_numbers(sim, changes, offset)
    client = Client(sim.account_sid, sim.auth_token, http_client=BareHttpClient(sim.url))
    numbers = client.api.v2010.accounts(sim.account_sid).incoming_phone_numbers
    rng = random.Random(seed)
    made: list[tuple[str, int, float]] = []
    with DaemonProcess(sim, env) as daemon:
        daemon.wait_for(READY, timeout=300)
        for sid in targets:
            time.sleep(rng.uniform(0, 2 * interval / changes))
            mark = daemon.mark()
            changed = time.monotonic()
            numbers(sid).update(sms_url="https://example.com/bench-overwrite")
            made.append((sid, mark, changed))
        seconds = [daemon.wait_for(f"finding opened: {RULE} {sid}", 3 * interval + 120, mark)
                   - changed for sid, mark, changed in made]
    mode = "Monitor Events feed" if events else "polling only"
    if events_seconds is not None:
        mode += f", events every {events_seconds:g} s"
    ran_at = (events_seconds or ScheduleSettings().events_seconds) * scale if events else None
    return Latency(mode, seconds, ran_at)
