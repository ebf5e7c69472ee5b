"""What an endpoint receives (``Call``) and returns (``Reply``), plus form and list helpers."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from watchdog.simulator.errors import ApiError, bad_request, missing, not_found
from watchdog.simulator.paging import PAGING_PARAMS, meta_page, page_request
from watchdog.simulator.records import Record
from watchdog.simulator.world import World


@dataclass
class Call:
    """One API request, already routed: ``path`` is the path on Twilio's host."""

    world: World
    method: str
    product: str
    path: str
    query_pairs: list[tuple[str, str]]
    form: dict[str, list[str]]
    json_body: Any
    params: dict[str, str]
    client_ip: str

    @property
    def query(self) -> dict[str, str]:
        """Query parameters (first value of each)."""
        result: dict[str, str] = {}
        for name, value in self.query_pairs:
            result.setdefault(name, value)
        return result

    def filters(self) -> list[tuple[str, str]]:
        """Non-paging query parameters, kept in page URLs like Twilio does."""
        return [(name, value) for name, value in self.query_pairs if name not in PAGING_PARAMS]

    def has(self, name: str) -> bool:
        """Whether form parameter ``name`` was sent."""
        return name in self.form

    def text(self, name: str) -> str | None:
        """Form parameter ``name`` (its first value), or None when absent."""
        values = self.form.get(name)
        return values[0] if values else None

    def required(self, name: str) -> str:
        """Form parameter ``name``; 400 when absent or empty."""
        value = self.text(name)
        if not value:
            raise missing(name)
        return value

    def not_found(self) -> ApiError:
        """404/20404 for this request's path."""
        return not_found(self.path)


@dataclass
class Reply:
    """An answer: ``body`` None means no body (204)."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Call], Reply]
Converter = Callable[[str, list[str]], Any]


def text(name: str, values: list[str]) -> str:
    """A string parameter."""
    return values[0]


def boolean(name: str, values: list[str]) -> bool:
    """``true``/``false`` (any case), as the SDK sends booleans."""
    value = values[0].strip().lower()
    if value not in ("true", "false"):
        raise bad_request(f"Invalid {name}: {values[0]!r} is not a boolean")
    return value == "true"


def integer(name: str, values: list[str]) -> int:
    """An integer parameter."""
    try:
        return int(values[0])
    except ValueError:
        raise bad_request(f"Invalid {name}: {values[0]!r} is not an integer") from None


def http_method(name: str, values: list[str]) -> str:
    """``GET`` or ``POST`` (Twilio accepts either case and answers upper case)."""
    value = values[0].upper()
    if value not in ("GET", "POST"):
        raise bad_request(f"Invalid {name}: {values[0]!r} is not GET or POST")
    return value


def strings(name: str, values: list[str]) -> list[str]:
    """A repeated parameter (``WebhookFilters=a&WebhookFilters=b``)."""
    return list(values)


def snake(pascal: str) -> str:
    """``ChatServiceSid`` -> ``chat_service_sid``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", pascal).lower()


def form_changes(call: Call, fields: Mapping[str, Converter]) -> dict[str, Any]:
    """The snake_case changes for the ``fields`` present in the form (unknown ones ignored).

    A dotted name (``Integration.FlowSid``) becomes ``{"integration": {"flow_sid": ...}}``.
    """
    changes: dict[str, Any] = {}
    for name, convert in fields.items():
        if name not in call.form:
            continue
        value = convert(name, call.form[name])
        if "." in name:
            outer, inner = name.split(".", 1)
            changes.setdefault(snake(outer), {})[snake(inner)] = value
        else:
            changes[snake(name)] = value
    return changes


def apply(record: Record, changes: Mapping[str, Any], stamp: str) -> Record:
    """Merge ``changes`` (nested dicts merged one level deep) and bump ``date_updated``."""
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(record.get(key), dict):
            record[key] = {**record[key], **value}
        else:
            record[key] = value
    record["date_updated"] = stamp
    return record


def lookup(call: Call, store: Mapping[str, Record], sid: str) -> Record:
    """``store[sid]`` or 404 for this request's path."""
    record = store.get(sid)
    if record is None:
        raise call.not_found()
    return record


def ok(record: Any, status: int = 200) -> Reply:
    """A JSON answer holding a deep copy (the record may change after the lock is released)."""
    return Reply(status, copy.deepcopy(record))


def listing(call: Call, key: str, items: Sequence[Record], maximum: int = 1000,
            clamp: int | None = None, cursor: str = "sid") -> Reply:
    """A v1/v2 list page of ``items`` (PageSize limits per endpoint, see ``paging``)."""
    req = page_request(call.query, maximum, clamp)
    body = meta_page(f"{call.product}.twilio.com", call.path, call.filters(), key, items, req,
                     cursor)
    return Reply(200, copy.deepcopy(body))


def matches(record: Record, call: Call, filters: Mapping[str, str]) -> bool:
    """Whether ``record`` passes exact-match query filters ``{QueryName: field}``."""
    query = call.query
    return all(record.get(field_name) == query[param]
               for param, field_name in filters.items() if query.get(param))
