"""Resources to and from the state store's rows (canonical JSON out, shared strings in)."""

from __future__ import annotations

import json
from typing import Any

from watchdog.model.snapshot import EMPTY_META, Resource, canonical_json, thaw


def dump(value: Any) -> str:
    return canonical_json(thaw(value))


def load(text: str, strings: dict[str, str]) -> Any:
    """JSON, with one copy of each repeated key and string value (URLs, methods) via ``strings``."""
    value = json.loads(text)
    if type(value) is not dict:
        return value
    return {strings.setdefault(k, k): strings.setdefault(v, v) if type(v) is str else v
            for k, v in value.items()}


def row_resource(row: tuple[Any, ...], shared: dict[tuple[str, str], Resource],
                 strings: dict[str, str], with_meta: bool) -> Resource:
    """``(type, sid, family, fingerprint, essence[, meta])`` as a resource. A row whose
    fingerprint matches a resource in ``shared`` reuses that resource's essence."""
    same = shared.get((row[0], row[1]))
    if same is not None and same.fingerprint == row[3]:
        return Resource(row[0], row[1], same.essence, EMPTY_META, same.fingerprint)
    meta = json.loads(row[5]) if with_meta else {}
    # the fingerprint was computed from this essence when the row was written
    return Resource.stored(row[0], row[1], load(row[4], strings), meta, row[3])
