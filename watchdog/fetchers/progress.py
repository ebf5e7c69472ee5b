"""How far a fetch has got, for whoever watches (a person at a terminal); nobody by default.

The fetchers report here as they go: which family, each list page read, each Studio definition
fetched. A command that shows progress sets a listener for the duration of its poll with
``watching``; the daemon sets none, so reporting costs one context-variable read.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol


class Listener(Protocol):
    def family(self, name: str) -> None: ...
    def page(self) -> None: ...
    def definition(self) -> None: ...


_LISTENER: ContextVar[Listener | None] = ContextVar("fetch_progress", default=None)


@contextmanager
def watching(listener: Listener | None) -> Iterator[None]:
    token = _LISTENER.set(listener)
    try:
        yield
    finally:
        _LISTENER.reset(token)


def family_started(name: str) -> None:
    listener = _LISTENER.get()
    if listener is not None:
        listener.family(name)


def page_read() -> None:
    listener = _LISTENER.get()
    if listener is not None:
        listener.page()


def definition_fetched() -> None:
    listener = _LISTENER.get()
    if listener is not None:
        listener.definition()
