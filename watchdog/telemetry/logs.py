"""Logging: plain text or JSON lines, with every configured secret redacted."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TextIO

from watchdog.telemetry.redact import Redactor

#: The fleet account a thread works for (set by the daemon's jobs): its log lines name it.
ACCOUNT: ContextVar[str | None] = ContextVar("flex_watchdog_account", default=None)


class RedactSecrets(logging.Filter):
    """Redact a record's final message (arguments merged in) and its traceback."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit the format: still one redacted line
            message = f"{record.msg} (log arguments that do not fit it: {record.args!r})"
        account = getattr(record, "account", None) or ACCOUNT.get()
        if account and not getattr(record, "account", None):
            record.account = account
            message = f"[{account}] {message}"
        record.msg, record.args = self.redact.text(message), None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text, record.exc_info = self.redact.text(text), None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(),
                 "level": record.levelname.lower(), "logger": record.name,
                 "message": record.getMessage()}
        account = getattr(record, "account", None)
        if account:
            entry["account"] = account
        extra = getattr(record, "fields", None)
        if isinstance(extra, dict):
            entry.update(extra)
        if record.exc_text:
            entry["exception"] = record.exc_text
        elif record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


# Cuts one line to a terminal's width: (line, indent of its continuation lines) -> lines.
Wrap = Callable[[str, int], list[str]]
CONTINUATION_INDENT = 4


class TextFormatter(logging.Formatter):
    """``time LEVEL logger: message``; with ``wrap`` (the stream is a terminal) every line,
    a traceback's too, is cut to the terminal's width, continuation lines indented."""

    def __init__(self, wrap: Wrap | None = None) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.wrap = wrap

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        if self.wrap is None:
            return text
        return "\n".join(cut for line in text.splitlines()
                         for cut in self.wrap(line, CONTINUATION_INDENT))


def setup_logging(level: str = "INFO", fmt: str = "text", redact: Redactor | None = None,
                  stream: TextIO | None = None, wrap: Wrap | None = None) -> logging.Handler:
    """Install one handler on the root logger (idempotent: replaces the previous one). ``wrap``
    cuts text lines to a terminal's width; JSON lines are never cut."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(RedactSecrets(redact or Redactor()))
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter(wrap))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_flex_watchdog", False)]:
        root.removeHandler(old)
    handler._flex_watchdog = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("twilio.http_client", "urllib3", "apscheduler.executors.default", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return handler
