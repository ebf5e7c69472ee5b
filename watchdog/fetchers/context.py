"""What a family fetcher is given."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from watchdog.settings import FlexSettings


@dataclass
class FetchContext:
    client: Any  # twilio.rest.Client
    account_sid: str
    flex: FlexSettings
    max_pages: int = 1000
    # Studio definitions cached by flow SID: {"key": revision/date marker, "definition": ...}
    studio_cache: dict[str, dict[str, Any]] = field(default_factory=dict)
