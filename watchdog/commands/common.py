"""What most commands do first: settings, logging, state, Twilio access, the watcher."""

from __future__ import annotations

import argparse
from collections.abc import Iterable

from watchdog.accounts import Account, discover, fleet, pick
from watchdog.commands.terminal import log_wrap
from watchdog.cycle import Watcher
from watchdog.daemon.app import build_watcher
from watchdog.errors import ConfigError
from watchdog.model.snapshot import FamilyState
from watchdog.rules.registry import all_rules
from watchdog.settings import Settings, load_settings
from watchdog.store.lock import owned
from watchdog.store.store import StateStore
from watchdog.telemetry.logs import setup_logging
from watchdog.telemetry.redact import Redactor, remember


def settings_or_exit(**overrides: object) -> Settings:
    """Load and validate settings, including that every ``rules.<id>`` names a known rule."""
    settings = load_settings(**overrides)
    known = all_rules()
    for rule_id in settings.rules:
        if rule_id not in known:
            raise ConfigError(f"config: rules.{rule_id}: unknown rule (see `flex-watchdog rules`)")
    named = [(f"ignore.{i}.rule", e.rule) for i, e in enumerate(settings.ignore)]
    named += [(f"maintenance.{i}.rules", r) for i, w in enumerate(settings.maintenance)
              for r in w.rules]
    for key, rule_id in named:
        if rule_id not in known:
            raise ConfigError(f"config: {key}: unknown rule {rule_id!r} (see `flex-watchdog rules`)")
    setup_logging(settings.log.level if settings.log.level != "INFO" else "WARNING",
                  settings.log.format, Redactor.for_settings(settings), wrap=log_wrap())
    return settings


def all_accounts() -> list[Account]:
    """Every account of the fleet: the configured ones and the subaccounts found now."""
    settings = settings_or_exit()
    accounts = fleet(settings)
    if settings.subaccounts is not None:
        found = discover(settings, taken=accounts)
        if not found.complete:
            raise ConfigError(f"config: subaccounts: {found.error}")
        for account in found.accounts:
            remember(account.settings)
        accounts += found.accounts
    if not accounts:
        raise ConfigError("config: accounts: no account to watch (no accounts: entry, and no "
                          "subaccount of TWILIO_ACCOUNT_SID with Flex)")
    return accounts


def account_or_exit(args: argparse.Namespace | None = None) -> Settings:
    """The settings of the account ``--account`` names; without it the one account there is
    (the TWILIO_* variables' ``default``), or a ConfigError naming --account."""
    name = getattr(args, "account", None)
    accounts = all_accounts()
    if name is not None:
        return pick(accounts, name).settings
    if len(accounts) > 1:
        names = ", ".join(a.name for a in accounts)
        raise ConfigError(f"config: accounts: {len(accounts)} accounts are configured; name one "
                          f"with --account NAME ({names})")
    return accounts[0].settings


def add_account_argument(parser: argparse.ArgumentParser | argparse._MutuallyExclusiveGroup
                         ) -> None:
    parser.add_argument("--account", metavar="NAME", default=argparse.SUPPRESS,
                        help="the account of the fleet (its name; needed when there are several)")


def open_watcher(settings: Settings, read_only: bool = False) -> Watcher:
    """The watcher on the state file; ``read_only`` for commands that only look at it."""
    store = StateStore(settings.state_path, read_only=True) if read_only else None
    return build_watcher(settings, store)


def daemon_owns(settings: Settings) -> bool:
    """A running daemon owns the state file: a command next to it only looks (records nothing;
    the transitions, their log lines and the observations that page are the daemon's)."""
    return owned(settings.state_path)


def tell_daemon(settings: Settings) -> None:
    """What ``silence``, ``maintenance`` and ``baseline accept`` say next to a running daemon.

    They are ordinary operations while it runs: each writes one short SQLite transaction that
    waits for the daemon's cycle to commit (never the snapshot, findings or cursors the daemon
    owns), and the daemon reads silences, windows and the baseline again on its next poll."""
    if owned(settings.state_path):
        print("A running flex-watchdog owns the state file: it applies this from its next poll.")




def unread(states: Iterable[FamilyState]) -> str | None:
    """``Could not read from Twilio: studio (timeout: ...)``, or None when every read completed.

    Commands that compare, plan or lint against live data say this and exit 3: a failed read
    is never reported as "no differences" or "nothing to do".
    """
    failed = [f"{s.family} ({s.error or s.reason or 'failed'})" for s in states if not s.complete]
    return f"Could not read from Twilio: {', '.join(failed)}" if failed else None
