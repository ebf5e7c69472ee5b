"""The fetchers' unchanged-page memo, kept in the state file: a fresh process (``check``, a
daemon restarted) skips converting the pages whose body has not changed since the last poll
recorded, as a long-running watcher does.

A slot is a page position, the digest of its body and the (type, SID) of the resources converted
from it. Slots are written in the poll's own transaction, for the families that poll stored, and
only for pages whose resources are the very objects stored: loaded back, a slot's resources are
those rows, and a slot whose rows are not all there is dropped.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping

from watchdog.model.snapshot import RESOURCE_FAMILY, Resource, Snapshot

# (account, page position) -> (digest of the page body, the resources converted from it)
Pages = Mapping[tuple[str, str], tuple[bytes, list[Resource]]]

MIGRATION = """
    CREATE TABLE page_memo (account TEXT NOT NULL, position TEXT NOT NULL,
        family TEXT NOT NULL, digest BLOB NOT NULL, resources TEXT NOT NULL,
        PRIMARY KEY (account, position));
"""


def save(conn: sqlite3.Connection, snapshot: Snapshot, pages: Pages) -> None:
    """Replace the slots of every family ``snapshot`` holds complete (the ones just stored)."""
    stored = {f: {id(r) for r in s.resources} for f, s in snapshot.families.items() if s.complete}
    for name in stored:
        conn.execute("DELETE FROM page_memo WHERE account = ? AND family = ?",
                     (snapshot.account_sid, name))
    rows = []
    for (account, position), (digest, resources) in pages.items():
        family = str(RESOURCE_FAMILY.get(resources[0].type, "")) if resources else ""
        if account != snapshot.account_sid or family not in stored:
            continue
        if all(id(r) in stored[family] for r in resources):
            rows.append((account, position, family, digest,
                         json.dumps([[r.type, r.sid] for r in resources])))
    conn.executemany("INSERT OR REPLACE INTO page_memo (account, position, family, digest, "
                     "resources) VALUES (?, ?, ?, ?, ?)", rows)


def load(rows: Iterable[tuple[str, str, str, bytes, str]],
         snapshot: Snapshot | None) -> dict[tuple[str, str], tuple[bytes, list[Resource]]]:
    """The slots whose resources ``snapshot`` (the one stored with them) still holds."""
    if snapshot is None:
        return {}
    by_key = {family: {(r.type, r.sid): r for r in state.resources}
              for family, state in snapshot.families.items()}
    out = {}
    for account, position, family, digest, keys in rows:
        held = by_key.get(family, {})
        resources = [held.get((type_, sid)) for type_, sid in json.loads(keys)]
        if all(r is not None for r in resources):
            out[(account, position)] = (bytes(digest), [r for r in resources if r is not None])
    return out
