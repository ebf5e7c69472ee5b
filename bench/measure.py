"""In-process figures: requests and CPU seconds of flex-watchdog's cycles, and of the bare twilio
SDK listing the same pages (the unavoidable cost). The simulator runs in another process."""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from bench.simproc import SimProcess
from watchdog.cycle import Watcher
from watchdog.daemon.app import build_watcher
from watchdog.model.results import CycleResult
from watchdog.settings import Settings
from watchdog.twilio_api import rewrite_url

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@dataclass
class Cycles:
    cold_requests: int = 0
    cold_cpu: float = 0.0
    warm_requests: list[int] = field(default_factory=list)
    warm_cpu: list[float] = field(default_factory=list)
    bare_requests: int = 0
    bare_cpu: list[float] = field(default_factory=list)
    state_bytes: int = 0
    routes_cpu: list[float] = field(default_factory=list)  # every route, in each warm cycle
    entry_points: int = 0

    @property
    def warm_cpu_median(self) -> float:
        return statistics.median(self.warm_cpu)

    @property
    def routes_cpu_median(self) -> float:
        return statistics.median(self.routes_cpu)

    @property
    def bare_cpu_median(self) -> float:
        return statistics.median(self.bare_cpu)


def bench_settings(sim: SimProcess, state_path: Path, **overrides: Any) -> Settings:
    """Shipped defaults except the pace (the simulator has no rate limit to respect)."""
    values: dict[str, Any] = dict(account_sid=sim.account_sid, auth_token=sim.auth_token,
                                  twilio_base_url=sim.url, state_path=state_path,
                                  twilio={"requests_per_second": 100_000})
    return Settings(**(values | overrides))


def measure_cycles(sim: SimProcess, workdir: Path, warm: int = 7) -> Cycles:
    """One cold cycle (empty state), then ``warm`` cycles with nothing changed, each next to
    the bare SDK reading the same pages."""
    settings = bench_settings(sim, workdir / f"bench-{sim.numbers}.db")
    watcher = build_watcher(settings)
    http = BareHttpClient(sim.url)
    bare = Client(sim.account_sid, sim.auth_token, http_client=http)
    out = Cycles()
    clock = RoutesClock(watcher)
    out.cold_requests, out.cold_cpu, _ = _poll(watcher, T0)
    for minute in range(1, warm + 1):  # interleaved, so both see the same machine load
        requests, cpu, result = _poll(watcher, T0 + timedelta(minutes=minute))
        out.warm_requests.append(requests)
        out.warm_cpu.append(cpu)
        out.routes_cpu.append(clock.seconds)
        out.entry_points = int(result.reach.get("total", 0))
        out.bare_requests, bare_cpu = _bare(bare, http, sim)
        out.bare_cpu.append(bare_cpu)
    watcher.store.close()
    out.state_bytes = sum(p.stat().st_size for p in workdir.glob(f"bench-{sim.numbers}.db*"))
    return out


def _poll(watcher: Watcher, now: datetime) -> tuple[int, float, CycleResult]:
    started = time.process_time()
    result = watcher.poll(now)
    cpu = time.process_time() - started
    if result.unknown:
        raise RuntimeError(f"benchmark cycle incomplete: {[s.error for s in result.unknown]}")
    return result.api_requests, cpu, result


class RoutesClock:
    """CPU seconds of the route step inside each of the watcher's polls (``Watcher._impact``:
    every entry point traced, every finding's impact, the reach), timed where the cycle runs it."""

    def __init__(self, watcher: Watcher) -> None:
        self.seconds = 0.0
        step = watcher._impact

        def timed(*args: Any) -> Any:
            started = time.process_time()
            try:
                return step(*args)
            finally:
                self.seconds = time.process_time() - started

        setattr(watcher, "_impact", timed)  # noqa: B010 (the bench times the cycle's own step)


class BareHttpClient(TwilioHttpClient):
    """The SDK's own HTTP client, only pointed at the simulator, counting requests."""

    def __init__(self, base_url: str) -> None:
        super().__init__(timeout=30)
        self.base_url, self.requests = base_url, 0

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        self.requests += 1
        return super().request(method, rewrite_url(url, self.base_url), *args, **kwargs)


def _bare(client: Client, http: BareHttpClient, sim: SimProcess) -> tuple[int, float]:
    """Requests and CPU seconds of the bare SDK reading every page a warm cycle reads."""
    http.requests = 0
    started = time.process_time()
    records = sum(1 for _ in bare_listing(client, sim.account_sid))
    cpu = time.process_time() - started
    assert records > sim.numbers
    return http.requests, cpu


def _pages(lister: Any, size: int) -> Iterator[Any]:
    page = lister.page(page_size=size)
    while page is not None:
        yield from page
        page = page.next_page() if page.next_page_url else None


def bare_listing(client: Client, account_sid: str) -> Iterator[Any]:
    """The pages flex-watchdog's fetchers read, read with nothing but the SDK."""
    yield client.flex_api.v1.configuration().fetch()
    yield from _pages(client.flex_api.v1.flex_flow, 1000)
    yield from _pages(client.chat.v2.services, 100)
    services = list(_pages(client.proxy.v1.services, 1000))
    yield from services
    for service in services:
        if service.unique_name == "Flex Proxy Service" or service.chat_instance_sid:
            yield from _pages(client.proxy.v1.services(service.sid).phone_numbers, 1000)
    workspaces = list(_pages(client.taskrouter.v1.workspaces, 1000))
    yield from workspaces
    for ws in workspaces:
        yield from _pages(client.taskrouter.v1.workspaces(ws.sid).workflows, 1000)
        yield from client.taskrouter.v1.workspaces(ws.sid).task_channels.page(page_size=1000)
        yield from _pages(client.taskrouter.v1.workspaces(ws.sid).task_queues, 1000)
    yield from _pages(client.studio.v2.flows, 1000)
    yield from _pages(client.api.v2010.accounts(account_sid).incoming_phone_numbers, 1000)
    yield from _pages(client.conversations.v1.address_configurations, 50)
    yield from _conversations_listing(client)


def _conversations_listing(client: Client) -> Iterator[Any]:
    """The Conversations, Messaging, WhatsApp and live families' reads."""
    v1 = client.conversations.v1
    config = v1.configuration().fetch()
    yield config
    yield v1.configuration.webhooks().fetch()
    services = list(_pages(v1.services, 100))
    yield from services
    default = config.default_chat_service_sid
    if default and any(s.sid == default for s in services):
        yield v1.services(default).configuration().fetch()
        yield v1.services(default).configuration.webhooks().fetch()
        yield from _pages(v1.services(default).roles, 50)
    messaging = list(_pages(client.messaging.v1.services, 1000))
    yield from messaging
    for service in messaging:
        yield from _pages(client.messaging.v1.services(service.sid).phone_numbers, 1000)
    yield from client.messaging.v2.channels_senders.page(page_size=1000, channel="whatsapp")
    # the live family reads both Configurations itself
    live = v1.configuration().fetch().default_chat_service_sid
    if live:
        yield from v1.services(live).conversations.page(page_size=100, state="active")
    workspace = client.flex_api.v1.configuration().fetch().taskrouter_workspace_sid
    if workspace:
        yield from client.taskrouter.v1.workspaces(workspace).tasks.page(
            page_size=1000, assignment_status=["pending", "reserved", "assigned", "wrapping"])
