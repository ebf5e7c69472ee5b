"""Fault injection: make chosen requests fail the ways Twilio (or the network) can.

Kinds:

* ``"404"``: 404 with code 20404, as for a resource that does not exist (or a read that lost a
  race with its re-creation);
* ``"429"``: 429 with code 20429 (``Retry-After`` header when ``retry_after`` is set);
* ``"500"`` / ``"503"``: server errors with codes 20500 / 20503 (503 also honours
  ``retry_after``);
* ``"401"``: 401 with code 20003, whatever the credentials;
* ``"forbidden"``: 403 with code 70051, what a restricted API key without the product's
  permission gets;
* ``"slow"``: sleep ``delay`` seconds, then answer normally (set it past the client timeout);
* ``"truncated"``: the real status and headers, but only the first half of the JSON body;
* ``"invalid_json"``: 200 with a body that is not JSON (an HTML error page);
* ``"page"``: 500, but only while serving list page ``page`` (``Page=N`` in the query; the
  first page is 0). Any other kind can also be limited to one page with ``page=N``;
* ``"disconnect"``: close the connection without answering.

Connection *refused* is not a fault: stop the server (``SimulatorServer.stop()``) and start it
again on the same port with ``SimulatorServer.start()``.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

KINDS = frozenset({"404", "429", "500", "503", "401", "forbidden", "slow", "truncated",
                   "invalid_json", "page", "disconnect"})


@dataclass
class Fault:
    """One injected failure.

    ``product`` (e.g. ``"flex-api"``) and ``path_regex`` (searched in the path on Twilio's
    host, e.g. ``/v1/FlexFlows``) narrow which requests it hits; ``method`` is an HTTP method or
    ``None``/``"*"`` for any; ``times`` is how many requests it hits before it is used up
    (``None``: forever); ``page`` limits it to one list page. ``hits`` counts the requests hit.
    """

    kind: str
    product: str | None = None
    path_regex: str | None = None
    method: str | None = "GET"
    times: int | None = None
    page: int | None = None
    retry_after: int | None = None
    delay: float = 0.0
    hits: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        self.kind = str(self.kind)
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {sorted(KINDS)}")
        if self.kind == "page" and self.page is None:
            raise ValueError('a "page" fault needs page=N')

    def matches(self, method: str, product: str, path: str, page: int) -> bool:
        """Whether this fault applies to the request."""
        return ((self.method in (None, "*") or self.method == method)
                and (self.product is None or self.product == product)
                and (self.path_regex is None or re.search(self.path_regex, path) is not None)
                and (self.page is None or self.page == page))


class FaultSet:
    """The server's active faults, thread-safe; the first matching fault wins."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        """Activate ``fault`` (returned, so tests can read ``hits`` later)."""
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        """Remove every fault."""
        with self._lock:
            self._faults.clear()

    def active(self) -> list[Fault]:
        """The faults not used up yet."""
        with self._lock:
            return list(self._faults)

    def take(self, method: str, product: str, path: str, page: int) -> Fault | None:
        """The fault hitting this request (counted, and dropped once used up), or None."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, product, path, page):
                    fault.hits += 1
                    if fault.times is not None and fault.hits >= fault.times:
                        self._faults.remove(fault)
                    return fault
            return None
