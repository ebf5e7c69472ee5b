"""Settings: environment (``FLEX_WATCHDOG_*``, ``TWILIO_*``), an optional YAML file, shipped defaults.

Precedence, highest first: environment, the file named by ``FLEX_WATCHDOG_CONFIG``, the shipped
``config/flex-watchdog.yaml`` (packaged as ``watchdog/defaults/flex-watchdog.yaml``), field defaults.
Every group forbids unknown keys: a typo in the YAML file stops start-up instead of being ignored.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AliasChoices,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    IPvAnyNetwork,
    SecretStr,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

from watchdog import settings_check
from watchdog.errors import ConfigError
from watchdog.model.findings import Severity
from watchdog.model.snapshot import Family
from watchdog.model.times import parse_duration

CONFIG_ENV = "FLEX_WATCHDOG_CONFIG"
# The one Severity, shown in the schema as the plain list of its values (as a Literal would be).
SeverityName = Annotated[Severity, WithJsonSchema({"enum": [s.value for s in Severity],
                                                   "type": "string"})]


def setting(default: Any, unit: str, description: str, **constraints: Any) -> Any:
    """A field whose description, unit and default ``config schema`` and docs/configuration.md show."""
    return Field(default, description=description, json_schema_extra={"unit": unit}, **constraints)


class Group(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


ROUTING_KEY_LENGTH = 32


def _secret_text(value: Any) -> Any:
    """A secret's text, stripped (a Secret made with ``echo`` ends in a newline); blank is None."""
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if not isinstance(value, str):
        return value
    return value.strip() or None


def check_routing_key(value: Any) -> Any:
    """Stripped (a Secret made with ``echo`` ends in a newline); blank is unset; 32 characters."""
    value = _secret_text(value)
    if not isinstance(value, str):
        return value
    if len(value) != ROUTING_KEY_LENGTH or any(c.isspace() for c in value):
        raise ValueError(f"must be a PagerDuty Events API v2 integration key of "
                         f"{ROUTING_KEY_LENGTH} characters without spaces (this one has "
                         f"{len(value)}), e.g. 0123456789abcdef0123456789abcdef")
    return value


RoutingKey = Annotated[SecretStr, BeforeValidator(check_routing_key)]


def check_dsn(value: Any) -> Any:
    """Blank is unset; anything else must parse as a Sentry DSN (never echoed: it is a secret)."""
    from sentry_sdk.utils import BadDsn, Dsn

    value = _secret_text(value)
    if not isinstance(value, str):
        return value
    try:
        Dsn(value)
    except BadDsn as exc:
        raise ValueError(f"not a Sentry DSN ({str(exc).rstrip('.').lower()}): expected "
                         "https://<public key>@<host>/<project id>, e.g. "
                         "https://abc123@o1.ingest.sentry.io/42") from None
    return value


def check_base_url(value: Any) -> Any:
    """``http(s)://host[:port]``: the path is Twilio's, so a base URL has none."""
    if not isinstance(value, str):
        return value
    value = value.strip()
    if not value:
        return None
    expected = "must be http(s)://host[:port], e.g. http://127.0.0.1:8080"
    parts = urlsplit(value)
    try:
        parts.port  # noqa: B018 (raises on a bad port)
    except ValueError:
        raise ValueError(f"{expected} (bad port)") from None
    if (parts.scheme not in ("http", "https") or not parts.hostname or parts.username
            or parts.password or parts.path not in ("", "/") or parts.query or parts.fragment):
        raise ValueError(expected)
    return value.rstrip("/")


class TwilioSettings(Group):
    """How the Twilio REST API is called."""

    timeout_seconds: float = setting(
        10.0, "seconds", "Timeout of one HTTP request; the SDK's own default is to wait forever.", gt=0)
    max_attempts: int = setting(
        4, "attempts", "Attempts of one request on 429, 5xx and network errors.", ge=1, le=10)
    backoff_base_seconds: float = setting(
        0.5, "seconds", "First retry delay, doubled each time; Retry-After wins when Twilio sends it.",
        ge=0)
    backoff_max_seconds: float = setting(30.0, "seconds", "Cap on one retry delay.", ge=0)
    requests_per_second: float = setting(
        10.0, "requests per second",
        "Client-side pace per Twilio product (GET /FlexFlows is limited to 10 per second).", gt=0)
    max_pages: int = setting(
        1000, "pages", "A list longer than this is an error for that poll, never data.", ge=1)


class FlexSettings(Group):
    """How the Flex resources are recognised by name."""

    proxy_service_name: str = setting(
        "Flex Proxy Service", "name",
        "Unique name of the Flex Proxy Service (it is also found by its chat_instance_sid "
        "matching the Flex Configuration's chat service).")
    voice_flow_name: str = setting(
        "Voice IVR", "name", "Friendly name of the Studio flow Flex voice numbers point to.")
    messaging_flow_name: str = setting(
        "Messaging Flow", "name", "Friendly name of the Studio flow Flex SMS numbers point to.")
    webchat_flow_name: str = setting(
        "Webchat Flow", "name", "Friendly name of the Studio flow of the Flex web chat.")
    workflow_name: str = setting(
        "Assign to Anyone", "name",
        "Friendly name of the TaskRouter workflow the Flex flows send tasks to.")
    orphaned_after_seconds: float = setting(
        86400.0, "seconds",
        "An active conversation of the Flex Conversations service older than this that no open "
        "task references is conversations.orphaned.", gt=0)


#: The one family -> interval table: the poll job of each family, paced by
#: ``schedule.<job>_seconds``. The scheduler's jobs and the interval metric both read it.
FAMILY_JOB: dict[Family, str] = {
    Family.NUMBERS: "numbers",
    Family.FLEX_FLOWS: "flex_flows",
    Family.TASKROUTER: "taskrouter",
    Family.STUDIO: "studio",
    Family.CONFIGURATION: "services",
    Family.CHAT: "services",
    Family.PROXY: "services",
    Family.CONVERSATIONS: "services",
    Family.CONVERSATIONS_SERVICES: "services",
    Family.MESSAGING: "services",
    Family.WHATSAPP: "services",
    Family.CONVERSATIONS_LIVE: "conversations_live",
}
POLL_JOBS = ("numbers", "flex_flows", "services", "taskrouter", "studio", "conversations_live")


class ScheduleSettings(Group):
    """How often the daemon polls each family (plus random jitter)."""

    numbers_seconds: float = setting(60.0, "seconds", "Interval between polls of phone numbers.", gt=0)
    flex_flows_seconds: float = setting(
        60.0, "seconds", "Interval between polls of Flex Flows.", gt=0)
    services_seconds: float = setting(
        120.0, "seconds",
        "Interval between polls of the Flex Configuration, Chat, Proxy and Conversations services.",
        gt=0)
    taskrouter_seconds: float = setting(
        120.0, "seconds", "Interval between polls of TaskRouter workspaces and workflows.", gt=0)
    studio_seconds: float = setting(
        300.0, "seconds", "Interval between polls of Studio flows and their definitions.", gt=0)
    conversations_live_seconds: float = setting(
        300.0, "seconds",
        "Interval between polls of the active conversations of the Flex Conversations service "
        "and the open tasks (conversations.orphaned).", gt=0)
    jitter_seconds: float = setting(
        5.0, "seconds", "Random delay up to this added to each poll, so polls do not line up.", ge=0)
    events_seconds: float = setting(
        5.0, "seconds",
        "Monitor Events poll interval: who changed what; a change is read again at once (the "
        "one resource alone where it can be). One request per poll: every 5 s is 17,280 a "
        "day, nothing next to Twilio's API limits.", gt=0)
    alerts_seconds: float = setting(
        60.0, "seconds", "Debugger alerts poll interval: what customers are suffering.", gt=0)

    def job_interval(self, job: str) -> float:
        """``<job>_seconds`` of one of ``POLL_JOBS``."""
        return float(getattr(self, f"{job}_seconds"))

    def interval(self, family: str) -> float:
        """How often ``family`` is polled (its job's interval)."""
        return self.job_interval(FAMILY_JOB[Family(family)])


class EventsSettings(Group):
    """Signals between polls: Monitor Events, Debugger alerts and the Twilio webhook."""

    monitor_enabled: bool = setting(
        True, "boolean", "Poll Monitor Events to refresh a family as soon as it changes.")
    alerts_enabled: bool = setting(
        True, "boolean", "Poll Debugger alerts as evidence that customers are affected.")
    webhook_enabled: bool = setting(
        False, "boolean",
        "Accept Twilio's signed event webhook on the HTTP port (needs TWILIO_AUTH_TOKEN).")
    max_body_bytes: int = setting(
        65536, "bytes", "Largest webhook request body accepted (larger: 413).", gt=0)
    alert_error_codes: list[int] = setting(
        [45205, 80620, 11200, 11205, 11217, 45009, 45763, 50367], "Twilio error codes",
        "Debugger alert error codes read as evidence of broken plumbing.")


class HttpSettings(Group):
    """The daemon's HTTP port: /metrics, /healthz, /readyz and the webhook."""

    host: str = setting("0.0.0.0", "address", "Address the HTTP server listens on.")
    port: int = setting(9464, "TCP port", "Port of /metrics, /healthz and /readyz.", ge=0, le=65535)
    healthz_intervals: float = setting(
        3.0, "poll intervals",
        "/healthz fails when no poll ended within this many of the longest poll interval.", gt=0)


class LogSettings(Group):
    """Logs on stderr; every configured secret is redacted."""

    format: Literal["text", "json"] = setting(
        "text", "format", "text for people, json for one JSON object per line.")
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = setting(
        "INFO", "level", "Lowest level logged by the daemon (commands log warnings and above).")


class SentrySettings(Group):
    """Error reporting to Sentry (off while dsn is unset)."""

    dsn: SecretStr | None = setting(
        None, "secret URL", "Sentry DSN; Sentry starts only when it is set.")
    environment: str = setting("production", "name", "Sentry environment of the events.")
    cron_monitor_slug: str | None = setting(
        None, "name", "Sentry Crons monitor sent a check-in every cycle (off while unset).")

    _dsn = field_validator("dsn", mode="before")(check_dsn)


class Confirmations(Group):
    """Complete observations needed before a finding pages."""

    deletion: int = setting(
        2, "observations", "Consecutive complete polls before a deletion pages.", ge=1)
    overwrite: int = setting(
        1, "observations", "Consecutive complete polls before an overwritten webhook pages.", ge=1)


class PagerDutySettings(Group):
    """Paging through the PagerDuty Events API v2 (off while no routing key is set)."""

    routing_key: SecretStr | None = setting(
        None, "secret", "Default Events API v2 routing key; paging is off while unset.")
    base_url: str = setting(
        "https://events.pagerduty.com", "URL", "PagerDuty Events API base URL (https://).")
    confirmations: Confirmations = setting(
        Confirmations(), "group", "Complete observations needed before a finding pages.")
    severity_routing_keys: dict[SeverityName, RoutingKey] = setting(
        {}, "severity: secret", "Routing key per severity, used instead of routing_key.")
    send_info: bool = setting(False, "boolean", "Also page findings of severity info.")
    group_threshold: int = setting(
        5, "findings", "More findings of one rule than this ready to page in one cycle page as "
        "one incident for the rule (resources in custom_details); it resolves when the last "
        "clears.", ge=1)
    runbook_base_url: str = setting(
        "https://github.com/flex-watchdog/flex-watchdog/blob/main/docs/rules.md", "URL",
        "Rule catalogue that incidents link to (the rule's anchor is appended).")
    max_attempts: int = setting(
        5, "attempts", "Failed attempts of one event before it is reported as stuck (error log, "
        "Sentry); it stays in the outbox and is retried.", ge=1)
    timeout_seconds: float = setting(10.0, "seconds", "Timeout of one Events API request.", gt=0)
    backoff_base_seconds: float = setting(
        10.0, "seconds", "Outbox delay after a 429/5xx/network failure, doubled each time.", gt=0)
    backoff_max_seconds: float = setting(300.0, "seconds", "Cap on one outbox delay.", gt=0)
    send_interval_seconds: float = setting(
        10.0, "seconds", "How often the daemon's outbox job delivers.", gt=0)

    _routing_key = field_validator("routing_key", mode="before")(check_routing_key)

    @field_validator("severity_routing_keys", mode="before")
    @classmethod
    def _severity_keys(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        return {k: v for k, v in value.items() if not (isinstance(v, str) and not v.strip())}


class HealingSettings(Group):
    """Automatic repair by the daemon (`heal --apply`, a person's call, needs no switch)."""

    enabled: bool = setting(False, "boolean", "Arms the daemon's heals.")
    grace_seconds: float = setting(
        300.0, "seconds", "A finding must be older than this before it is healed.", ge=0)
    max_per_cycle: int = setting(5, "heals", "Most heals applied in one cycle; the rest wait.", ge=0)
    max_broken_fraction: float = setting(
        0.2, "fraction (0-1)",
        "More of a population broken than this at once is an incident: page, do not heal.", ge=0, le=1)
    fight_window_seconds: float = setting(
        3600.0, "seconds", "A heal undone within this window stops healing that resource.", ge=0)
    max_failures: int = setting(
        3, "heals", "Failed heals in a row that trip the breaker of a rule and resource.", ge=1)


class RuleSettings(Group):
    """Per rule, under its ID (``rules.<rule id>``)."""

    enabled: bool = setting(True, "boolean", "Evaluate the rule.")
    autoheal: bool = setting(
        False, "boolean", "Let the daemon heal its findings (still waits for healing.enabled).")
    severity: SeverityName | None = setting(
        None, "severity", "Severity instead of the rule's own (critical, warning or info).",
        title="Severity")
    routing_key: SecretStr | None = setting(
        None, "secret", "PagerDuty routing key for this rule's incidents.")

    _routing_key = field_validator("routing_key", mode="before")(check_routing_key)


def _cidr_text(value: Any) -> Any:
    """A CIDR range is written as text: a bare number is a mistake, not the address 0.0.0.N."""
    if not isinstance(value, str):
        raise ValueError("expected a CIDR range like 198.51.100.0/24")
    return value


class BaselineSettings(Group):
    """Trusted automation: changes that become the baseline instead of drift."""

    trusted_actors: list[Annotated[str, Field(pattern=r"^(US|AC)[0-9a-fA-F]{32}$")]] = setting(
        [], "SIDs", "Console users (US...) or the account (AC..., every API request) whose "
        "Monitor-Event changes are adopted into the baseline; prefer trusted_sources for CI.")
    trusted_sources: list[Annotated[IPvAnyNetwork, BeforeValidator(_cidr_text)]] = setting(
        [], "CIDR ranges", "Source addresses (e.g. a CI runner's egress) whose Monitor-Event "
        "changes are adopted into the baseline; drift rules only, never invariants.")


class SilenceSettings(Group):
    """Silences (`flex-watchdog silence add`): the finding still shows, it neither pages nor heals."""

    max_duration_seconds: float = setting(
        2592000.0, "seconds", "Longest silence accepted (30 days); a silence without an expiry "
        "is refused.", gt=0)


class IgnoreEntry(Group):
    """A config-file ignore: a silence for the permanent cases (a number kept off Flex)."""

    rule: str = Field(description="Rule ID.", min_length=1)
    resource: str | None = Field(None, description="Resource SID; unset: every resource.")
    reason: str = Field(description="Why; shown with the finding.", min_length=1)
    expires: AwareDatetime | None = Field(
        None, description="RFC 3339 time it stops applying; then config.ignore-expired.")


class MaintenanceWindow(Group):
    """A window in which findings open and show, but nothing pages and nothing heals."""

    name: str = Field(description="Name shown in check, /readyz and the log.", min_length=1)
    start: AwareDatetime | None = Field(None, description="One-off window: RFC 3339 start.")
    end: AwareDatetime | None = Field(None, description="One-off window: RFC 3339 end.")
    cron: str | None = Field(None, description="Recurring window: cron expression of its start.")
    duration: str | None = Field(None, description="Recurring window: its length, e.g. 2h.")
    timezone: str = Field("UTC", description="Time zone of the cron expression.")
    rules: list[str] = Field(default_factory=list, description="Rule IDs; empty: every rule.")
    heal: bool = Field(False, description="Let heals run during the window.")

    @model_validator(mode="after")
    def _one_kind(self) -> MaintenanceWindow:
        one_off, recurring = (self.start, self.end), (self.cron, self.duration)
        if all(v is not None for v in one_off) and all(v is None for v in recurring):
            if self.end is not None and self.start is not None and self.end <= self.start:
                raise ValueError("end must be after start")
            return self
        if all(v is not None for v in recurring) and all(v is None for v in one_off):
            _check_recurring(self.cron or "", self.duration or "", self.timezone)
            return self
        raise ValueError("give start and end (one-off) or cron and duration (recurring)")


def _check_recurring(cron: str, duration: str, timezone: str) -> None:
    """A cron expression APScheduler accepts, a known time zone, a duration like 2h."""
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(cron, timezone=timezone)
    except (ValueError, LookupError) as exc:
        raise ValueError(f"cron {cron!r} / timezone {timezone!r}: {exc}") from None
    try:
        parse_duration(duration, "duration")
    except ConfigError as exc:
        raise ValueError(str(exc)) from None


ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]{0,127}$"
ACCOUNT_NAME = r"^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$"
ACCOUNT_SID = r"^AC[0-9a-fA-F]{32}$"


class AccountCredentials(Group):
    """Names of the environment variables that hold one account's credentials (never the values)."""

    auth_token_env: str | None = Field(
        None, description="Variable holding the account's auth token.", pattern=ENV_NAME)
    api_key_env: str | None = Field(
        None, description="Variable holding an API key SID (SK...) of the account.",
        pattern=ENV_NAME)
    api_secret_env: str | None = Field(
        None, description="Variable holding the secret of that API key.", pattern=ENV_NAME)

    @model_validator(mode="after")
    def _one_kind(self) -> AccountCredentials:
        key = (self.api_key_env, self.api_secret_env)
        if self.auth_token_env is not None and all(v is None for v in key):
            return self
        if self.auth_token_env is None and all(v is not None for v in key):
            return self
        raise ValueError("give auth_token_env, or api_key_env and api_secret_env (names of "
                         "environment variables, e.g. auth_token_env: TWILIO_AUTH_TOKEN_PROD)")


class AccountOverrides(Group):
    """Setting groups one account has of its own; a group given here is merged over the
    process's (only the keys written change), ``rules`` per rule ID."""

    twilio: TwilioSettings | None = None
    flex: FlexSettings | None = None
    schedule: ScheduleSettings | None = None
    events: EventsSettings | None = None
    pagerduty: PagerDutySettings | None = None
    healing: HealingSettings | None = None
    baseline: BaselineSettings | None = None
    silences: SilenceSettings | None = None
    rules: dict[str, RuleSettings] | None = None
    ignore: list[IgnoreEntry] | None = None
    maintenance: list[MaintenanceWindow] | None = None


class AccountEntry(Group):
    """One watched account of the fleet."""

    name: str = Field(
        description="Short, stable name (prod, client-acme): the account label of metrics, "
        "shown in logs and findings.", pattern=ACCOUNT_NAME)
    account_sid: str = Field(description="The account's SID (AC...).", pattern=ACCOUNT_SID)
    credentials: AccountCredentials = Field(description="Where its credentials are.")
    labels: dict[str, str] = Field(
        default_factory=dict, description="Free labels shown with the account.")
    overrides: AccountOverrides = Field(
        default_factory=AccountOverrides, description="Setting groups of its own.")


class SubaccountSettings(Group):
    """Subaccounts of the TWILIO_* account, discovered through the Accounts API."""

    include: list[str] = Field(
        default_factory=lambda: ["*"],
        description="Globs of friendly names or SIDs of the subaccounts watched.")
    exclude: list[str] = Field(
        default_factory=list, description="Globs of friendly names or SIDs left out.")
    interval_seconds: float = Field(
        3600.0, description="How often the daemon discovers them again.", gt=0)


class ShardSettings(Group):
    """Accounts spread over the replicas of a StatefulSet (the Helm chart's fleet.shards)."""

    count: int = setting(
        1, "replicas", "Replicas the fleet is spread over; replica i watches the accounts whose "
        "SHA-256 of the account SID mod count is i.", ge=1)
    index: int | None = setting(
        None, "ordinal", "This replica's i; unset: the pod ordinal, the number at the end of the "
        "host name (flex-watchdog-2 is 2).", ge=0)


class Settings(BaseSettings):
    """The whole effective configuration of one flex-watchdog process."""

    model_config = SettingsConfigDict(
        env_prefix="FLEX_WATCHDOG_", env_nested_delimiter="__", extra="forbid", frozen=True,
        populate_by_name=True)

    account_sid: str | None = setting(
        None, "SID", "Twilio account SID (AC...); environment TWILIO_ACCOUNT_SID.",
        validation_alias=AliasChoices("TWILIO_ACCOUNT_SID", "account_sid"),
        pattern=r"^AC[0-9a-fA-F]{32}$")
    auth_token: SecretStr | None = setting(
        None, "secret", "Twilio auth token; environment TWILIO_AUTH_TOKEN.",
        validation_alias=AliasChoices("TWILIO_AUTH_TOKEN", "auth_token"))
    api_key: str | None = setting(
        None, "SID", "Twilio API key SID (SK...) used instead of the auth token; environment "
        "TWILIO_API_KEY.",
        validation_alias=AliasChoices("TWILIO_API_KEY", "api_key"), pattern=r"^SK[0-9a-fA-F]{32}$")
    api_secret: SecretStr | None = setting(
        None, "secret", "Secret of the API key; environment TWILIO_API_SECRET.",
        validation_alias=AliasChoices("TWILIO_API_SECRET", "api_secret"))
    account_name: str | None = setting(
        None, "name",
        "Short name of the watched account (e.g. prod-us): PagerDuty summaries start with it and "
        "it names their source; the Helm chart sets it from its account value.",
        pattern=r"^[A-Za-z0-9_.:/-]{1,100}$")
    twilio_base_url: str | None = setting(
        None, "URL", "Send Twilio requests to <base>/<product>/<path> (simulator, staging).")
    state_path: Path = setting(
        Path("./flex-watchdog.db"), "path",
        "SQLite state file (baseline, open findings, caches, outbox, heal records), one per account.")
    state_dir: Path | None = setting(
        None, "path",
        "Directory of the fleet's state files, <account_sid>.db each; unset: the directory of "
        "state_path (a single account keeps state_path itself).")
    accounts: list[AccountEntry] = setting(
        [], "list of {name, account_sid, credentials, labels, overrides}",
        "The fleet of watched accounts (without it, the one account of the TWILIO_* variables, "
        "named default). credentials names environment variables (auth_token_env, or "
        "api_key_env and api_secret_env); overrides holds setting groups of the account's own.")
    subaccounts: SubaccountSettings | None = setting(
        None, "{include, exclude, interval_seconds}",
        "Also watch the active subaccounts with a Flex Configuration of the TWILIO_* account, "
        "found through the Accounts API (each with its own auth token, kept in memory only) "
        "and found again every interval_seconds; include and exclude are globs of friendly "
        "names or SIDs.")
    shard: ShardSettings = setting(ShardSettings(), "group", ShardSettings.__doc__ or "")
    shutdown_timeout_seconds: float = setting(
        20.0, "seconds", "Bound on a clean stop after SIGTERM; a running poll is abandoned after it.",
        gt=0)

    twilio: TwilioSettings = setting(TwilioSettings(), "group", TwilioSettings.__doc__ or "")
    flex: FlexSettings = setting(FlexSettings(), "group", FlexSettings.__doc__ or "")
    schedule: ScheduleSettings = setting(ScheduleSettings(), "group", ScheduleSettings.__doc__ or "")
    events: EventsSettings = setting(EventsSettings(), "group", EventsSettings.__doc__ or "")
    http: HttpSettings = setting(HttpSettings(), "group", HttpSettings.__doc__ or "")
    log: LogSettings = setting(LogSettings(), "group", LogSettings.__doc__ or "")
    sentry: SentrySettings = setting(SentrySettings(), "group", SentrySettings.__doc__ or "")
    pagerduty: PagerDutySettings = setting(
        PagerDutySettings(), "group", PagerDutySettings.__doc__ or "")
    healing: HealingSettings = setting(HealingSettings(), "group", HealingSettings.__doc__ or "")
    baseline: BaselineSettings = setting(BaselineSettings(), "group", BaselineSettings.__doc__ or "")
    silences: SilenceSettings = setting(SilenceSettings(), "group", SilenceSettings.__doc__ or "")
    ignore: list[IgnoreEntry] = setting(
        [], "list of {rule, resource, reason, expires}",
        "Findings that show, marked ignored, but never page or heal (docs/operations.md); once "
        "past its expires an ignore no longer holds and is a finding of its own, "
        "config.ignore-expired.")
    maintenance: list[MaintenanceWindow] = setting(
        [], "list of {name, start, end | cron, duration, timezone, rules, heal}",
        "Maintenance windows: findings open and show, no page starts, nothing heals (unless "
        "heal is true); what is still broken when a window ends pages once.")
    rules: dict[str, RuleSettings] = setting(
        {"numbers.message-webhook-overwritten": RuleSettings(autoheal=True)}, "rule ID: group",
        "Per-rule settings under the rule's ID; only this heal is armed by default (it still "
        "waits for healing.enabled).")

    _base_url = field_validator("twilio_base_url", mode="before")(check_base_url)

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources = [init_settings, env_settings]
        user_file = os.environ.get(CONFIG_ENV)
        if user_file:
            sources.append(YamlConfigSettingsSource(settings_cls, yaml_file=user_file))
        sources.append(YamlConfigSettingsSource(settings_cls, yaml_file=default_config_path()))
        return tuple(sources)

    def rule(self, rule_id: str) -> RuleSettings:
        return self.rules.get(rule_id, RuleSettings())

    def secret_values(self) -> list[str]:
        """Every configured secret, for redaction in logs and Sentry events."""
        found = [self.auth_token, self.api_secret, self.sentry.dsn, self.pagerduty.routing_key]
        found += list(self.pagerduty.severity_routing_keys.values())
        found += [r.routing_key for r in self.rules.values()]
        for entry in self.accounts:  # the fleet's credentials and its accounts' routing keys
            creds = entry.credentials
            found += [SecretStr(os.environ.get(name) or "")
                      for name in (creds.auth_token_env, creds.api_secret_env) if name]
            pagerduty, rules = entry.overrides.pagerduty, entry.overrides.rules or {}
            if pagerduty is not None:
                found += [pagerduty.routing_key, *pagerduty.severity_routing_keys.values()]
            found += [r.routing_key for r in rules.values()]
        return [s.get_secret_value() for s in found if s and s.get_secret_value().strip()]


def default_config_path() -> Path:
    return Path(str(resources.files("watchdog") / "defaults" / "flex-watchdog.yaml"))


def load_settings(**overrides: Any) -> Settings:
    """Build settings or raise ConfigError with one line per problem."""
    user_file = os.environ.get(CONFIG_ENV)
    if user_file and not Path(user_file).is_file():
        raise ConfigError(f"config: {CONFIG_ENV}: file not found or not readable: {user_file}")
    unknown = settings_check.unknown_variables(Settings)
    if unknown:
        raise ConfigError("\n".join(unknown))
    try:
        if user_file:
            settings_check.read_yaml(user_file)
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError("\n".join(format_errors(exc))) from None
    except (OSError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if first.startswith("config: "):
            raise ConfigError(first) from None
        if "EnvSettingsSource" in first:
            raise ConfigError(settings_check.environment_value_error(first)) from None
        raise ConfigError(f"config: {user_file or 'defaults'}: cannot read YAML: {first}") from None


def format_errors(exc: ValidationError) -> list[str]:
    """One ``config: <key or variable>: <what is expected>`` line per error, no input values."""
    return settings_check.format_errors(exc, Settings)


def require_credentials(settings: Settings) -> None:
    """Raise ConfigError naming the variables to set when no usable credentials exist."""
    if not settings.account_sid:
        raise ConfigError("config: credentials missing: set TWILIO_ACCOUNT_SID and "
                          "TWILIO_AUTH_TOKEN (or TWILIO_API_KEY and TWILIO_API_SECRET), "
                          "or run `flex-watchdog demo`")
    if settings.api_key and not settings.api_secret:
        raise ConfigError("config: api_secret: required with TWILIO_API_KEY (set TWILIO_API_SECRET)")
    if not settings.api_key and not settings.auth_token:
        raise ConfigError("config: credentials missing: set TWILIO_AUTH_TOKEN "
                          "(or TWILIO_API_KEY and TWILIO_API_SECRET)")


def masked_dump(settings: Settings) -> dict[str, Any]:
    """The effective configuration with every secret shown as ``**********``."""
    return settings.model_dump(mode="json")
