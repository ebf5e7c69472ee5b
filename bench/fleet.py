"""The fleet benchmark: ``python -m bench.perf --accounts 200 --numbers 50``.

One process builds the daemon ``flex-watchdog run`` builds for a fleet (a daemon per account on
one registry) over N accounts of ``large(numbers, 5 Studio flows, 5 Flex Flows)`` served from a
separate simulator process, and runs rounds of polls by hand (a round: every family of every
account once, through the daemon's own jobs, so metrics, observers and the healer all run):

* peak RSS of the process after the rounds (``ru_maxrss``), goal under 400 MB at 200 accounts;
* CPU seconds per warm round next to the bare twilio SDK reading the same pages of every
  account, goal under 1.5x;
* requests per warm round next to the minimum (list pages at the largest page size);
* the growth from the smallest fleet to the largest: memory per account (RSS above the
  interpreter's) and CPU per account next to the bare SDK's in the same process (a bigger heap
  costs every Python program more per object), which must not grow (linear or better).
"""

from __future__ import annotations

import gc
import os
import resource
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twilio.rest import Client

from bench.measure import BareHttpClient, bare_listing
from bench.simproc import FleetProcess, minimum_requests
from bench.tables import render
from watchdog.accounts import fleet
from watchdog.daemon.app import build_fleet
from watchdog.model.snapshot import FAMILIES
from watchdog.settings import Settings

GOALS = {"RSS MB": 400.0, "CPU ratio": 1.5, "growth": 1.15}


@dataclass
class Round:
    accounts: int
    numbers: int
    rss_mb: float
    baseline_rss_mb: float
    cold_cpu: float
    warm_cpu: float
    warm_requests: int
    minimum: int
    bare_cpu: float
    bare_requests: int


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_fleet(accounts: int, numbers: int, warm: int, workdir: Path) -> Round:
    base = rss_mb()
    with FleetProcess(accounts, numbers) as sim:
        env = {f"BENCH_TOKEN_{i}": a["token"] for i, a in enumerate(sim.served)}
        entries = [{"name": f"acct-{i:03d}", "account_sid": a["account_sid"],
                    "credentials": {"auth_token_env": f"BENCH_TOKEN_{i}"}}
                   for i, a in enumerate(sim.served)]
        (workdir / "state").mkdir(parents=True, exist_ok=True)
        settings = Settings(twilio_base_url=sim.url, state_dir=workdir / "state", accounts=entries,
                            twilio={"requests_per_second": 100_000},
                            http={"host": "127.0.0.1", "port": 0})
        os.environ.update(env)
        fleet_ = build_fleet(settings, fleet(settings))
        daemons = list(fleet_.daemons.values())
        cold = _round(daemons)[0]
        warm_cpu, warm_requests = [], []
        for _ in range(warm):
            cpu, requests = _round(daemons)
            warm_cpu.append(cpu)
            warm_requests.append(requests)
        bare_cpu, bare_requests = _bare(sim)
        minimum = sum(minimum_requests(a["inventory"], 0) for a in sim.served)
        gc.collect()
        peak = rss_mb()
        for daemon in daemons:
            daemon.watcher.store.close()
    return Round(accounts, numbers, peak, base, cold, statistics.median(warm_cpu),
                 max(warm_requests), minimum, bare_cpu, bare_requests)


def _round(daemons: list[Any]) -> tuple[float, int]:
    """Every family of every account once, through each daemon's own poll job."""
    before = sum(d.watcher.access.stats.total() for d in daemons)
    started = time.process_time()
    for daemon in daemons:
        daemon.jobs.poll("bench", FAMILIES)
    cpu = time.process_time() - started
    for daemon in daemons:
        latest = daemon.watcher.latest
        if latest is None or not all(latest.complete(f) for f in FAMILIES):
            raise RuntimeError(f"benchmark round incomplete for {daemon.metrics.account}")
    return cpu, sum(d.watcher.access.stats.total() for d in daemons) - before


def _bare(sim: FleetProcess) -> tuple[float, int]:
    """CPU seconds and requests of the bare SDK reading every account's pages once."""
    clients = []
    for served in sim.served:
        http = BareHttpClient(sim.url)
        clients.append((Client(served["account_sid"], served["token"], http_client=http), http,
                        served["account_sid"]))
    started = time.process_time()
    for client, _, sid in clients:
        sum(1 for _ in bare_listing(client, sid))
    return time.process_time() - started, sum(http.requests for _, http, _ in clients)


def report(rounds: list[Round]) -> tuple[str, list[str]]:
    """The fleet tables, and the goals missed."""
    rows = []
    for r in rounds:
        rows.append([str(r.accounts), str(r.numbers), f"{r.rss_mb:.0f}",
                     f"{r.cold_cpu:.2f}", f"{r.warm_cpu:.2f}", f"{r.bare_cpu:.2f}",
                     f"{r.warm_cpu / r.bare_cpu:.2f}", str(r.warm_requests), str(r.minimum),
                     f"{r.warm_requests / r.minimum:.2f}"])
    table = render(["accounts", "numbers each", "peak RSS MB", "cold round CPU s",
                    "warm round CPU s", "bare SDK CPU s", "CPU ratio", "requests / round",
                    "minimum", "requests / minimum"], rows)
    big, small = rounds[-1], rounds[0]
    lines = [table]
    missed = []
    if big.rss_mb > GOALS["RSS MB"]:
        missed.append("fleet peak RSS")
    if big.warm_cpu / big.bare_cpu > GOALS["CPU ratio"]:
        missed.append("fleet CPU ratio")
    if len(rounds) > 1:
        cpu_small, cpu_big = small.warm_cpu / small.accounts, big.warm_cpu / big.accounts
        bare_small, bare_big = small.bare_cpu / small.accounts, big.bare_cpu / big.accounts
        mem_small = (small.rss_mb - small.baseline_rss_mb) / small.accounts
        mem_big = (big.rss_mb - small.baseline_rss_mb) / big.accounts
        cpu_growth, bare_growth = cpu_big / cpu_small, bare_big / bare_small
        lines.append(
            f"growth {small.accounts} -> {big.accounts} accounts, per account and round: CPU "
            f"{cpu_small * 1000:.1f} -> {cpu_big * 1000:.1f} ms (x{cpu_growth:.2f}; the bare SDK "
            f"in the same process {bare_small * 1000:.1f} -> {bare_big * 1000:.1f} ms, "
            f"x{bare_growth:.2f}), memory {mem_small:.2f} -> {mem_big:.2f} MB "
            f"(x{mem_big / mem_small:.2f})")
        lines.append(f"goal: linear or better: memory per account and CPU per account next to "
                     f"the bare SDK's grow by x{GOALS['growth']:g} at most "
                     f"(here x{mem_big / mem_small:.2f} and x{cpu_growth / bare_growth:.2f})")
        if cpu_growth / bare_growth > GOALS["growth"] or mem_big / mem_small > GOALS["growth"]:
            missed.append("fleet growth")
    return "\n".join(lines), missed


def run(accounts: int, numbers: int, warm: int = 3) -> tuple[str, list[str]]:
    sizes = sorted({min(20, accounts), accounts})
    rounds = []
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="bench-fleet-") as tmp:
            rounds.append(measure_fleet(size, numbers, warm, Path(tmp)))
    return report(rounds)
