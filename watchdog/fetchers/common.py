"""Paging and record conversion shared by the family fetchers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from twilio.base.exceptions import TwilioException, TwilioRestException

from watchdog.errors import CredentialsRejected, FetchError, FetchReason
from watchdog.fetchers.pages import read_pages
from watchdog.model.snapshot import Resource

NOISE = frozenset({"url", "links", "uri", "date_updated", "date_created", "account_sid"})


def record(instance: Any, keep: Iterable[str] | None = None) -> dict[str, Any]:
    """The public fields of an SDK instance (or only ``keep``) as plain JSON-able values."""
    fields = vars(instance)
    out: dict[str, Any] = {}
    for key in fields if keep is None else keep:
        if key.startswith("_"):
            continue
        value = fields.get(key)
        out[key] = value.isoformat() if isinstance(value, datetime) else value
    return out


def essence(data: dict[str, Any], keep: Iterable[str] | None = None) -> dict[str, Any]:
    if keep is not None:
        return {k: data.get(k) for k in keep}
    return {k: v for k, v in data.items() if k not in NOISE}


def make(type_: str, data: dict[str, Any], keep: Iterable[str] | None = None,
         meta: dict[str, Any] | None = None) -> Resource:
    sid = data.get("sid")
    if not isinstance(sid, str) or not sid:
        raise FetchError(f"{type_}: a record without a sid", reason=FetchReason.BAD_RESPONSE)
    return Resource.make(type_, sid, essence(data, keep), meta)


def read_all(lister: Any, page_size: int, max_pages: int, **filters: Any) -> Iterator[Any]:
    """Every record of a list, page by page; a list that never ends is an error, not data."""
    for page in read_pages(lister, page_size, max_pages, **filters):
        yield from page


def classify_error(exc: BaseException, account_sid: str) -> FetchError:
    """Turn whatever the SDK or the network raised into a FetchError with a bounded reason."""
    import requests

    if isinstance(exc, FetchError):
        return exc
    if isinstance(exc, TwilioRestException):
        return _from_status(exc.status, getattr(exc, "code", None), account_sid,
                            f"HTTP {exc.status} (code {exc.code}) on {exc.method} {exc.uri}")
    if isinstance(exc, TwilioException) and len(exc.args) > 1 and hasattr(exc.args[1], "status_code"):
        response = exc.args[1]
        code = _body_code(getattr(response, "text", ""))
        return _from_status(response.status_code, code, account_sid,
                            f"HTTP {response.status_code} (code {code}) reading a list page")
    if isinstance(exc, requests.Timeout):
        return FetchError(f"timed out: {type(exc).__name__}", reason=FetchReason.TIMEOUT)
    if isinstance(exc, requests.RequestException):
        return FetchError(f"network error: {type(exc).__name__}", reason=FetchReason.CONNECTION)
    if isinstance(exc, ValueError | KeyError | TypeError | AttributeError):
        return FetchError(f"malformed response: {type(exc).__name__}: {str(exc)[:120]}",
                          reason=FetchReason.BAD_RESPONSE)
    return FetchError(f"{type(exc).__name__}: {str(exc)[:160]}", reason=FetchReason.OTHER)


def _from_status(status: int, code: int | None, account_sid: str, text: str) -> FetchError:
    reason = FetchReason.of_status(status, code)
    if reason is FetchReason.AUTH:
        return CredentialsRejected(account_sid)
    return FetchError(text, reason=reason, status=status, code=code)


def _body_code(text: str) -> int | None:
    import json

    try:
        body = json.loads(text)
    except (ValueError, TypeError):
        return None
    code = body.get("code") if isinstance(body, dict) else None
    return code if isinstance(code, int) else None
