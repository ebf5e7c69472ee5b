"""``POST /events/twilio``: pushed signals (Event Streams webhook sink, Debugger webhook).

Every request must carry a valid ``X-Twilio-Signature`` made with the account's auth token
(403 otherwise, counted) and fit in ``events.max_body_bytes`` (413). The payload is trusted for
one thing only: which family to refresh now. It never becomes evidence or state; polling
re-reads Twilio. A JSON body (Event Streams) is accepted signed either way Twilio signs one:
over the URL with a ``bodySHA256`` query parameter that the body must hash to, or over the URL
alone. ``GET /events/twilio`` answers how many sink tests arrived (``events setup`` reads it).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from twilio.request_validator import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)

from watchdog.model.times import utcnow
from watchdog.signals.events import Lookup, families_for_alert, families_for_event
from watchdog.signals.streams import TEST_TYPE, SinkTests, families_of_type, named_sids

log = logging.getLogger(__name__)
PATH = "/events/twilio"


class Headers(Protocol):
    def get(self, name: str, default: None = None, /) -> str | None: ...


class FormParams(dict[str, list[str]]):
    """Form fields with every value kept; ``getall`` is what RequestValidator looks for."""

    def getall(self, name: str) -> list[str]:
        return self[name]


@dataclass(frozen=True)
class WebhookRequest:
    """What the HTTP layer hands over: the path with its query, headers, a body reader."""

    path: str
    headers: Headers
    read: Callable[[int], bytes]


class WebhookReceiver:
    """Validates a pushed request and turns it into ``signal(families, "webhook")`` and, for
    a resource that can be read alone, ``signal_resources(sids, "webhook")``: the refresh a
    Monitor event or a Debugger alert asks for."""

    def __init__(self, auth_token: str, account_sid: str, max_bytes: int, lookup: Lookup,
                 signal: Callable[[set[str], str], None],
                 rejected: Callable[[str], None] = lambda reason: None,
                 alone: Callable[[str], str | None] = lambda sid: None,
                 signal_resources: Callable[[set[str], str], None] = lambda sids, source: None,
                 ) -> None:
        self.validator = RequestValidator(auth_token)
        self.account_sid, self.max_bytes = account_sid, max_bytes
        self.lookup, self.signal, self.rejected = lookup, signal, rejected
        # the family a resource is read alone in (None: only its family's poll reads it)
        self.alone, self.signal_resources = alone, signal_resources
        self.tests = SinkTests()
        self._resources = threading.local()  # SIDs the request being handled names alone

    def handle(self, request: WebhookRequest) -> int:
        """The HTTP status to answer: 204 accepted, 403 unsigned/bad, 413 too big, 400 bad."""
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signature:
            self.rejected("unsigned")
            return 403
        try:
            length = int(request.headers.get("Content-Length") or 0)
        except ValueError:
            return 400
        if length < 0:
            return 400
        if length > self.max_bytes:
            return 413
        body = request.read(length).decode("utf-8", errors="replace")
        hashed = "bodySHA256" in parse_qs(urlsplit(request.path).query)
        json_body = hashed or _is_json(request.headers.get("Content-Type"))
        # bodySHA256: the SDK checks the body against it; a JSON body without it is not signed,
        # so the URL alone is (no form parameters), and the body is read only as a hint
        params: str | FormParams = body if hashed else FormParams(
            {} if json_body else parse_qs(body, keep_blank_values=True))
        algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER))
        if not any(self.validator.validate(url, params, signature, algorithm)
                   for url in candidate_urls(request.path, request.headers)):
            log.warning("webhook: rejected a request with a bad signature")
            self.rejected("bad_signature")
            return 403
        self._resources.sids = set()
        families = self.interpret(body if json_body else params)
        sids: set[str] = self._resources.sids
        log.info("webhook: signal accepted, refreshing %s",
                 ", ".join(sorted(families | sids)) or "nothing")
        self.signal(families, "webhook")
        if sids:
            self.signal_resources(sids, "webhook")
        return 204

    def interpret(self, payload: str | FormParams) -> set[str]:
        """Which families the signal names; anything unreadable names none."""
        try:
            if isinstance(payload, str):
                return self._cloud_events(json.loads(payload))
            return self._debugger(payload)
        except (ValueError, TypeError, AttributeError):
            return set()

    def _debugger(self, form: FormParams) -> set[str]:
        """Debugger webhook: ``AccountSid`` and a JSON ``Payload``.

        https://www.twilio.com/docs/usage/troubleshooting/debugging-event-webhooks"""
        if form.get("AccountSid", [""])[0] != self.account_sid:
            return set()
        payload = json.loads(form.get("Payload", ["{}"])[0])
        return self._alert(payload)

    def _alert(self, data: Mapping[str, Any]) -> set[str]:
        """A Debugger entry's families; a watched resource of the family its code names is
        read alone instead (an 11200 on a number re-reads that number, not every number)."""
        text = str(data.get("error_code"))
        code = int(text) if text.isdigit() else None
        resource = _str(data.get("resource_sid"))
        families = families_for_alert(code, resource, _str(data.get("service_sid")), self.lookup)
        sids = getattr(self._resources, "sids", None)
        if resource and sids is not None and families and families == {self.alone(resource)}:
            sids.add(resource)
            return set()
        return families

    def _cloud_events(self, events: Any) -> set[str]:
        """Event Streams: a JSON array of CloudEvents.

        https://www.twilio.com/docs/events/webhook-quickstart"""
        families: set[str] = set()
        for event in events if isinstance(events, list) else [events]:
            kind, data = str(event.get("type", "")), event.get("data") or {}
            if kind == TEST_TYPE:
                self.tests.record(utcnow(), _str(data.get("test_id")))
                log.info("webhook: Event Streams sink test received")
            elif kind.startswith("com.twilio.error-logs."):
                families |= self._alert(data)
            elif families_of_type(kind):
                families |= families_of_type(kind)
            else:
                for sid in named_sids(data)[:1]:
                    families |= families_for_event(None, sid, self.lookup)
        return families

    def status(self) -> dict[str, Any]:
        """``GET /events/twilio``: how many sink tests arrived, the last one when."""
        return self.tests.status()


def candidate_urls(path: str, headers: Headers) -> list[str]:
    """The URLs Twilio may have signed: behind a proxy the scheme and host are forwarded."""
    host = _first(headers.get("X-Forwarded-Host")) or headers.get("Host") or "localhost"
    schemes = [_first(headers.get("X-Forwarded-Proto")), "https", "http"]
    return [f"{s}://{host}{path}" for s in dict.fromkeys(x for x in schemes if x)]


def _is_json(content_type: str | None) -> bool:
    return (content_type or "").split(";", 1)[0].strip().lower() == "application/json"


def _first(value: str | None) -> str:
    return (value or "").split(",")[0].strip()


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
