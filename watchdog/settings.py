"""Settings: environment (``FLEX_WATCHDOG_*``, ``TWILIO_*``), an optional YAML file, shipped defaults.

Precedence, highest first: environment, the file named by ``FLEX_WATCHDOG_CONFIG``, the shipped
``config/flex-watchdog.yaml`` (packaged as ``watchdog/defaults/flex-watchdog.yaml``), field defaults.
Every group forbids unknown keys: a typo in the YAML file stops start-up instead of being ignored.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

from watchdog.errors import ConfigError

CONFIG_ENV = "FLEX_WATCHDOG_CONFIG"
Severity = Literal["critical", "warning", "info"]


class Group(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TwilioSettings(Group):
    timeout_seconds: float = Field(10.0, gt=0, description="Timeout of one HTTP request (s).")
    max_attempts: int = Field(4, ge=1, le=10, description="Attempts for 429, 5xx and network errors.")
    backoff_base_seconds: float = Field(0.5, ge=0, description="First retry delay, doubled each time.")
    backoff_max_seconds: float = Field(30.0, ge=0, description="Cap on one retry delay (s).")
    requests_per_second: float = Field(
        10.0, gt=0, description="Client-side pace per Twilio product (GET /FlexFlows allows 10/s).")
    max_pages: int = Field(1000, ge=1, description="A list longer than this many pages is an error.")


class FlexSettings(Group):
    proxy_service_name: str = "Flex Proxy Service"
    voice_flow_name: str = "Voice IVR"
    messaging_flow_name: str = "Messaging Flow"
    webchat_flow_name: str = "Webchat Flow"
    workflow_name: str = "Assign to Anyone"


class ScheduleSettings(Group):
    numbers_seconds: float = Field(60, gt=0)
    flex_flows_seconds: float = Field(60, gt=0)
    services_seconds: float = Field(120, gt=0, description="configuration, chat, proxy, conversations")
    taskrouter_seconds: float = Field(120, gt=0)
    studio_seconds: float = Field(300, gt=0)
    jitter_seconds: float = Field(5, ge=0)
    events_seconds: float = Field(15, gt=0, description="Monitor Events poll interval (s).")
    alerts_seconds: float = Field(60, gt=0, description="Debugger alerts poll interval (s).")


class EventsSettings(Group):
    monitor_enabled: bool = True
    alerts_enabled: bool = True
    webhook_enabled: bool = False
    max_body_bytes: int = Field(65536, gt=0)
    alert_error_codes: list[int] = Field(
        default_factory=lambda: [45205, 80620, 11200, 11205, 11217, 45009, 45763, 50367])


class HttpSettings(Group):
    host: str = "0.0.0.0"
    port: int = Field(9464, ge=0, le=65535)
    healthz_intervals: float = Field(3, gt=0, description="Live while a cycle ended in N intervals.")


class LogSettings(Group):
    format: Literal["text", "json"] = "text"
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class SentrySettings(Group):
    dsn: SecretStr | None = None
    environment: str = "production"
    cron_monitor_slug: str | None = None


class Confirmations(Group):
    deletion: int = Field(2, ge=1, description="Complete observations before a deletion pages.")
    overwrite: int = Field(1, ge=1, description="Complete observations before an overwrite pages.")


class PagerDutySettings(Group):
    routing_key: SecretStr | None = None
    base_url: str = "https://events.pagerduty.com"
    confirmations: Confirmations = Confirmations()
    severity_routing_keys: dict[Severity, SecretStr] = Field(default_factory=dict)
    send_info: bool = False
    runbook_base_url: str = "https://github.com/flex-watchdog/flex-watchdog/blob/main/docs/rules.md"
    max_attempts: int = Field(
        default=5, ge=1, description="Failed attempts of one event before it is reported as "
        "stuck (error log, Sentry); it stays in the outbox and is retried.")
    timeout_seconds: float = Field(
        default=10.0, gt=0, description="Timeout of one Events API request (s).")
    backoff_base_seconds: float = Field(
        default=10.0, gt=0,
        description="Outbox delay after a 429/5xx/network failure, doubled each time (s).")
    backoff_max_seconds: float = Field(default=300.0, gt=0, description="Cap on one delay (s).")
    send_interval_seconds: float = Field(
        default=10.0, gt=0, description="How often the daemon's outbox job delivers (s).")


class HealingSettings(Group):
    enabled: bool = False
    grace_seconds: float = Field(300, ge=0)
    max_per_cycle: int = Field(5, ge=0)
    max_broken_fraction: float = Field(0.2, ge=0, le=1)
    fight_window_seconds: float = Field(3600, ge=0)
    max_failures: int = Field(3, ge=1)


class RuleSettings(Group):
    enabled: bool = True
    autoheal: bool = False
    severity: Severity | None = None
    routing_key: SecretStr | None = None


class Settings(BaseSettings):
    """The whole effective configuration of one flex-watchdog process."""

    model_config = SettingsConfigDict(
        env_prefix="FLEX_WATCHDOG_", env_nested_delimiter="__", extra="forbid", frozen=True,
        populate_by_name=True)

    account_sid: str | None = Field(
        None, validation_alias=AliasChoices("TWILIO_ACCOUNT_SID", "account_sid"),
        pattern=r"^AC[0-9a-fA-F]{32}$")
    auth_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("TWILIO_AUTH_TOKEN", "auth_token"))
    api_key: str | None = Field(
        None, validation_alias=AliasChoices("TWILIO_API_KEY", "api_key"),
        pattern=r"^SK[0-9a-fA-F]{32}$")
    api_secret: SecretStr | None = Field(
        None, validation_alias=AliasChoices("TWILIO_API_SECRET", "api_secret"))
    twilio_base_url: str | None = Field(
        None, description="Send Twilio requests to <base>/<product>/<path> (simulator, staging).")
    state_path: Path = Path("./flex-watchdog.db")
    shutdown_timeout_seconds: float = Field(20, gt=0)

    twilio: TwilioSettings = TwilioSettings()
    flex: FlexSettings = FlexSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    events: EventsSettings = EventsSettings()
    http: HttpSettings = HttpSettings()
    log: LogSettings = LogSettings()
    sentry: SentrySettings = SentrySettings()
    pagerduty: PagerDutySettings = PagerDutySettings()
    healing: HealingSettings = HealingSettings()
    rules: dict[str, RuleSettings] = Field(default_factory=dict)

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
        return [s.get_secret_value() for s in found if s and s.get_secret_value()]


def default_config_path() -> Path:
    return Path(str(resources.files("watchdog") / "defaults" / "flex-watchdog.yaml"))


def load_settings(**overrides: Any) -> Settings:
    """Build settings or raise ConfigError with one line per problem."""
    user_file = os.environ.get(CONFIG_ENV)
    if user_file and not Path(user_file).is_file():
        raise ConfigError(f"config: {CONFIG_ENV}: file not found or not readable: {user_file}")
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError("\n".join(format_errors(exc))) from None
    except (OSError, ValueError) as exc:  # YAML syntax errors arrive as ValueError subclasses
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(f"config: {user_file or 'defaults'}: cannot read YAML: {first}") from None


_MESSAGES = {
    "greater_than": "must be > {gt}",
    "greater_than_equal": "must be >= {ge}",
    "less_than_equal": "must be <= {le}",
    "extra_forbidden": "unknown key",
    "missing": "required",
    "string_pattern_mismatch": "must match {pattern}",
    "literal_error": "must be one of {expected}",
}


def format_errors(exc: ValidationError) -> list[str]:
    """One ``config: <dotted.field>: <what is expected>`` line per error, no input values."""
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(root)"
        loc = {"TWILIO_ACCOUNT_SID": "account_sid", "TWILIO_API_KEY": "api_key"}.get(loc, loc)
        template = _MESSAGES.get(err["type"])
        ctx = {k: int(v) if isinstance(v, float) and v.is_integer() else v
               for k, v in (err.get("ctx") or {}).items()}
        msg = template.format(**ctx) if template else err["msg"]
        lines.append(f"config: {loc}: {msg}")
    return lines


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
