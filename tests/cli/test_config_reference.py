"""The configuration a person can look up: `config schema`, docs/configuration.md, the shipped YAML."""

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from watchdog.cli import main
from watchdog.commands import config_docs
from watchdog.errors import ConfigError
from watchdog.rules.registry import all_rules
from watchdog.settings import Settings, load_settings

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "config" / "flex-watchdog.yaml"


@pytest.fixture(scope="module")
def schema():
    return config_docs.schema()


def test_config_schema_prints_a_valid_json_schema(capsys, schema):
    assert main(["config", "schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == schema
    jsonschema.Draft202012Validator.check_schema(printed)
    # keyed by the names a YAML file uses, not the environment aliases
    assert "account_sid" in printed["properties"]
    assert "TWILIO_ACCOUNT_SID" not in printed["properties"]


def test_every_field_has_a_description_a_unit_and_a_default(schema):
    fields = list(config_docs.entries(schema))
    assert len(fields) >= 72  # groups are fields of their parent too
    missing = [e.key for e in fields if not e.description or not e.unit]
    assert missing == []
    # a default is always stated (None means "unset")
    no_default = [e.key for e in fields if "default" not in e.spec and "<" not in e.key]
    assert no_default == []


def test_every_settings_field_is_in_the_reference(schema):
    keys = {e.key for e in config_docs.entries(schema)}

    def walk(model, prefix):
        for name, field in model.model_fields.items():
            key = f"{prefix}{name}"
            yield key
            inner = field.annotation
            if isinstance(inner, type) and hasattr(inner, "model_fields"):
                yield from walk(inner, key + ".")

    expected = set(walk(Settings, ""))
    assert expected - keys == set()


def test_docs_configuration_md_is_up_to_date(schema):
    current = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert current == config_docs.render_markdown(schema), (
        "docs/configuration.md is stale: run python -m watchdog.commands.config_docs")


def test_docs_name_every_key_and_variable(schema):
    text = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    for entry in config_docs.entries(schema):
        if not entry.group:
            assert f"| `{entry.key}` | `{entry.env}` |" in text
    for group in ("twilio", "flex", "schedule", "events", "http", "log", "sentry", "pagerduty",
                  "pagerduty.confirmations", "healing", "rules.<rule id>"):
        assert f"## `{group}`" in text


def test_shipped_yaml_is_the_generated_one(schema):
    assert SHIPPED.read_text(encoding="utf-8") == config_docs.render_yaml(schema), (
        "config/flex-watchdog.yaml is stale: run python -m watchdog.commands.config_docs")


def test_shipped_yaml_comments_and_values_agree_with_the_schema(schema):
    """Read back like a person would: each key's comment above it, each value the default."""
    by_key = {e.key: e for e in config_docs.entries(schema)}
    known_rules = set(all_rules())
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    path: list[str] = []
    comment: list[str] = []
    checked = 0
    for line in SHIPPED.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^(\s*)(# )?([A-Za-z0-9_.-]+):(.*)$", line)
        stripped = line.strip()
        if match:
            depth = len(match.group(1)) // 2
            path = path[:depth] + [match.group(3)]
            if path[0] == "rules" and len(path) == 2:  # a rule ID, the key of a mapping
                assert path[1] in known_rules and not comment
                continue
            rule_field = path[0] == "rules" and len(path) > 2
            key = ".".join(["rules", "<rule id>", *path[2:]] if rule_field else path)
            entry = by_key[key]
            words = " ".join(c.removeprefix("#").strip() for c in comment)
            assert words == f"[{entry.unit}] {entry.description}", ".".join(path)
            if match.group(2):  # commented out: unset by default
                assert entry.spec.get("default") is None
            elif not entry.group:
                value = data
                for part in path:
                    value = value[part]
                if path[0] != "rules":
                    assert value == entry.spec["default"], ".".join(path)
            checked += 1
            comment = []
        elif stripped.startswith("# ["):
            comment = [stripped]
        elif stripped.startswith("#") and comment:
            comment.append(stripped)
    assert checked >= 72


def test_shipped_yaml_validates_and_changes_no_default(schema):
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)
    assert Settings.model_validate(data) == Settings.model_construct(**{
        name: field.get_default(call_default_factory=True)
        for name, field in Settings.model_fields.items()})


@pytest.mark.parametrize("entry", [
    e for e in config_docs.entries(config_docs.schema())
    if not e.group and e.path[0] != "rules" and "<" not in e.env],
    ids=lambda e: e.key)
def test_documented_variable_reaches_its_field(monkeypatch, entry):
    """Each documented variable is read: a probe value is taken or refused naming the key."""
    probe = "[1, 2]" if entry.spec.get("type") == "array" else "probe-value"  # lists are JSON
    monkeypatch.setenv(entry.env, probe)
    try:
        settings = load_settings()
    except ConfigError as exc:
        assert entry.key in str(exc)
        return
    value = settings
    for part in entry.path:
        value = getattr(value, part)
    shown = value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)
    assert shown == ("[1, 2]" if probe.startswith("[") else probe)


def test_rules_and_severity_keys_from_the_environment(monkeypatch):
    monkeypatch.setenv("FLEX_WATCHDOG_RULES", '{"chat.service-missing": {"enabled": false}}')
    monkeypatch.setenv("FLEX_WATCHDOG_PAGERDUTY__SEVERITY_ROUTING_KEYS__WARNING", "k" * 32)
    settings = load_settings()
    assert settings.rule("chat.service-missing").enabled is False
    assert settings.rule("numbers.message-webhook-overwritten").autoheal is True
    assert settings.pagerduty.severity_routing_keys["warning"].get_secret_value() == "k" * 32


def test_check_mode_reports_a_stale_file(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(config_docs, "DOCS_PATH", tmp_path / "configuration.md")
    monkeypatch.setattr(config_docs, "YAML_PATH", tmp_path / "flex-watchdog.yaml")
    assert config_docs.main(["--check"]) == 1
    assert "out of date" in capsys.readouterr().err
    assert config_docs.main([]) == 0
    assert config_docs.main(["--check"]) == 0
