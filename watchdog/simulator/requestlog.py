"""A thread-safe log of the requests the simulator served."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestRecord:
    """One served request: ``template`` is the route's OAI path (or the raw path if unknown);
    ``status`` 0 means the connection was dropped without an answer."""

    method: str
    product: str
    template: str
    status: int


class RequestLog:
    """Thread-safe log of served requests, for assertions and benchmarks."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[RequestRecord] = []

    def add(self, record: RequestRecord) -> None:
        """Append one request."""
        with self._lock:
            self._entries.append(record)

    def entries(self) -> list[RequestRecord]:
        """A copy of the log, oldest first."""
        with self._lock:
            return list(self._entries)

    def count(self, method: str | None = None, product: str | None = None,
              template: str | None = None, status: int | None = None) -> int:
        """How many requests matched every given field."""
        wanted = {"method": method, "product": product, "template": template, "status": status}
        return sum(1 for entry in self.entries()
                   if all(value is None or getattr(entry, key) == value
                          for key, value in wanted.items()))

    def by_template(self) -> Counter[tuple[str, str, str]]:
        """Counts per ``(method, product, template)``."""
        return Counter((e.method, e.product, e.template) for e in self.entries())

    @property
    def total(self) -> int:
        """How many requests were served."""
        with self._lock:
            return len(self._entries)

    def reset_counts(self) -> None:
        """Forget every request logged so far."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return self.total
