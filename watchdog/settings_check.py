"""What is checked before and around pydantic, so that every bad input is one plain line.

* the YAML file: syntax errors with file, line and column; Twilio credentials refused (they come
  only from ``TWILIO_*`` variables);
* ``FLEX_WATCHDOG_*`` variables that map to no setting (pydantic-settings ignores them, so a
  ``FLEX_WATCHDOG_PAGERDUTY_ROUTING_KEY`` with one underscore would silently turn paging off);
* pydantic's messages, translated: which variable or key, what is expected, an example.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Iterator, Mapping
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

PREFIX = "FLEX_WATCHDOG_"
CONFIG_ENV = "FLEX_WATCHDOG_CONFIG"
# Top-level fields read from the standard Twilio variables, never from the file.
CREDENTIALS = {"account_sid": "TWILIO_ACCOUNT_SID", "auth_token": "TWILIO_AUTH_TOKEN",
               "api_key": "TWILIO_API_KEY", "api_secret": "TWILIO_API_SECRET"}
# What Kubernetes injects for a Service of the same name (the chart turns it off).
SERVICE_LINK = re.compile(r"^FLEX_WATCHDOG_(SERVICE_(HOST|PORT)\w*|PORT(_\d+_(TCP|UDP|SCTP)\w*)?)$")


def read_yaml(path: str) -> None:
    """Raise ValueError (one line) for a YAML file that cannot be the settings file."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ValueError(f"config: {path}: {where}{exc.problem or exc.context or 'invalid YAML'}"
                         " (YAML syntax)") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ValueError(f"config: {path}: cannot read YAML: {type(exc).__name__}") from None
    if data is None:
        return
    if not isinstance(data, dict):
        raise ValueError(f"config: {path}: expected a mapping of settings (key: value) at the top, "
                         f"not a {type(data).__name__}")
    for key in sorted(set(data) & set(CREDENTIALS)):
        raise ValueError(f"config: {path}: {key}: credentials are never read from a file; set "
                         f"{CREDENTIALS[key]} in the environment (a Kubernetes Secret)")


def _names(model: type[BaseModel], path: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """(variable, dotted key) for every field, groups included (a group takes JSON)."""
    for name, field in model.model_fields.items():
        if not path and name in CREDENTIALS:
            continue
        here = (*path, name)
        yield PREFIX + "__".join(p.upper() for p in here), ".".join(here)
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield from _names(annotation, here)
        elif get_origin(annotation) is dict:
            key_type, value_type = get_args(annotation)
            keys = _key_names(key_type) or ("<RULE_ID>",)
            for key in keys:
                inner = (*here, str(key))
                yield PREFIX + "__".join(p.upper() for p in inner), ".".join(inner)
                if isinstance(value_type, type) and issubclass(value_type, BaseModel):
                    yield from _names(value_type, inner)


def _key_names(key_type: Any) -> tuple[str, ...]:
    """The keys a mapping allows: a Literal's values, an enum's (also inside Annotated)."""
    if get_origin(key_type) is Annotated:
        key_type = get_args(key_type)[0]
    if isinstance(key_type, type) and issubclass(key_type, Enum):
        return tuple(str(member.value) for member in key_type)
    return tuple(str(key) for key in get_args(key_type))


def known_variables(settings_cls: type[BaseModel]) -> dict[str, str]:
    """Every ``FLEX_WATCHDOG_*`` variable a setting is read from -> its dotted key."""
    found = dict(_names(settings_cls, ()))
    found[CONFIG_ENV] = "(the YAML settings file)"
    return found


def _rule_variable(name: str, known: Mapping[str, str]) -> bool:
    """``FLEX_WATCHDOG_RULES__<rule id>[__<field>]``: any rule ID (checked later by name)."""
    parts = name[len(PREFIX):].split("__")
    if parts[0] != "RULES" or len(parts) not in (2, 3) or not parts[1]:
        return False
    return len(parts) == 2 or f"{PREFIX}RULES__<RULE_ID>__{parts[2]}" in known


def _closest(raw: str, known: Mapping[str, str]) -> str | None:
    """The setting a mistyped variable most likely meant (a rule's own fields for RULES__)."""
    parts = raw.split("__")
    if parts[0].upper() == f"{PREFIX}RULES" and len(parts) == 3:
        fields = [k.rsplit("__", 1)[1] for k in known if k.startswith(f"{PREFIX}RULES__<")]
        close = difflib.get_close_matches(parts[2].upper(), fields, n=1, cutoff=0.5)
        if close:
            return (f"{parts[0]}__{parts[1]}__{close[0]} "
                    f"(rules.{parts[1]}.{close[0].lower()})")
        return None
    close = difflib.get_close_matches(raw.upper(), [k for k in known if "<" not in k], n=1,
                                      cutoff=0.6)
    return f"{close[0]} ({known[close[0]]})" if close else None


def unknown_variables(settings_cls: type[BaseModel],
                      environ: Mapping[str, str] | None = None) -> list[str]:
    """One line per ``FLEX_WATCHDOG_*`` variable that maps to no setting, naming the closest."""
    env = os.environ if environ is None else environ
    known = known_variables(settings_cls)
    lines = []
    for raw in sorted(env):
        name = raw.upper()
        if not name.startswith(PREFIX) or name in known or _rule_variable(name, known):
            continue
        if SERVICE_LINK.match(name):
            hint = ("looks like a Kubernetes service link; turn them off "
                    "(enableServiceLinks: false, as the chart does) or rename the Service")
        else:
            close = _closest(raw, known)
            hint = (f"did you mean {close}?" if close
                    else "see `flex-watchdog config schema` for the settings")
            hint += " Groups and fields are separated by two underscores."
        lines.append(f"config: {raw}: no such setting; {hint}")
    return lines


_EXPECTED = {
    "float_parsing": "expected a number", "float_type": "expected a number",
    "int_parsing": "expected a whole number", "int_type": "expected a whole number",
    "int_from_float": "expected a whole number", "bool_parsing": "expected true or false",
    "bool_type": "expected true or false", "string_type": "expected text",
    "dict_type": "expected a mapping (key: value)", "model_type": "expected a mapping (key: value)",
    "model_attributes_type": "expected a mapping (key: value)", "list_type": "expected a list",
    "json_invalid": "expected JSON", "greater_than": "must be > {gt}",
    "greater_than_equal": "must be >= {ge}", "less_than_equal": "must be <= {le}",
    "less_than": "must be < {lt}", "extra_forbidden": "unknown key", "missing": "required",
    "string_pattern_mismatch": "must match {pattern}", "literal_error": "must be one of {expected}",
    "enum": "must be one of {expected}",
}


# Patterns of the SID settings, shown as what is expected instead of the regular expression.
PATTERNS = {"^AC[0-9a-fA-F]{32}$": "AC and 32 hex digits, e.g. AC0123456789abcdef0123456789abcdef",
            "^SK[0-9a-fA-F]{32}$": "SK and 32 hex digits, e.g. SK0123456789abcdef0123456789abcdef",
            "^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$":
                "a short name of lowercase letters, digits and dashes, e.g. prod or client-acme",
            "^[A-Za-z_][A-Za-z0-9_]{0,127}$":
                "the name of an environment variable, e.g. TWILIO_AUTH_TOKEN_PROD"}


def environment_value_error(message: str, environ: Mapping[str, str] | None = None) -> str:
    """pydantic-settings' "error parsing value for field X from source EnvSettingsSource"."""
    env = os.environ if environ is None else environ
    found = re.search(r'field "(\w+)"', message)
    group = found.group(1).upper() if found else ""
    names = sorted(k for k in env if k.upper().startswith(f"{PREFIX}{group}")) or [f"{PREFIX}*"]
    return (f"config: {', '.join(names)}: cannot be parsed; lists and mappings are given as "
            f"JSON, e.g. FLEX_WATCHDOG_EVENTS__ALERT_ERROR_CODES='[45205, 11200]'")


def _default(settings_cls: type[BaseModel], loc: tuple[Any, ...]) -> Any:
    """The shipped default at ``loc`` (an example of a good value), or None."""
    model: Any = settings_cls
    value: Any = None
    for part in loc:
        fields = getattr(model, "model_fields", None)
        if not fields or part not in fields:
            return None
        field = fields[part]
        value = field.default
        model = field.annotation
    return None if isinstance(value, BaseModel | dict) else value


def _example(value: Any) -> str:
    if value is None or value == [] or value == "":
        return ""
    if isinstance(value, bool):
        return f", e.g. {str(value).lower()}"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, list):
        value = json.dumps(value)  # what a variable takes; the same text is valid YAML
    return f", e.g. {value}"


def _variable(loc: tuple[Any, ...], environ: Mapping[str, str]) -> str | None:
    """The environment variable that set ``loc``, when one did."""
    names = [CREDENTIALS.get(str(loc[0]), "")] if len(loc) == 1 else []
    names.append(PREFIX + "__".join(str(p).upper() for p in loc))
    upper = {k.upper(): k for k in environ}
    return next((upper[n] for n in names if n and n in upper), None)


def format_errors(exc: ValidationError, settings_cls: type[BaseModel],
                  environ: Mapping[str, str] | None = None) -> list[str]:
    """One ``config: <key or variable>: <what is expected>[, e.g. <example>]`` line per error;
    never the value given (it may be a secret)."""
    env = os.environ if environ is None else environ
    lines = []
    for err in exc.errors():
        loc = tuple({v: k for k, v in CREDENTIALS.items()}.get(str(p), p) for p in err["loc"])
        key = ".".join(str(p) for p in loc) or "(root)"
        variable = _variable(loc, env)
        where = f"{variable} ({key})" if variable else key
        ctx = {k: int(v) if isinstance(v, float) and v.is_integer() else v
               for k, v in (err.get("ctx") or {}).items()}
        if err["type"] == "value_error":
            msg = str(ctx.get("error", err["msg"]))
        elif err["type"] == "string_pattern_mismatch" and ctx.get("pattern") in PATTERNS:
            msg = f"expected {PATTERNS[str(ctx['pattern'])]}"
        elif err["type"] in _EXPECTED:
            msg = _EXPECTED[err["type"]].format(**ctx)
            if err["type"].endswith(("_type", "_parsing", "_from_float")):
                msg += _example(_default(settings_cls, loc))
        else:
            msg = err["msg"]
        lines.append(f"config: {where}: {msg}")
    return lines
