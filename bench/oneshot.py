"""``flex-watchdog`` as a user runs it, each time a fresh process: start-up (``--help``) and a warm
``check`` of the benchmark's account. CPU seconds are the child's own (user + system, as the
kernel accounts them), peak RSS its high-water mark; ``check``'s cost is its CPU less the
start-up's. One more warm ``check`` runs under cProfile (CPU clock) for its top functions.

``python -m bench.oneshot [--profile] ARGS...`` is one such process: ``flex-watchdog ARGS`` run
in it, then, on standard error, one JSON line with its peak RSS (VmHWM: the kernel's rusage
would count the benchmark's own memory, forked before the exec) and the profile's top functions.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # not imported in the measured process
    from bench.simproc import SimProcess

TOP = 8  # profile lines reported


@dataclass
class Run:
    cpu: float
    wall: float
    rss_mb: float


@dataclass
class OneShot:
    help_runs: list[Run] = field(default_factory=list)
    check_runs: list[Run] = field(default_factory=list)
    profile: list[tuple[str, float, float]] = field(default_factory=list)  # where, own s, cum s

    @property
    def help_wall(self) -> float:
        return statistics.median(r.wall for r in self.help_runs)

    @property
    def help_cpu(self) -> float:
        return statistics.median(r.cpu for r in self.help_runs)

    @property
    def help_rss(self) -> float:
        return max(r.rss_mb for r in self.help_runs)

    @property
    def check_cpu(self) -> float:
        return statistics.median(r.cpu for r in self.check_runs)

    @property
    def check_cost(self) -> float:
        """A warm check's CPU with the start-up subtracted."""
        return self.check_cpu - self.help_cpu


def cli_env(sim: SimProcess, state: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "FLEX_WATCHDOG_"))}
    return env | {"TWILIO_ACCOUNT_SID": sim.account_sid, "TWILIO_AUTH_TOKEN": sim.auth_token,
                  "FLEX_WATCHDOG_TWILIO_BASE_URL": sim.url,
                  "FLEX_WATCHDOG_STATE_PATH": str(state),
                  "FLEX_WATCHDOG_TWILIO__REQUESTS_PER_SECOND": "100000"}


def run_cli(args: list[str], env: dict[str, str], profile: bool = False) -> tuple[Run, Any]:
    """One fresh process: its CPU, wall time and peak RSS, and the profile if asked for."""
    started = time.monotonic()
    wrapper = ["-m", "bench.oneshot"] + (["--profile"] if profile else [])
    proc = subprocess.Popen([sys.executable, *wrapper, *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    err = proc.stderr.read()  # until it exits: the pipe never fills
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    if proc.returncode not in (0, 1):  # 1: findings; anything else is a failed measurement
        raise RuntimeError(f"flex-watchdog {' '.join(args)} exited {proc.returncode}:\n{err}")
    report = json.loads(err.strip().splitlines()[-1])
    return Run(usage.ru_utime + usage.ru_stime, wall, report["hwm_mb"]), report.get("profile")


def measure_oneshot(sim: SimProcess, workdir: Path, runs: int = 5) -> OneShot:
    out = OneShot()
    env = cli_env(sim, workdir / f"check-{sim.numbers}.db")
    check = ["check", "--quiet", "--format", "json"]
    run_cli(check, env)  # cold: the state file is made, the baseline adopted
    for _ in range(runs):  # interleaved, so both see the same machine load
        out.help_runs.append(run_cli(["--help"], env)[0])
        out.check_runs.append(run_cli(check, env)[0])
    out.profile = [tuple(item) for item in run_cli(check, env, profile=True)[1]]
    return out


def _run(argv: list[str]) -> int:
    profiled = argv[:1] == ["--profile"]
    argv = argv[1:] if profiled else argv
    from watchdog.cli import main

    code, report = 0, {}
    if profiled:
        code, report["profile"] = _profiled(main, argv)
    else:
        try:
            code = main(argv)
        except SystemExit as exc:  # --help
            code = int(exc.code or 0)
    status = Path("/proc/self/status").read_text()
    report["hwm_mb"] = int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024  # type: ignore[union-attr]
    print(json.dumps(report), file=sys.stderr)
    return code


def _profiled(main: Any, argv: list[str]) -> tuple[int, list[tuple[str, float, float]]]:
    import cProfile
    import pstats

    profile = cProfile.Profile(time.process_time)
    profile.enable()
    try:
        code = int(main(argv))
    finally:
        profile.disable()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    rows = sorted(stats.items(), key=lambda kv: kv[1][2], reverse=True)[:TOP]
    return code, [(_where(func), own, cum) for func, (_cc, _nc, own, cum, _callers) in rows]


def _where(func: tuple[str, int, str]) -> str:
    path, line, name = func
    if path == "~":  # a builtin
        return name
    parts = Path(path).parts
    short = "/".join(parts[parts.index("watchdog"):] if "watchdog" in parts else parts[-2:])
    return f"{name} ({short}:{line})"


if __name__ == "__main__":
    sys.exit(_run(sys.argv[1:]))
