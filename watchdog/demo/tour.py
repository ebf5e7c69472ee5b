"""The demo's tour: break a simulated Flex account the way the recovery guide describes, one
thing at a time, repair it the way the guide says, and show the running daemon's findings
opening and clearing as they happen.

``FindingLog`` is a cycle listener (it runs on the job threads and prints); ``Tour`` runs the
steps on the main thread and waits on the log.
"""

from __future__ import annotations

import os
import re
import sys
import textwrap
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TextIO

from watchdog.daemon.scheduler import INITIAL
from watchdog.model.findings import Finding
from watchdog.model.results import CycleResult, OpenFinding, Trigger
from watchdog.model.snapshot import FAMILIES, RESOURCE_FAMILY
from watchdog.restore import session
from watchdog.routes.impact import impact_line
from watchdog.signals.evidence import evidence_text
from watchdog.simulator.world import World

WIDTH = 100
COLORS = {"critical": "31", "warning": "33", "info": "36", "cleared": "32", "dim": "2",
          "bold": "1"}
SOURCES = {"monitor": "a Monitor event", "debugger": "a Debugger alert", "webhook": "a webhook",
           "demo": "an on-demand refresh"}


class Console:
    """Timestamped, thread-safe lines; colour only on a terminal (and never with NO_COLOR).
    ``width``: the terminal's, every line cut to it; without one, lines are filled to WIDTH
    and what is said is left whole."""

    def __init__(self, out: TextIO | None = None, width: int | None = None) -> None:
        self.out = out or sys.stdout
        self.terminal_width = width
        self.width = width or WIDTH
        self.started = time.monotonic()
        self.color = self.out.isatty() and not os.environ.get("NO_COLOR")
        self._lock = threading.Lock()

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def paint(self, text: str, style: str) -> str:
        return f"\033[{COLORS[style]}m{text}\033[0m" if self.color else text

    def line(self, label: str, text: str, style: str | None = None, more: tuple[str, ...] = ()
             ) -> None:
        first = textwrap.fill(text, self.width - 16, subsequent_indent=" " * 18)
        tag = self.paint(f"{label:<7}", style) if style else f"{label:<7}"
        body = [f"{self.elapsed():5.1f}s  {tag} {first}"]
        body += [textwrap.fill(m, self.width, initial_indent=" " * 16,
                               subsequent_indent=" " * 18) for m in more]
        self.say("\n".join(body))

    def say(self, text: str = "") -> None:
        if self.terminal_width is not None:
            text = "\n".join(self._cut(line) for line in text.split("\n"))
        with self._lock:
            print(text, file=self.out, flush=True)

    def _cut(self, line: str) -> str:
        """A line too wide for the terminal, cut at words; continuation lines indented two
        more than the line (escape codes count as width, so painted lines come out narrower)."""
        if len(line) <= self.width:
            return line
        lead = " " * (len(line) - len(line.lstrip()))
        return textwrap.fill(line.strip(), self.width, initial_indent=lead,
                             subsequent_indent=lead + "  ", break_on_hyphens=False)


@dataclass
class Seen:
    at: float
    kind: str  # opened | cleared | healed
    rule: str
    how: str


class FindingLog:
    """Prints each opened and cleared finding as cycles record them; lets the tour wait."""

    def __init__(self, console: Console, intervals: dict[str, float]) -> None:
        self.console = console
        self.intervals = intervals  # family -> scheduled poll interval (s)
        self.cond = threading.Condition()
        self.seen: list[Seen] = []
        self.open = 0
        self.mark = 0.0  # when the current step's change (or repair) was made
        self.mark_label = "the change"

    def healed(self, summary: str, details: dict[str, Any], links: list[dict[str, str]]) -> None:
        """A heal's change event (the journal's callback): what was written, and that PagerDuty
        shows it next to the incident."""
        diff = "; ".join(f"{d['field']}: {d['before']} -> {d['after']}"
                         for d in details.get("diff", []))
        self.console.line("HEALED", f"{details.get('rule')}  {details.get('resource_sid')}  "
                          f"[{self._after()} by the daemon]", "cleared",
                          (diff, f"change event: {summary}"))
        with self.cond:
            self.seen.append(Seen(self.console.elapsed(), "healed", str(details.get("rule")),
                                  "heal"))
            self.cond.notify_all()

    def __call__(self, result: CycleResult) -> None:
        how = _how(result.trigger)
        for rule, findings in _by_rule(result.opened).items():
            self._opened(rule, findings, how, result.reach)
        for rule, items in _by_rule(result.cleared).items():
            sids = ", ".join(_short(i.resource_sid) for i in items[:3])
            extra = f" (+{len(items) - 3} more)" if len(items) > 3 else ""
            self.console.line("CLEARED", f"{rule}  {sids}{extra}  [{self._after()} via {how}]",
                              "cleared")
        with self.cond:
            self.seen += [Seen(self.console.elapsed(), "opened", f.rule, how)
                          for f in result.opened]
            self.seen += [Seen(self.console.elapsed(), "cleared", c.rule, how)
                          for c in result.cleared]
            self.open = len(result.open_findings)
            self.cond.notify_all()

    def _opened(self, rule: str, findings: list[Finding], how: str,
                reach: Mapping[str, Any]) -> None:
        first = findings[0]
        if len(findings) > 3:
            sids = ", ".join(_short(f.resource_sid) for f in findings[:3])
            self.console.line("OPENED", f"{first.severity} {rule} x{len(findings)}  {sids}...",
                              first.severity, (*_impact(first, reach), first.summary))
            return
        for finding in findings:
            more = [*_impact(finding, reach), finding.summary]
            evidence = evidence_text(finding.details)
            if evidence:
                more.append(f"evidence: {evidence}")
            more.append(f"detected {self._after()} via {how}{self._instead(finding, how)}")
            self.console.line("OPENED", f"{finding.severity} {rule}  {finding.resource_sid}",
                              finding.severity, tuple(more))

    def _after(self) -> str:
        return f"{self.console.elapsed() - self.mark:.1f}s after {self.mark_label}"

    def _instead(self, finding: Finding, how: str) -> str:
        family = RESOURCE_FAMILY.get(finding.resource_type, "")
        if how.startswith("the ") or family not in self.intervals:
            return ""
        return f" (the scheduled {family} poll runs every {self.intervals[family]:g}s)"

    def wait(self, predicate: Callable[[], bool], timeout: float) -> bool:
        with self.cond:
            return self.cond.wait_for(predicate, timeout)


def _impact(finding: Finding, reach: Mapping[str, Any]) -> list[str]:
    """Who the finding cuts off, when it cuts anyone off."""
    line = impact_line(finding.details.get("impact"), reach)
    return [line] if line else []


def _how(trigger: Trigger) -> str:
    if trigger.sources:
        return " and ".join(SOURCES.get(s, s) for s in trigger.sources)
    return "the start-up poll" if trigger.job == INITIAL else f"the scheduled {trigger.job} poll"


def _by_rule(items: Sequence[Finding | OpenFinding]) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = defaultdict(list)
    for item in items:
        grouped[item.rule].append(item)
    return grouped


def plan_line(number: int, step: Any) -> str:
    """One restore step on one line: each field with the SID it now names."""
    def value(after: Any) -> str:
        sids = re.findall(r"[A-Z]{2}[0-9a-f]{32}", str(after))
        return _short(sids[-1]) if sids else str(after)[:40]
    changed = ", ".join(f"{d['field']} -> {value(d['after'])}" for d in step.diff())
    return f"{number}. {step.action} {step.label}: {changed}"


def _short(sid: str) -> str:
    return sid[:10] + "..." if len(sid) > 13 else sid


class Step(Protocol):
    title: str
    guide: str
    note: str
    expect: tuple[str, ...]
    accept_baseline: bool

    def breaks(self, world: World) -> str: ...

    def repair(self, world: World) -> list[str]: ...


class Tour:
    """Runs the steps against the running daemon; True when every breakage was detected and
    every finding cleared after the repair."""

    def __init__(self, daemon: Any, world: World, console: Console, log: FindingLog,
                 pace: float, timeout: float = 20.0) -> None:
        self.daemon, self.world, self.console, self.log = daemon, world, console, log
        self.pace, self.timeout = pace, timeout

    def run(self, steps: list[Any]) -> bool:
        results = [self.step(n, len(steps), step) for n, step in enumerate(steps, 1)]
        return all(results)

    def step(self, n: int, total: int, step: Step) -> bool:
        c = self.console
        c.say()
        c.say(c.paint(f"-- {n}/{total}  {step.title}", "bold"))
        note = f'recovery guide: "{step.guide}". {step.note}'
        c.say(c.paint(textwrap.fill(note, c.width, initial_indent=" " * 7,
                                    subsequent_indent=" " * 7), "dim"))
        start = len(self.log.seen)
        self.log.mark, self.log.mark_label = c.elapsed(), "the change"
        c.line("break", step.breaks(self.world))
        detected = self.log.wait(lambda: any(
            s.kind == "opened" and s.rule in step.expect for s in self.log.seen[start:]),
            self.timeout)
        if not detected:
            c.line("MISSED", f"no {' or '.join(step.expect)} within {self.timeout:.0f}s",
                   "critical")
        time.sleep(self.pace)
        self._repair(step)
        cleared = self.log.wait(lambda: self.log.open == 0, self.timeout)
        if cleared:
            c.line("ok", "all findings cleared", "cleared")
        else:
            c.line("OPEN", f"{self.log.open} findings still open after {self.timeout:.0f}s",
                   "critical")
        time.sleep(self.pace)
        return detected and cleared

    def _repair(self, step: Step) -> None:
        c = self.console
        if getattr(step, "healed_by_daemon", False):
            healed = self.log.wait(lambda: any(s.kind == "healed" and s.rule in step.expect
                                               for s in self.log.seen), self.timeout)
            if not healed:
                c.line("MISSED", f"no heal of {' or '.join(step.expect)}", "critical")
            c.line("repair", "none by hand: the daemon healed it (healing.enabled, "
                             "healing.grace_seconds=0 in the demo)")
            self.log.mark, self.log.mark_label = c.elapsed(), "the heal"
            return
        if not step.accept_baseline:
            self.log.mark, self.log.mark_label = c.elapsed(), "the repair"
            for text in step.repair(self.world):
                c.line("repair", text)
            return
        # A repair in several moves: hold the polls so no cycle reads a half-repaired account.
        self.daemon.scheduler.pause()
        self.daemon.jobs.wait_idle(self.timeout)
        c.line("hold", "polls held while the guide's repair is applied", "dim")
        for text in step.repair(self.world):
            c.line("repair", text)
        if getattr(step, "restore", False):
            self._restore()
        else:
            c.line("repair", "$ flex-watchdog baseline accept  (the repaired account is the "
                             "new baseline)")
            self._accept_baseline()
        self.log.mark, self.log.mark_label = c.elapsed(), "the repair"
        self.daemon.scheduler.resume()
        self.daemon.refresher.request(FAMILIES, "demo")

    def _restore(self) -> None:
        """The rest of the guide's repair: ``restore --plan`` shown, then ``--apply``."""
        c, watcher, now = self.console, self.daemon.watcher, self.daemon.clock()
        made = session.plan_now(watcher, now)
        if isinstance(made, str):
            c.line("MISSED", f"restore --plan: {made}", "critical")
            return
        c.line("restore", f"$ flex-watchdog restore --plan --out plan.json: "
                          f"{len(made.steps)} step(s), nothing written", more=tuple(
                              plan_line(n, s) for n, s in enumerate(made.steps, 1)))
        sink = self.daemon.sink
        applied = session.apply_plan(watcher, made, now, sink.change_event if sink else None)
        done = sum(o.outcome in ("applied", "noop") for o in applied.outcomes)
        c.line("restore", f"$ flex-watchdog restore --apply plan.json: {done} of "
                          f"{len(made.steps)} step(s) verified", more=(
                              applied.followed or "",) if applied.followed else ())
        for note in made.notes:
            if note.command:  # the plan's notes, done by a person: restore never deletes
                self.world.delete(note.resource_sid)
                url = note.command.split()[3]
                c.line("repair", f"by hand, as the plan's notes say: DELETE {url}")

    def _accept_baseline(self) -> None:
        watcher = self.daemon.watcher
        watcher.store.adopt_baseline(watcher.fetch(FAMILIES, self.daemon.clock()))
