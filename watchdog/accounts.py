"""The fleet: every watched account with the settings it is watched with.

``fleet(settings)`` turns the process's settings into one ``Account`` per watched account, each
with a whole ``Settings`` of its own: its credentials (read from the environment variables its
``credentials`` names), its state file (``<state_dir>/<account_sid>.db``), its name as
``account_name`` and its ``overrides`` merged over the process's groups. Without an ``accounts:``
list the ``TWILIO_*`` variables describe a fleet of one named ``default`` on ``state_path``, as
before. Every problem is one ``config: ...`` line (exit 2).
"""

from __future__ import annotations

import fnmatch
import hashlib
import logging
import os
import re
import socket
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr
from twilio.base.exceptions import TwilioException, TwilioRestException

from watchdog.errors import ConfigError, StateError
from watchdog.settings import AccountEntry, Settings, SubaccountSettings, require_credentials
from watchdog.store.store import StateStore
from watchdog.twilio_api import connect

log = logging.getLogger(__name__)
DEFAULT = "default"


@dataclass(frozen=True)
class Account:
    """One watched account: its name (the ``account`` label), SID and effective settings."""

    name: str
    sid: str
    settings: Settings
    labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def state_path(self) -> Path:
        return self.settings.state_path


def fleet(settings: Settings, environ: Mapping[str, str] | None = None) -> list[Account]:
    """Every configured account, in the order written; raises ConfigError (one line each)."""
    environ = os.environ if environ is None else environ
    if not settings.accounts and settings.subaccounts is not None:
        require_credentials(settings)  # the parent's, for the discovery
        return []
    if not settings.accounts:
        if settings.account_sid is None:  # commands on the state file alone need none; the
            return [Account(DEFAULT, "", settings)]  # others stop at connect(), naming them
        path = settings.state_path
        if settings.state_dir is not None:
            path = adopted(settings.state_dir / f"{settings.account_sid}.db", settings.state_path,
                           settings.account_sid)
        one = settings.model_copy(update={"state_path": path})
        return [Account(DEFAULT, settings.account_sid, one)]
    _unique(settings.accounts)
    directory = settings.state_dir or settings.state_path.parent
    return [Account(entry.name, entry.account_sid,
                    account_settings(settings, i, entry, environ, directory), entry.labels)
            for i, entry in enumerate(settings.accounts)]


def pick(accounts: list[Account], name: str) -> Account:
    """The account named ``name``, or a ConfigError listing the names there are."""
    for account in accounts:
        if account.name == name:
            return account
    known = ", ".join(a.name for a in accounts)
    raise ConfigError(f"config: --account: no account named {name!r} (accounts: {known})")


def _unique(entries: list[AccountEntry]) -> None:
    seen: dict[str, int] = {}
    sids: dict[str, int] = {}
    for i, entry in enumerate(entries):
        if entry.name in seen:
            raise ConfigError(f"config: accounts.{i}.name: {entry.name!r} is also accounts."
                              f"{seen[entry.name]}; account names must be unique")
        if entry.account_sid.upper() in sids:
            raise ConfigError(f"config: accounts.{i}.account_sid: {entry.account_sid} is also "
                              f"accounts.{sids[entry.account_sid.upper()]}; one entry per account")
        seen[entry.name], sids[entry.account_sid.upper()] = i, i


def _secret(environ: Mapping[str, str], key: str, variable: str) -> SecretStr:
    value = environ.get(variable, "").strip()
    if not value:
        raise ConfigError(f"config: {key}: environment variable {variable} is not set (it "
                          "should hold the credential)")
    return SecretStr(value)


def account_settings(settings: Settings, index: int, entry: AccountEntry,
                     environ: Mapping[str, str], directory: Path) -> Settings:
    """``settings`` as account ``entry`` is watched: credentials, state file, name, overrides."""
    key = f"accounts.{index}.credentials"
    creds = entry.credentials
    update: dict[str, Any] = {"account_sid": entry.account_sid, "account_name": entry.name,
                              "auth_token": None, "api_key": None, "api_secret": None,
                              "accounts": [], "subaccounts": None}
    if creds.auth_token_env:
        update["auth_token"] = _secret(environ, f"{key}.auth_token_env", creds.auth_token_env)
    else:
        assert creds.api_key_env and creds.api_secret_env
        api_key = _secret(environ, f"{key}.api_key_env", creds.api_key_env).get_secret_value()
        if not (api_key.startswith("SK") and len(api_key) == 34):
            raise ConfigError(f"config: {key}.api_key_env: {creds.api_key_env} must hold an API "
                              "key SID (SK followed by 32 hex digits)")
        update["api_key"] = api_key
        update["api_secret"] = _secret(environ, f"{key}.api_secret_env", creds.api_secret_env)
    update["state_path"] = adopted(directory / f"{entry.account_sid}.db", settings.state_path,
                                   entry.account_sid)
    overrides = entry.overrides
    for group in overrides.model_fields_set:
        mine = getattr(overrides, group)
        if mine is None:
            continue
        if group == "rules":
            update[group] = {**settings.rules, **{rule_id: merged(settings.rule(rule_id), r)
                                                   for rule_id, r in mine.items()}}
        elif isinstance(mine, BaseModel):
            update[group] = merged(getattr(settings, group), mine)
        else:
            update[group] = mine
    return settings.model_copy(update=update)


def merged(base: BaseModel, mine: BaseModel) -> Any:
    """``base`` with the keys ``mine`` was written with (nested groups merged the same way)."""
    update: dict[str, Any] = {}
    for name in mine.model_fields_set:
        value, under = getattr(mine, name), getattr(base, name)
        both_groups = isinstance(value, BaseModel) and isinstance(under, BaseModel)
        update[name] = merged(under, value) if both_groups else value
    return base.model_copy(update=update)


def adopted(path: Path, legacy: Path, account_sid: str) -> Path:
    """``path``, or the single-account state file ``legacy`` when it belongs to this account and
    ``path`` does not exist yet: an installation that grows into a fleet keeps its baseline,
    open findings and incidents."""
    if path.exists() or path == legacy or not legacy.is_file():
        return path
    try:
        store = StateStore(legacy, read_only=True)
    except StateError:
        return path
    try:
        owner = store.get_meta("account_sid")
    finally:
        store.close()
    if owner != account_sid:
        return path
    log.info("account %s keeps its state file %s (from before the fleet)", account_sid, legacy)
    return legacy


# -- subaccounts --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Skipped:
    """A subaccount not watched, and why (listed once at start-up)."""

    sid: str
    friendly_name: str
    reason: str


@dataclass
class Discovery:
    """The subaccounts found: the ones watched, the ones skipped; ``complete`` False when the
    Accounts list could not be read (then nothing may disappear because of it)."""

    accounts: list[Account] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    complete: bool = True
    error: str | None = None


#: Reads whether an account has Flex: None when its Flex Configuration exists, else the reason.
FlexProbe = Callable[[Settings], str | None]


def discover(settings: Settings, probe: FlexProbe | None = None,
             taken: Iterable[Account] = ()) -> Discovery:
    """The parent's subaccounts (the ``TWILIO_*`` account's ``GET /2010-04-01/Accounts.json``)
    that ``subaccounts.include``/``exclude`` select and that have a Flex Configuration, each with
    the auth token of its Accounts record (in memory only); ``taken``: accounts already
    configured (their SIDs are not discovered twice, their names not reused)."""
    config = settings.subaccounts
    assert config is not None
    require_credentials(settings)
    probe = probe or flex_configured
    parent = connect(settings)
    found = Discovery()
    try:
        active = parent.client.api.v2010.accounts.list(status="active")
    except (TwilioException, OSError) as exc:
        return Discovery(complete=False, error=f"the Accounts list could not be read ({exc})")
    known = {a.sid.upper() for a in taken}
    names = {a.name for a in taken}
    directory = settings.state_dir or settings.state_path.parent
    for record in active:
        sid, friendly = str(record.sid), str(record.friendly_name or "")
        if sid == settings.account_sid or sid.upper() in known:
            continue
        if not selected(config, sid, friendly):
            found.skipped.append(Skipped(sid, friendly, "left out by subaccounts include/exclude"))
            continue
        token = str(record.auth_token or "")
        if not token:
            found.skipped.append(Skipped(sid, friendly, "its Accounts record has no auth token"))
            continue
        name = unique_name(friendly, sid, names)
        mine = settings.model_copy(update={
            "account_sid": sid, "auth_token": SecretStr(token), "api_key": None,
            "api_secret": None, "account_name": name, "accounts": [], "subaccounts": None,
            "state_path": directory / f"{sid}.db"})
        reason = probe(mine)
        if reason is not None:
            found.skipped.append(Skipped(sid, friendly, reason))
            continue
        names.add(name)
        found.accounts.append(Account(name, sid, mine, {"friendly_name": friendly}))
    return found


def inactive(settings: Settings) -> list[Skipped]:
    """The parent's suspended and closed subaccounts (never watched), for the start-up list."""
    client = connect(settings).client
    out: list[Skipped] = []
    for status in ("suspended", "closed"):
        try:
            records = client.api.v2010.accounts.list(status=status)
        except (TwilioException, OSError):
            continue
        out += [Skipped(str(r.sid), str(r.friendly_name or ""), status) for r in records
                if r.sid != settings.account_sid]
    return out


def flex_configured(settings: Settings) -> str | None:
    """None when the account's Flex Configuration can be read, else why it is skipped."""
    try:
        connect(settings).client.flex_api.v1.configuration().fetch()
    except TwilioRestException as exc:
        if exc.status == 404:
            return "no Flex Configuration (Flex is not set up in it)"
        return f"its Flex Configuration could not be read (HTTP {exc.status})"
    except (TwilioException, OSError) as exc:
        return f"its Flex Configuration could not be read ({type(exc).__name__})"
    return None


def selected(config: SubaccountSettings, sid: str, friendly_name: str) -> bool:
    def hit(patterns: list[str]) -> bool:
        return any(fnmatch.fnmatchcase(value, pattern) for pattern in patterns
                   for value in (sid, friendly_name))

    return hit(config.include) and not hit(config.exclude)


def unique_name(friendly_name: str, sid: str, taken: set[str]) -> str:
    """A short, stable account name from the friendly name (``Client ACME`` -> ``client-acme``),
    with the SID's last six characters when that name is taken or empty."""
    slug = re.sub(r"[^a-z0-9]+", "-", friendly_name.lower()).strip("-")[:33].strip("-")
    if slug and slug not in taken:
        return slug
    return f"{slug}-{sid[-6:].lower()}" if slug else f"sub-{sid[-6:].lower()}"


# -- shards -------------------------------------------------------------------------------------

def shard_of(account_sid: str, count: int) -> int:
    """The replica that watches ``account_sid``: SHA-256 of the SID mod ``count`` (stable across
    processes and versions, unlike Python's hash)."""
    return int(hashlib.sha256(account_sid.encode("ascii")).hexdigest(), 16) % count


def shard_index(settings: Settings, hostname: str | None = None) -> int:
    """This replica's index: ``shard.index``, else the pod ordinal ending the host name."""
    count, index = settings.shard.count, settings.shard.index
    if index is None:
        if count == 1:
            return 0
        host = hostname if hostname is not None else socket.gethostname()
        found = re.search(r"-(\d+)$", host)
        if found is None:
            raise ConfigError(f"config: shard.index: unset, and the host name {host!r} does not "
                              "end in a pod ordinal (-N); set FLEX_WATCHDOG_SHARD__INDEX")
        index = int(found.group(1))
    if index >= count:
        raise ConfigError(f"config: shard.index: {index} is not below shard.count ({count})")
    return index


def in_shard(accounts: Iterable[Account], index: int, count: int) -> list[Account]:
    return [a for a in accounts if shard_of(a.sid, count) == index]
