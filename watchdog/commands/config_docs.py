"""The settings' JSON Schema and what is generated from it: docs/configuration.md, the shipped YAML.

``python -m watchdog.commands.config_docs`` rewrites both files; ``--check`` only reports whether
either is out of date (exit 1). Every field carries a description, a unit and a default in the
schema, so a person can look up any key, and the shipped file's comments are the same sentences.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import AliasChoices

from watchdog.settings import Settings, default_config_path

ROOT = Path(__file__).resolve().parents[2]
DOCS_PATH = ROOT / "docs" / "configuration.md"
YAML_PATH = default_config_path()
REGENERATE = "python -m watchdog.commands.config_docs"
ENV_PREFIX = "FLEX_WATCHDOG_"
# Keys that are not field names: what a person types there instead.
PLACEHOLDERS = {"rules": "<rule id>", "severity_routing_keys": "<severity>"}


def schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of the settings, keyed by YAML names, with units."""
    body = Settings.model_json_schema(by_alias=False)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **body}


@dataclass(frozen=True)
class Entry:
    """One field as a person looks it up."""

    path: tuple[str, ...]
    env: str
    spec: dict[str, Any]
    group: bool

    @property
    def key(self) -> str:
        return ".".join(self.path)

    @property
    def unit(self) -> str:
        return str(self.spec.get("unit", ""))

    @property
    def description(self) -> str:
        return str(self.spec.get("description", ""))


def entries(root: dict[str, Any] | None = None) -> Iterator[Entry]:
    """Every field of the schema, depth first, groups before their fields."""
    root = root or schema()
    yield from _walk(root, root, ())


def _walk(root: dict[str, Any], node: dict[str, Any], path: tuple[str, ...]) -> Iterator[Entry]:
    for name, spec in node.get("properties", {}).items():
        here = (*path, name)
        target = _target(root, spec)
        values = spec.get("additionalProperties")
        if target is not None:
            yield Entry(here, _env(here), {**target, **spec, "description": spec.get(
                "description", target.get("description", ""))}, True)
            yield from _walk(root, target, here)
        elif isinstance(values, dict) and _target(root, values) is not None:
            yield Entry(here, _env(here), spec, True)
            yield from _walk(root, _target(root, values) or {}, (*here, PLACEHOLDERS[name]))
        elif isinstance(values, dict) and name in PLACEHOLDERS:  # one variable per key
            yield Entry(here, _env((*here, PLACEHOLDERS[name])), spec, False)
        else:
            yield Entry(here, _env(here), spec, False)


def _target(root: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any] | None:
    ref = spec.get("$ref")
    if not isinstance(ref, str):
        return None
    found: dict[str, Any] = root["$defs"][ref.rsplit("/", 1)[-1]]
    return found


def _env(path: tuple[str, ...]) -> str:
    if len(path) == 1:
        alias = Settings.model_fields[path[0]].validation_alias
        if isinstance(alias, AliasChoices):
            return str(alias.choices[0])
    if path[0] == "rules":
        return f"{ENV_PREFIX}RULES (JSON)"
    parts = [p.upper().replace(" ", "_") for p in path]
    return ENV_PREFIX + "__".join(parts)


def type_name(spec: dict[str, Any]) -> str:
    """A short type for a person: number, integer, secret, one of a|b, list of integer..."""
    options = spec.get("anyOf")
    if options:
        names = [type_name(o) for o in options if o.get("type") != "null"]
        return " or ".join(names) + (" (optional)" if len(names) < len(options) else "")
    if spec.get("format") == "password":
        return "secret"
    if "enum" in spec:
        return "one of " + ", ".join(str(v) for v in spec["enum"])
    if spec.get("type") == "array":
        return "list of " + type_name(spec.get("items", {}))
    if isinstance(spec.get("additionalProperties"), dict):
        return "mapping to " + type_name(spec["additionalProperties"])
    if spec.get("type") == "object" or "$ref" in spec:
        return "mapping"
    return str(spec.get("type", "any"))


def _default(entry: Entry) -> str:
    if "default" not in entry.spec or entry.spec["default"] is None:
        return "unset"
    return f"`{json.dumps(entry.spec['default'])}`"


DOC_HEADER = f"""\
# Configuration reference

Generated from the settings' JSON Schema by `{REGENERATE}`; do not edit by
hand (a test fails when this file is out of date). `flex-watchdog config schema` prints the same schema,
`flex-watchdog config show` the effective values with secrets masked.

Sources, highest first: environment variables, the YAML file named by `FLEX_WATCHDOG_CONFIG`,
the shipped [`config/flex-watchdog.yaml`](../config/flex-watchdog.yaml), the defaults below.
A nested key `group.field` is the variable `FLEX_WATCHDOG_GROUP__FIELD`. Credentials use the
standard Twilio variables. `rules` takes a JSON object in `FLEX_WATCHDOG_RULES`, for example
`FLEX_WATCHDOG_RULES='{{"chat.service-missing": {{"enabled": false}}}}'`, merged with the files.
Unknown keys and bad values stop start-up with one line naming the key (exit 2).
"""


def render_markdown(root: dict[str, Any] | None = None) -> str:
    all_entries = list(entries(root))
    groups = [e.path for e in all_entries if e.group]

    def rows(owner: tuple[str, ...]) -> list[Entry]:
        return [e for e in all_entries if not e.group and max(
            (g for g in groups if e.path[:len(g)] == g), key=len, default=()) == owner]

    parts = [DOC_HEADER, "## Top level\n", _table(rows(()))]
    for group in (e for e in all_entries if e.group):
        title = f"## `{'.'.join(_inner(group))}`\n\n{group.description}\n"
        if group.path[-1] in PLACEHOLDERS:
            title += f"\nDefault: {_default(group)}.\n"
        parts += [title, _table(rows(group.path))]
    return "\n".join(parts).rstrip() + "\n"


def _inner(group: Entry) -> tuple[str, ...]:
    placeholder = PLACEHOLDERS.get(group.path[-1])
    return (*group.path, placeholder) if placeholder and group.path[-1] == "rules" else group.path


def _table(rows: list[Entry]) -> str:
    lines = ["| YAML key | Environment variable | Type | Default | Unit | Description |",
             "|---|---|---|---|---|---|"]
    for e in rows:
        cells = [f"`{e.key}`", f"`{e.env}`", type_name(e.spec), _default(e), e.unit, e.description]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines) + "\n"


YAML_HEADER = f"""\
# flex-watchdog shipped defaults.
#
# Generated from the settings by `{REGENERATE}`; do not edit by hand
# (docs/configuration.md is the same reference). Each key is commented with [unit] and its meaning.
# Your own file (named by FLEX_WATCHDOG_CONFIG) is merged over this one, and environment variables
# (FLEX_WATCHDOG_<GROUP>__<FIELD>, e.g. FLEX_WATCHDOG_HEALING__ENABLED=true) win over both.
# Credentials come only from the environment: TWILIO_ACCOUNT_SID with TWILIO_AUTH_TOKEN, or
# TWILIO_API_KEY + TWILIO_API_SECRET. Unknown keys are an error, not ignored.
"""


def render_yaml(root: dict[str, Any] | None = None) -> str:
    root = root or schema()
    lines = [YAML_HEADER]
    defaults = {name: spec.get("default") for name, spec in root["properties"].items()}
    lines += _yaml_block(root, root, defaults, 0)
    return "\n".join(lines).rstrip() + "\n"


def _yaml_block(root: dict[str, Any], node: dict[str, Any], values: dict[str, Any],
                depth: int) -> list[str]:
    pad = "  " * depth
    out: list[str] = []
    for name, spec in node.get("properties", {}).items():
        target = _target(root, spec)
        description = spec.get("description") or (target or {}).get("description", "")
        if depth == 0 and (target is not None or "additionalProperties" in spec):
            out.append("")
        out += comment(f"[{spec.get('unit', '')}] {description}", pad)
        value = values.get(name)
        items = _target(root, spec.get("additionalProperties") or {})
        if target is not None:
            out.append(f"{pad}{name}:")
            out += _yaml_block(root, target, value or {}, depth + 1)
        elif items is not None and value:
            out.append(f"{pad}{name}:")
            for key, item in value.items():
                out.append(f"{pad}  {key}:")
                out += _yaml_block(root, items, item, depth + 2)
        elif value is None:
            out.append(f"{pad}# {name}:")
        else:
            out.append(f"{pad}{name}: {_scalar(value)}")
    return out


def comment(text: str, pad: str) -> list[str]:
    return textwrap.wrap(text, width=100, initial_indent=f"{pad}# ", subsequent_indent=f"{pad}# ")


def _scalar(value: Any) -> str:
    dumped = yaml.safe_dump(value, default_flow_style=True, width=1000).strip()
    return dumped.removesuffix("\n...").strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=REGENERATE, description=(
        "Regenerate docs/configuration.md and the shipped YAML from the settings."))
    parser.add_argument("--check", action="store_true", help="exit 1 if a file is stale")
    args = parser.parse_args(argv)
    root = schema()
    stale = 0
    for path, text in ((DOCS_PATH, render_markdown(root)), (YAML_PATH, render_yaml(root))):
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        if args.check:
            print(f"{path} is out of date: run {REGENERATE}", file=sys.stderr)
            stale = 1
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    return stale


if __name__ == "__main__":
    raise SystemExit(main())
