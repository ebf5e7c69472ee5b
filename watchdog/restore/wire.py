"""The exact request of a step, sent through the Twilio SDK's client (its HTTP client applies
the base-URL override, pacing and accounting), and the reads that guard and verify it."""

from __future__ import annotations

import json
import re
from typing import Any

from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from watchdog.healing.model import Request
from watchdog.model.urls import blank
from watchdog.restore.plan import Step
from watchdog.restore.steps_studio import widget_fields

_NEW = re.compile(r"\$NEW\[(\w+)\]")


class Unresolved(ValueError):
    """A ``$NEW[...]`` reference to a re-creation that has not been applied."""


def substitute(request: Request, created: dict[str, str]) -> Request:
    def one(text: str) -> str:
        def swap(m: re.Match[str]) -> str:
            if m[1] not in created:
                raise Unresolved(f"{m[1]} has not been re-created yet")
            return created[m[1]]
        return _NEW.sub(swap, text)
    return Request(request.method, one(request.url),
                   {k: [one(i) for i in v] if isinstance(v, list) else one(v)
                    for k, v in request.form.items()})


def resolve_values(values: dict[str, Any], created: dict[str, str]) -> dict[str, Any]:
    text = _NEW.sub(lambda m: created.get(m[1], m[0]), json.dumps(values))
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def send(client: Client, request: Request) -> dict[str, Any]:
    response = client.request(request.method, request.url, data=dict(request.form))
    return _body(response, request.method, request.url)


def get(client: Client, url: str, params: dict[str, str] | None = None) -> dict[str, Any]:
    query: dict[str, object] | None = dict(params) if params is not None else None
    return _body(client.request("GET", url, params=query), "GET", url)


def _body(response: Any, method: str, url: str) -> dict[str, Any]:
    try:
        body = json.loads(response.text or "{}")
    except ValueError:
        body = {}
    if response.status_code >= 400:
        raise TwilioRestException(response.status_code, url, body.get("message", response.text),
                                  body.get("code"), method)
    return body if isinstance(body, dict) else {}


def fields(resource_type: str, record: dict[str, Any]) -> dict[str, Any]:
    """A record's values under the dotted names steps use (``integration.flow_sid``...)."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, dict):
            out.update({f"{key}.{k}": v for k, v in value.items()})
        out[key] = None if blank(value) else value
    if resource_type == "studio_flow":
        out.update(widget_fields(record.get("definition")))
    return out


def listed(client: Client, step: Step) -> list[dict[str, Any]]:
    """Every record of the list a create step adds to (all pages)."""
    url: str | None = step.read_url
    params: dict[str, str] | None = {"PageSize": "50"}  # every list here allows 50
    out: list[dict[str, Any]] = []
    while url:
        page = get(client, url, params)
        meta = page.get("meta") or {}
        out += [r for r in page.get(str(meta.get("key"))) or () if isinstance(r, dict)]
        url, params = meta.get("next_page_url"), None
    return out


def find_created(client: Client, step: Step, match: dict[str, Any]) -> dict[str, Any] | None:
    """The record a create step made (or would duplicate): every ``match`` field equal.
    Studio lists carry no definition: a candidate flow is fetched to compare its widgets."""
    for record in listed(client, step):
        values = fields(step.resource_type, record)
        if step.resource_type == "studio_flow" and record.get("sid"):
            values = fields(step.resource_type, get(client, f"{step.read_url}/{record['sid']}"))
        if all(values.get(k) == v for k, v in match.items()):
            return values
    return None


def read(client: Client, step: Step, url: str) -> dict[str, Any]:
    return fields(step.resource_type, get(client, url))
