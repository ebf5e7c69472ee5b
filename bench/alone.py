"""A change read alone: the requests and the time of ``Watcher.refresh`` for one number (its
SMS webhook overwritten), one published Studio flow and one draft, next to a poll of the whole
numbers family, on a warm watcher against the benchmark's account."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from twilio.rest import Client

from bench.measure import T0, BareHttpClient, bench_settings
from bench.simproc import SimProcess
from watchdog.daemon.app import build_watcher
from watchdog.model.results import Trigger

TRIGGER = Trigger("refresh", ("bench",))


@dataclass(frozen=True)
class Alone:
    number_requests: int
    number_seconds: float
    number_found: bool  # the overwrite opened its finding from the one read
    flow_requests: int
    draft_requests: int | None  # None: the account has no draft flow
    family_requests: int
    family_seconds: float


def measure_read_alone(sim: SimProcess, workdir: Path) -> Alone:
    watcher = build_watcher(bench_settings(sim, workdir / f"alone-{sim.numbers}.db"))
    try:
        watcher.poll(T0)
        client = Client(sim.account_sid, sim.auth_token, http_client=BareHttpClient(sim.url))
        latest = watcher.latest
        assert latest is not None
        number = next(r.sid for r in latest.of_type("phone_number")
                      if "/Proxy/" in (r.get("sms_url") or ""))
        client.api.v2010.accounts(sim.account_sid).incoming_phone_numbers(number).update(
            sms_url="https://example.com/bench-alone")
        started = time.perf_counter()
        done = watcher.refresh(T0 + timedelta(seconds=10), [number], TRIGGER)
        number_seconds = time.perf_counter() - started
        found = done.result is not None and any(f.resource_sid == number
                                                for f in done.result.opened)
        flows = latest.of_type("studio_flow")
        published = next(f.sid for f in flows if f.get("status") != "draft")
        flow = watcher.refresh(T0 + timedelta(seconds=20), [published], TRIGGER)
        draft_sid = next((f.sid for f in flows if f.get("status") == "draft"), None)
        draft = (watcher.refresh(T0 + timedelta(seconds=30), [draft_sid], TRIGGER)
                 if draft_sid else None)
        started = time.perf_counter()
        family = watcher.poll(T0 + timedelta(seconds=40), ("numbers",))
        family_seconds = time.perf_counter() - started
        return Alone(done.requests, number_seconds, found, flow.requests,
                     draft.requests if draft else None, family.api_requests, family_seconds)
    finally:
        watcher.store.close()
