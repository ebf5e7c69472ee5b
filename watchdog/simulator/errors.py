"""Twilio's error bodies and the exception the endpoints raise to produce one."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error answer: HTTP ``status`` with Twilio's legacy error body.

    The body is ``{"code", "message", "more_info", "status"}`` (plus ``detail`` when given), the
    format the twilio SDK turns into ``TwilioRestException``.
    """

    def __init__(self, status: int, code: int, message: str, detail: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.detail = status, code, message, detail
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """The JSON body Twilio sends with this error."""
        return error_body(self.status, self.code, self.message, self.detail)


def error_body(status: int, code: int, message: str, detail: str | None = None) -> dict[str, Any]:
    """``{"code": 20404, "message": ..., "more_info": "https://www.twilio.com/docs/errors/20404",
    "status": 404}``."""
    body: dict[str, Any] = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    if detail is not None:
        body["detail"] = detail
    return body


def not_found(path: str) -> ApiError:
    """404 / 20404 for ``path`` (the path on Twilio's host, e.g. ``/v1/FlexFlows/FO...``)."""
    return ApiError(404, 20404, f"The requested resource {path} was not found")


def bad_request(message: str) -> ApiError:
    """400 / 20001, Twilio's "invalid parameter" answer."""
    return ApiError(400, 20001, message)


def missing(name: str) -> ApiError:
    """400 / 20001 for a required form parameter that was not sent."""
    return bad_request(f"Missing required parameter {name} in the post body")


def unauthenticated() -> ApiError:
    """401 / 20003, what Twilio answers to missing or wrong credentials."""
    return ApiError(401, 20003, "Authenticate",
                    detail="Your AccountSid or AuthToken was incorrect.",
                    headers={"WWW-Authenticate": 'Basic realm="Twilio API"'})


def method_not_allowed(method: str, path: str) -> ApiError:
    """405 / 20004 for a method the resource does not support."""
    return ApiError(405, 20004, f"Method {method} not allowed on {path}")
