"""``flex-watchdog doctor``: one screen that says whether this configuration can work, and how
to fix what cannot.

Exit 0 when nothing is wrong (a feature left off, like paging without a routing key, is shown
but is not a problem), 1 when something is, with a fix under each problem; 2 for a configuration
that does not load, as for every command.
"""

from __future__ import annotations

import argparse

from watchdog.commands import doctor_checks as checks
from watchdog.commands.common import settings_or_exit
from watchdog.commands.terminal import Terminal
from watchdog.errors import ConfigError, FetchReason
from watchdog.settings import Settings, require_credentials

LABEL_WIDTH = 20
STYLES = {checks.OK: ("bold",), checks.OFF: ("dim",), checks.FAIL: ("bold", "red")}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "doctor", help="check credentials, products, state file, paging and Sentry at once",
        description="Exit 0 all usable, 1 a problem (each with its fix), 2 bad configuration.")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_or_exit()
    results = gather(settings)
    term = Terminal.of()
    print(f"flex-watchdog doctor: account {settings.account_sid or '(not set)'}")
    for check in results:
        print(render(check, term))
    problems = sum(1 for c in results if c.status == checks.FAIL)
    print(f"\n{problems} problem{'' if problems == 1 else 's'}" if problems else "\nno problems")
    return 1 if problems else 0


def gather(settings: Settings) -> list[checks.Check]:
    out = [_credentials(settings)]
    if out[0].status == checks.OK:
        out += _twilio(settings)
    out += [checks.state_file(settings), checks.pagerduty(settings), checks.sentry(settings)]
    return out


def _credentials(settings: Settings) -> checks.Check:
    try:
        require_credentials(settings)
    except ConfigError as exc:
        return checks.Check("credentials", checks.FAIL, str(exc).removeprefix("config: "),
                            "export the variables named above, then run doctor again")
    how = f"API key {settings.api_key}" if settings.api_key else "auth token"
    return checks.Check("credentials", checks.OK, f"{settings.account_sid} with the {how}")


def _twilio(settings: Settings) -> list[checks.Check]:
    from watchdog.twilio_api import connect

    # one retry at most: a person is waiting, and a second failure is a real answer
    quick = settings.model_copy(update={"twilio": settings.twilio.model_copy(
        update={"max_attempts": min(2, settings.twilio.max_attempts)})})
    access = connect(quick)
    found: list[checks.Check] = []
    reasons: list[FetchReason | None] = []
    for label, read in checks.PRODUCTS.items():
        check, reason = checks.probe(label, read, access.client, access.account_sid)
        found.append(check)
        reasons.append(reason)
        if reason is FetchReason.AUTH:  # rejected everywhere alike: one line, no more requests
            return [check]
    for label, (switch, read) in checks.FEEDS.items():
        if not getattr(settings.events, switch):
            found.append(checks.Check(label, checks.OFF, f"events.{switch} is false"))
            continue
        check, reason = checks.probe(label, read, access.client, access.account_sid)
        found.append(check)
        reasons.append(reason)
    return [checks.base_url(settings, reasons), *found]


def render(check: checks.Check, term: Terminal) -> str:
    status = term.paint(f"{check.status:<5}", *STYLES[check.status])
    head = f"{check.status:<5} {check.label:<{LABEL_WIDTH}} {check.text}"
    lines = term.wrap(head, 6 + LABEL_WIDTH + 1)
    lines[0] = status + lines[0][5:]
    if check.fix:
        lead = "fix:" if check.status == checks.FAIL else "to turn it on:"
        lines += term.wrap(f"{'':<6}{lead} {check.fix}", 11)
    return "\n".join(lines)
