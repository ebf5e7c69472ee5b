"""Resources to and from the state store's rows (canonical JSON out, shared strings in)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from watchdog.model.snapshot import EMPTY_META, Resource, canonical_json, thaw

# Rows decoded by one ``json.loads`` of their essences joined as one array: one call instead of
# one per row, and never the text of 10,000 numbers in one string.
BATCH = 500


def dump(value: Any) -> str:
    return canonical_json(thaw(value))


def load(text: str, strings: dict[str, str]) -> Any:
    """JSON, with one copy of each repeated string value (URLs, methods) via ``strings``."""
    return shared(json.loads(text), strings)


def shared(value: Any, strings: dict[str, str]) -> Any:
    """``value`` (decoded JSON) with each string value of a top-level object replaced, in
    place, by its copy in ``strings`` (keys are shared by the decoder within one document)."""
    if type(value) is dict:
        for k, v in value.items():
            if type(v) is str:
                value[k] = strings.setdefault(v, v)
    return value


def row_resource(row: tuple[Any, ...], same: dict[tuple[str, str], Resource],
                 strings: dict[str, str], with_meta: bool) -> Resource:
    """``(type, sid, family, fingerprint, essence)`` (no meta) or ``(..., essence, meta)`` as a
    resource. A row without meta whose fingerprint matches a resource in ``same`` reuses that
    resource's essence (the resource itself when it has no meta either)."""
    return next(row_resources([row], same, strings, with_meta))[1]


def row_resources(rows: Iterable[tuple[Any, ...]], same: dict[tuple[str, str], Resource],
                  strings: dict[str, str], with_meta: bool) -> Iterator[tuple[str, Resource]]:
    """(family column, ``row_resource``) of each row, in order, decoded ``BATCH`` rows at a
    time."""
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == BATCH:
            yield from _chunk(chunk, same, strings, with_meta)
            chunk = []
    yield from _chunk(chunk, same, strings, with_meta)


def _chunk(rows: list[tuple[Any, ...]], same: dict[tuple[str, str], Resource],
           strings: dict[str, str], with_meta: bool) -> list[tuple[str, Resource]]:
    reused = [same.get((row[0], row[1])) for row in rows]
    fresh = [row for row, r in zip(rows, reused, strict=True)
             if r is None or r.fingerprint != row[3]]
    essences = iter(_array(row[4] for row in fresh))
    metas = iter(_array(row[5] for row in fresh) if with_meta else ())
    out = []
    for row, r in zip(rows, reused, strict=True):
        if r is not None and r.fingerprint == row[3]:  # a row without meta: the very resource
            out.append((row[2], r if not r.meta else Resource(row[0], row[1], r.essence,
                                                              EMPTY_META, r.fingerprint)))
            continue
        meta = next(metas) if with_meta else {}
        # the fingerprint was computed from this essence when the row was written
        out.append((row[2], Resource.stored(row[0], row[1], shared(next(essences), strings),
                                            meta, row[3], owned=True)))
    return out


def _array(texts: Iterable[str]) -> list[Any]:
    """The JSON documents ``texts`` decoded by one call."""
    joined = ",".join(texts)
    return json.loads(f"[{joined}]") if joined else []
