"""The benchmark: ``python -m bench.perf`` (from the repository root) prints the figures as tables.

Against ``large(numbers, 300 Studio flows, 500 Flex Flows)`` served from a separate process, at
each size (default 1,000 and 10,000 numbers), measured in one run:

* Twilio requests per cold and warm cycle next to the minimum possible (list pages at the largest
  page size each API allows, plus one definition fetch per new or changed Studio flow);
* CPU seconds per warm cycle (``Watcher.poll``) next to the bare twilio SDK reading the same pages,
  and of computing every route in it (entry points traced, findings' impact) as a share of it;
* the peak RSS of ``flex-watchdog run`` through its start-up poll and a few scheduled polls, on
  an empty state file and again restarted on the state file its first life left;
* ``flex-watchdog --help`` (start-up) and a warm ``check`` as fresh processes: check's CPU with
  start-up subtracted next to the bare SDK reading the same pages, and the top of its profile;
* a change read alone (``Watcher.refresh``): the requests for one number (goal 1) and one Studio
  flow with its definition (goal at most 2), next to a poll of the numbers family;
* at the largest size: detection latency of an overwritten SMS webhook, polling only vs with the
  Monitor Events feed (p50 and max; the shipped intervals times ``--latency-scale``, 1 by
  default: the goal is stated at the shipped intervals), and with Event Streams push only (set
  up by ``flex-watchdog events setup``; a customer texting the broken number is a Debugger
  entry pushed to the daemon; changes spaced by up to 6 s x ``--latency-scale``);
* the state file over ``--cycles`` fast cycles against a small world with churn.

``--accounts N --numbers M`` runs the fleet benchmark instead (``bench/fleet.py``).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.alone import Alone, measure_read_alone
from bench.daemonproc import peak_rss
from bench.growth import Sample, state_growth
from bench.latency import Latency, detection_latency
from bench.measure import Cycles, measure_cycles
from bench.oneshot import OneShot, measure_oneshot
from bench.push import push_latency
from bench.simproc import SimProcess, minimum_requests
from bench.tables import render
from watchdog.simulator.pagerduty_fake import FakePagerDuty

GOALS = {"warm requests / minimum": 1.10, "CPU ratio": 1.0, "RSS MB": 100.0, "latency ratio": 10.0,
         "check CPU ratio": 1.5, "start-up s": 0.3, "from half the events interval s": 1.0,
         "number read alone": 1, "flow read alone": 2, "push p50 s": 1.0,
         "routes share of a warm cycle": 0.10}


@dataclass
class Size:
    numbers: int
    cycles: Cycles
    cold_min: int
    warm_min: int
    rss_mb: float | None
    restart_rss_mb: float | None
    oneshot: OneShot
    alone: Alone


def measure_size(numbers: int, args: argparse.Namespace, workdir: Path) -> tuple[Size, list[Latency]]:
    latencies: list[Latency] = []
    with SimProcess(numbers, args.studio_flows, args.flex_flows) as sim:
        cycles = measure_cycles(sim, workdir, warm=args.warm)
        oneshot = measure_oneshot(sim, workdir, runs=args.oneshot_runs)
        rss, restart = (None, None) if args.no_daemon else peak_rss(sim, scale=args.scale)
        alone = measure_read_alone(sim, workdir)
        if numbers == max(args.sizes) and args.changes and not args.no_daemon:
            scale = args.latency_scale
            latencies = [detection_latency(sim, False, args.changes, scale, offset=0),
                         detection_latency(sim, True, args.changes, scale,
                                           offset=args.changes)]
            if args.events_seconds:  # a candidate default, next to the shipped one
                latencies.append(detection_latency(sim, True, args.changes, scale,
                                                   offset=2 * args.changes,
                                                   events_seconds=args.events_seconds))
            latencies.append(push_latency(sim, args.changes, scale, spacing=6 * scale,
                                          offset=3 * args.changes))
        size = Size(numbers, cycles, minimum_requests(sim.inventory, args.studio_flows),
                    minimum_requests(sim.inventory, 0), rss, restart, oneshot, alone)
    return size, latencies


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def requests_table(sizes: list[Size]) -> str:
    rows = []
    for s in sizes:
        warm = max(s.cycles.warm_requests)
        ratio = warm / s.warm_min
        rows.append((f"{s.numbers:,}", s.cycles.cold_requests, s.cold_min, warm, s.warm_min,
                     f"{ratio:.2f}", verdict(ratio <= GOALS["warm requests / minimum"])))
    return render(("numbers", "cold", "cold min", "warm", "warm min", "warm/min (<=1.10)", "goal"),
                  rows)


def cpu_table(sizes: list[Size]) -> str:
    rows = []
    limit = GOALS["routes share of a warm cycle"]
    for s in sizes:
        c = s.cycles
        ratio = c.warm_cpu_median / c.bare_cpu_median
        share = routes_share(c)
        rows.append((f"{s.numbers:,}", f"{c.cold_cpu:.3f}", f"{c.warm_cpu_median:.3f}",
                     f"{c.bare_cpu_median:.3f}", f"{ratio:.2f}", verdict(ratio <= GOALS["CPU ratio"]),
                     f"{c.entry_points:,}", f"{c.routes_cpu_median:.3f}", f"{share:.1%}",
                     verdict(share < limit)))
    return render(("numbers", "cold cycle s", "warm cycle s", "bare SDK s",
                   f"ratio (<={GOALS['CPU ratio']:g})", "goal", "entry points", "every route s",
                   f"routes / warm cycle (<{limit:.0%})", "goal"), rows)


def routes_share(c: Cycles) -> float:
    """The routes' CPU as a share of the warm cycle that computed them (medians)."""
    return c.routes_cpu_median / c.warm_cpu_median


def memory_table(sizes: list[Size]) -> str:
    limit = GOALS["RSS MB"]
    rows = [(f"{s.numbers:,}", f"{s.rss_mb:.0f}", verdict(s.rss_mb <= limit),
             f"{s.restart_rss_mb:.0f}", verdict(s.restart_rss_mb <= limit),
             f"{s.cycles.state_bytes / 1e6:.1f}")
            for s in sizes if s.rss_mb is not None and s.restart_rss_mb is not None]
    return render(("numbers", f"daemon peak RSS MB (<={limit:g})", "goal",
                   "after a restart MB", "goal", "state file MB"), rows)


def oneshot_table(sizes: list[Size]) -> str:
    rows = []
    for s in sizes:
        o = s.oneshot
        ratio = o.check_cost / s.cycles.bare_cpu_median
        rows.append((f"{s.numbers:,}", f"{o.check_cpu:.3f}", f"{o.help_cpu:.3f}",
                     f"{o.check_cost:.3f}", f"{s.cycles.bare_cpu_median:.3f}", f"{ratio:.2f}",
                     verdict(ratio <= GOALS["check CPU ratio"])))
    text = render(("numbers", "warm check CPU s", "start-up CPU s", "check - start-up s",
                   "bare SDK s", f"ratio (<={GOALS['check CPU ratio']:g})", "goal"), rows)
    o = sizes[-1].oneshot
    limit = GOALS["start-up s"]
    text += (f"\nstart-up (flex-watchdog --help, a fresh process): {o.help_wall:.2f} s wall "
             f"(<={limit:g}) {verdict(o.help_wall <= limit)}, {o.help_cpu:.2f} s CPU, "
             f"{o.help_rss:.0f} MB peak RSS")
    profile = render(("function", "own s", "cumulative s"),
                     [(where, f"{own:.3f}", f"{cum:.3f}") for where, own, cum in o.profile])
    text += (f"\nprofile of a warm check at {sizes[-1].numbers:,} numbers (CPU clock), top by "
             f"own time:\n{profile}")
    return text


def growth_lines(sizes: list[Size]) -> list[str]:
    if len(sizes) < 2:
        return []
    a, b = sizes[0], sizes[-1]
    factor = b.numbers / a.numbers
    req = max(b.cycles.warm_requests) / max(a.cycles.warm_requests)
    cpu = b.cycles.warm_cpu_median / a.cycles.warm_cpu_median
    shape = "linear or better" if cpu <= factor * 1.1 else "WORSE than linear"
    return [f"growth {a.numbers:,} -> {b.numbers:,} numbers (x{factor:g}): warm requests "
            f"x{req:.2f}, warm CPU x{cpu:.2f} ({shape})"]


def alone_table(sizes: list[Size]) -> str:
    rows = []
    for s in sizes:
        a = s.alone
        rows.append((f"{s.numbers:,}", a.number_requests,
                     verdict(a.number_requests <= GOALS["number read alone"] and a.number_found),
                     f"{a.number_seconds:.2f}", a.flow_requests,
                     "-" if a.draft_requests is None else a.draft_requests,
                     verdict(max(a.flow_requests, a.draft_requests or 0)
                             <= GOALS["flow read alone"]),
                     a.family_requests, f"{a.family_seconds:.2f}"))
    return render(("read alone at", "number requests (1)", "goal", "number judged s",
                   "flow requests", "draft flow requests", "goal (<=2)", "numbers poll requests",
                   "numbers poll s"), rows)


def half_events(lat: Latency) -> float:
    """Half the Monitor Events interval the mode ran at (the expected wait for the next read)."""
    return lat.events_seconds / 2 if lat.events_seconds else 0.0


def latency_table(latencies: list[Latency], numbers: int, scale: float) -> str:
    rows = [(lat.mode, f"{lat.p50:.2f}", f"{lat.max:.2f}", len(lat.seconds)) for lat in latencies]
    text = render((f"detection at {numbers:,} numbers, intervals x{scale:g}", "p50 s", "max s",
                   "changes"), rows)
    near = GOALS["from half the events interval s"]
    for lat in latencies[1:]:
        if lat.pushed:
            limit = GOALS["push p50 s"]
            text += (f"\np50 {lat.mode} = {lat.p50:.2f} s (<{limit:g}) "
                     f"{verdict(lat.p50 < limit)}")
            continue
        ratio = latencies[0].p50 / lat.p50
        text += (f"\np50 polling only / p50 {lat.mode} = {ratio:.2f} (>={GOALS['latency ratio']:g}) "
                 f"{verdict(ratio >= GOALS['latency ratio'])}")
        off = abs(lat.p50 - half_events(lat))
        text += (f"\np50 {lat.mode} {lat.p50:.2f} s, half the events interval "
                 f"{half_events(lat):.2f} s: {off:.2f} s apart (<={near:g}) {verdict(off <= near)}")
    return text


def growth_table(samples: list[Sample]) -> str:
    rows = [(s.cycle, s.kib, s.findings, s.heals, s.outbox) for s in samples]
    return render(("cycles", "state KiB (db+wal+shm)", "findings rows", "heal rows", "outbox rows"),
                  rows)


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.perf", description=__doc__.split("\n")[0])
    p.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], default=[1000, 10000])
    p.add_argument("--studio-flows", type=int, default=300)
    p.add_argument("--flex-flows", type=int, default=500)
    p.add_argument("--warm", type=int, default=7, help="warm cycles measured (median CPU)")
    p.add_argument("--changes", type=int, default=20, help="overwrites timed per latency mode")
    p.add_argument("--scale", type=float, default=0.1,
                   help="factor on the shipped intervals for the RSS runs")
    p.add_argument("--latency-scale", type=float, default=1.0,
                   help="factor on the shipped intervals for detection latency")
    p.add_argument("--events-seconds", type=float, default=0.0,
                   help="also time a candidate Monitor Events interval (0: skip)")
    p.add_argument("--cycles", type=int, default=1000, help="cycles of the state-file run")
    p.add_argument("--oneshot-runs", type=int, default=5,
                   help="fresh --help and warm check processes measured (median CPU)")
    p.add_argument("--no-daemon", action="store_true", help="skip RSS and latency")
    p.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    p.add_argument("--accounts", type=int, default=0,
                   help="the fleet benchmark instead: one process over this many accounts "
                        "(and 20), each of --numbers numbers (bench/fleet.py)")
    p.add_argument("--numbers", type=int, default=50, help="numbers of each fleet account")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    logging.basicConfig(level=logging.CRITICAL)
    started = time.monotonic()
    if args.accounts:
        from bench.fleet import run as run_fleet

        text, missed = run_fleet(args.accounts, args.numbers, max(1, min(args.warm, 3)))
        print(f"flex-watchdog fleet benchmark: {args.accounts} accounts of {args.numbers} "
              f"numbers in one process ({time.monotonic() - started:.0f} s)\n")
        print(text)
        print("\ngoals missed: " + (", ".join(missed) if missed else "none"))
        return 1 if args.strict and missed else 0
    sizes: list[Size] = []
    latencies: list[Latency] = []
    with tempfile.TemporaryDirectory(prefix="bench-perf-") as tmp:
        for numbers in args.sizes:
            size, found = measure_size(numbers, args, Path(tmp))
            sizes.append(size)
            latencies += found
        with FakePagerDuty(cert_dir=tmp) as fake:
            os.environ["SSL_CERT_FILE"] = str(fake.ca_file)
            marks = tuple(sorted({min(10, args.cycles), min(100, args.cycles), args.cycles}))
            samples = state_growth(fake, args.cycles, marks=marks)
    print(f"flex-watchdog benchmark: {args.studio_flows} Studio flows, {args.flex_flows} Flex "
          f"Flows; intervals x{args.scale:g} for the daemon ({time.monotonic() - started:.0f} s)\n")
    sections = [requests_table(sizes), cpu_table(sizes), oneshot_table(sizes)]
    sections += [memory_table(sizes)] if not args.no_daemon else []
    sections += ["\n".join(growth_lines(sizes))] if len(sizes) > 1 else []
    sections.append(alone_table(sizes))
    sections += [latency_table(latencies, max(args.sizes), args.latency_scale)] if latencies else []
    sections.append(growth_table(samples))
    print("\n\n".join(sections))
    missed = _missed(sizes, latencies)
    print("\ngoals missed: " + (", ".join(missed) if missed else "none"))
    return 1 if args.strict and missed else 0


def _missed(sizes: list[Size], latencies: list[Latency]) -> list[str]:
    big = sizes[-1]
    out = []
    if max(big.cycles.warm_requests) / big.warm_min > GOALS["warm requests / minimum"]:
        out.append("warm requests")
    if big.cycles.warm_cpu_median / big.cycles.bare_cpu_median > GOALS["CPU ratio"]:
        out.append("CPU ratio")
    if big.rss_mb is not None and big.rss_mb > GOALS["RSS MB"]:
        out.append("peak RSS")
    if big.restart_rss_mb is not None and big.restart_rss_mb > GOALS["RSS MB"]:
        out.append("peak RSS after a restart")
    if routes_share(big.cycles) >= GOALS["routes share of a warm cycle"]:
        out.append("routes CPU")
    if big.oneshot.check_cost / big.cycles.bare_cpu_median > GOALS["check CPU ratio"]:
        out.append("check CPU ratio")
    if big.oneshot.help_wall > GOALS["start-up s"]:
        out.append("start-up")
    if len(latencies) >= 2 and latencies[0].p50 / latencies[1].p50 < GOALS["latency ratio"]:
        out.append("detection latency ratio")
    if len(latencies) >= 2 and (abs(latencies[1].p50 - half_events(latencies[1]))
                                > GOALS["from half the events interval s"]):
        out.append("detection latency near half the events interval")
    a = big.alone
    if a.number_requests > GOALS["number read alone"] or not a.number_found:
        out.append("number read alone")
    if max(a.flow_requests, a.draft_requests or 0) > GOALS["flow read alone"]:
        out.append("flow read alone")
    if any(lat.pushed and lat.p50 >= GOALS["push p50 s"] for lat in latencies):
        out.append("push detection p50")
    return out


if __name__ == "__main__":
    sys.exit(main())
