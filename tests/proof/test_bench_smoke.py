"""The benchmark script keeps working: ``python -m bench.perf`` at a very small size (not timed)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow


def test_perf_script_prints_every_table_at_a_tiny_size():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "FLEX_WATCHDOG_"))}
    proc = subprocess.run(
        [sys.executable, "-m", "bench.perf", "--sizes", "60,120", "--studio-flows", "4",
         "--flex-flows", "10", "--warm", "2", "--changes", "1", "--scale", "0.02",
         "--latency-scale", "0.02", "--events-seconds", "10",
         "--cycles", "12", "--oneshot-runs", "1"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    for heading in ("warm/min (<=1.10)", "warm cycle s", "ratio (<=1)", "ratio (<=1.5)",
                    "routes / warm cycle (<10%)", "daemon peak RSS MB (<=100)",
                    "after a restart MB", "check - start-up s", "start-up (flex-watchdog --help",
                    "profile of a warm check at 120 numbers",
                    "p50 polling only / p50 Monitor Events feed =",
                    "p50 polling only / p50 Monitor Events feed, events every 10 s =",
                    "half the events interval", "number requests (1)", "goal (<=2)",
                    "p50 Event Streams push (Debugger 11200) =",
                    "state KiB (db+wal+shm)", "goals missed:"):
        assert heading in out, out
    requests = next(line.split() for line in out.splitlines() if line.startswith("120 "))
    cold, cold_min, warm, warm_min = (int(x) for x in requests[1:5])
    assert (cold, warm) == (cold_min, warm_min), "no request beyond the minimum"
    lines = out.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("read alone at"))
    alone = lines[head + 3].split()  # head, rule, 60 numbers, 120 numbers
    assert alone[:3] == ["120", "1", "met"], "one request reads a number alone, and judges it"
    cpu = next(line.split() for line in lines if line.startswith("120 ") and "%" in line)
    assert int(cpu[6].replace(",", "")) > 0 and cpu[8].endswith("%"), "every route timed"


def test_fleet_benchmark_runs_at_a_tiny_size():
    from bench.fleet import run

    text, missed = run(accounts=3, numbers=6, warm=1)
    lines = text.splitlines()
    assert lines[0].split()[:2] == ["accounts", "numbers"]
    row = next(line.split() for line in lines if line.startswith("3 "))
    requests, minimum = int(row[7]), int(row[8])
    assert requests == minimum, "no request beyond the minimum in a warm round"
    assert "growth" not in text  # one size only below 20 accounts
    assert isinstance(missed, list)
