"""The SQLite state store: baseline, last snapshot, open findings, caches and cursors.

WAL mode, one transaction per cycle: a kill -9 at any point leaves the previous consistent state.
The file is marked with an ``application_id`` so a foreign SQLite file is refused, never reset.
The schema is versioned (``user_version``) and migrated forward in order.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from watchdog.errors import StateError
from watchdog.model.findings import Finding, Severity
from watchdog.model.results import OpenFinding
from watchdog.model.snapshot import RESOURCE_FAMILY, FamilyState, Resource, Snapshot
from watchdog.store import pages
from watchdog.store.lock import owner
from watchdog.store.memo import StoreMemo
from watchdog.store.rows import dump as _dump
from watchdog.store.rows import row_resources

_INSERT_BASELINE = ("INSERT INTO baseline (type, sid, family, fingerprint, essence) "
                    "VALUES (?, ?, ?, ?, ?)")

APPLICATION_ID = 0x46574447  # "FWDG"
# How long a write waits for another process's transaction (the daemon's cycle) to end
BUSY_SECONDS = 5

MIGRATIONS: list[str] = [
    # 1: the core
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE baseline (type TEXT NOT NULL, sid TEXT NOT NULL, family TEXT NOT NULL,
        fingerprint TEXT NOT NULL, essence TEXT NOT NULL, PRIMARY KEY (type, sid));
    CREATE TABLE baseline_families (family TEXT PRIMARY KEY, adopted_at TEXT NOT NULL);
    CREATE TABLE resources (type TEXT NOT NULL, sid TEXT NOT NULL, family TEXT NOT NULL,
        fingerprint TEXT NOT NULL, essence TEXT NOT NULL, meta TEXT NOT NULL DEFAULT '{}',
        PRIMARY KEY (type, sid));
    CREATE TABLE families (family TEXT PRIMARY KEY, status TEXT NOT NULL, reason TEXT,
        error TEXT, fetched_at TEXT, last_success_at TEXT);
    CREATE TABLE findings (id TEXT PRIMARY KEY, rule TEXT NOT NULL, severity TEXT NOT NULL,
        resource_type TEXT NOT NULL, resource_sid TEXT NOT NULL, summary TEXT NOT NULL,
        details TEXT NOT NULL, healable INTEGER NOT NULL DEFAULT 0,
        first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
        observations INTEGER NOT NULL DEFAULT 1, status TEXT NOT NULL DEFAULT 'open',
        closed_at TEXT);
    CREATE INDEX findings_status ON findings (status);
    CREATE TABLE studio_cache (sid TEXT PRIMARY KEY, entry TEXT NOT NULL);
    CREATE TABLE cursors (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # 2: alerting (PagerDuty incidents and the persistent outbox)
    """
    CREATE TABLE incidents (dedup_key TEXT PRIMARY KEY, finding_id TEXT NOT NULL,
        route TEXT NOT NULL, status TEXT NOT NULL, triggered_at TEXT, resolved_at TEXT);
    CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, dedup_key TEXT,
        action TEXT NOT NULL, route TEXT NOT NULL, payload TEXT NOT NULL,
        created_at TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at TEXT,
        last_error TEXT);
    """,
    # 3: healing (the record of every heal and the per-resource circuit breakers)
    """
    CREATE TABLE heals (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL,
        rule TEXT NOT NULL, resource_type TEXT NOT NULL, resource_sid TEXT NOT NULL,
        label TEXT, finding_id TEXT, mode TEXT NOT NULL DEFAULT 'auto',
        outcome TEXT NOT NULL, reason TEXT, request TEXT, before TEXT, after TEXT,
        phase TEXT NOT NULL DEFAULT 'done');
    CREATE INDEX heals_resource ON heals (resource_sid, id);
    CREATE INDEX heals_phase ON heals (phase);
    CREATE TABLE heal_breakers (rule TEXT NOT NULL, resource_sid TEXT NOT NULL,
        resource_type TEXT NOT NULL DEFAULT '', label TEXT,
        failures INTEGER NOT NULL DEFAULT 0, last_applied_at TEXT, tripped_at TEXT,
        tripped_reason TEXT, actor TEXT, PRIMARY KEY (rule, resource_sid));
    """,
    # 4: operator controls (silences, maintenance windows started from the command line, and the
    # history of baseline adoptions made for trusted actors)
    """
    CREATE TABLE silences (id INTEGER PRIMARY KEY AUTOINCREMENT, rule TEXT NOT NULL,
        resource_sid TEXT, reason TEXT NOT NULL, created_by TEXT NOT NULL,
        created_at TEXT NOT NULL, ends_at TEXT NOT NULL);
    CREATE INDEX silences_ends ON silences (ends_at);
    CREATE TABLE maintenance (id INTEGER PRIMARY KEY AUTOINCREMENT, reason TEXT NOT NULL,
        created_by TEXT NOT NULL, starts_at TEXT NOT NULL, ends_at TEXT NOT NULL);
    CREATE TABLE baseline_history (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL,
        resource_type TEXT NOT NULL, resource_sid TEXT NOT NULL, note TEXT NOT NULL,
        actor TEXT);
    """,
    # 5: the fetchers' unchanged-page memo (store/pages.py)
    pages.MIGRATION,
    # 6: what each open finding was last seen on (model/observed.py), so that a clear with
    # nothing changed in the account is held
    "ALTER TABLE findings ADD COLUMN observed TEXT",
]


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _read_only_reason(path: Path) -> str | None:
    """Why the state file could not be written, before SQLite says something misleading."""
    directory = path.parent if str(path.parent) else Path(".")
    if not os.access(directory, os.W_OK):
        return "directory is read-only"  # WAL needs its -wal and -shm files next to the file
    if path.exists() and not os.access(path, os.W_OK):
        return "file is read-only"
    return None


class StateStore:
    """One state file for one account. Thread-safe: one connection behind a lock.

    ``read_only`` is for commands that only look (``heal history``, ``baseline diff``): the file
    must exist, nothing is migrated or written, and a read-only directory is fine.
    """

    def __init__(self, path: Path | str, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self._lock = threading.RLock()
        self._conn = self._open_read_only() if read_only else self._open()
        self._memo = StoreMemo()

    def _open_read_only(self) -> sqlite3.Connection:
        if not self.path.is_file():
            raise StateError(f"state: {self.path}: no state file yet (run `flex-watchdog check` "
                             "or the daemon first)")
        uri = f"{self.path.resolve().as_uri()}?mode=ro"
        try:
            conn = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
            try:
                conn.execute("PRAGMA user_version").fetchone()
            except sqlite3.OperationalError:
                # A WAL file without its -shm in a read-only directory: nobody can be writing it.
                conn.close()
                conn = sqlite3.connect(uri + "&immutable=1", uri=True, check_same_thread=False,
                                       isolation_level=None)
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise StateError(f"state: {self.path}: cannot be read ({exc})") from None
        if app_id != APPLICATION_ID:
            raise StateError(f"state: {self.path}: not a flex-watchdog state file")
        if version != len(MIGRATIONS):
            raise StateError(f"state: {self.path}: schema version {version}, this flex-watchdog "
                             f"reads {len(MIGRATIONS)}; run a command that writes it first")
        conn.execute("PRAGMA query_only=ON")
        return conn

    def _open(self) -> sqlite3.Connection:
        if self.path.exists() and not self.path.is_file():
            raise StateError(f"state: {self.path}: not a regular file")
        if self.path.parent and not self.path.parent.exists():
            raise StateError(f"state: {self.path.parent}: directory does not exist")
        unwritable = _read_only_reason(self.path)
        if unwritable:
            what = "open" if self.path.exists() else "create"
            raise StateError(f"state: cannot {what} {self.path} for writing: {unwritable} "
                             "(FLEX_WATCHDOG_STATE_PATH must be on a writable volume)")
        try:
            conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise StateError(f"state: {self.path}: not a flex-watchdog state file ({exc})") from None
        if tables and app_id != APPLICATION_ID:
            raise StateError(f"state: {self.path}: a SQLite file that flex-watchdog did not create;"
                             " refusing to touch it (choose another FLEX_WATCHDOG_STATE_PATH)")
        if version > len(MIGRATIONS):
            raise StateError(f"state: {self.path}: schema version {version} is newer than this "
                             f"flex-watchdog supports ({len(MIGRATIONS)}); upgrade flex-watchdog")
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")
            self._migrate(conn, version)
        except sqlite3.Error as exc:
            raise StateError(f"state: {self.path}: cannot be used ({exc})") from None
        return conn

    def _migrate(self, conn: sqlite3.Connection, version: int) -> None:
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in script.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
                conn.execute(f"PRAGMA user_version={number}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic unit of work (a cycle). Nested calls join the outer transaction."""
        with self._lock:
            if self._conn.in_transaction:
                yield self._conn
                return
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc):
                    raise
                raise StateError(f"state: {self.path}: busy: {owner(self.path)} kept it locked "
                                 f"for {BUSY_SECONDS} s; try again") from None
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                self._memo.clear()
                raise
            self._conn.execute("COMMIT")

    def _synced_memo(self) -> StoreMemo:
        with self._lock:
            return self._memo.sync(int(self._conn.execute("PRAGMA data_version").fetchone()[0]))

    def execute(self, sql: str, params: Any = ()) -> list[sqlite3.Row | tuple[Any, ...]]:
        with self._lock:
            return list(self._conn.execute(sql, params))

    # -- meta and account --------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        rows = self.execute("SELECT value FROM meta WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def bind_account(self, account_sid: str) -> None:
        """A state file belongs to one account; another account's file is refused."""
        known = self.get_meta("account_sid")
        if known is None and not self.read_only:
            self.set_meta("account_sid", account_sid)
        elif known != account_sid:
            raise StateError(f"state: {self.path}: belongs to account {known}, not {account_sid}; "
                             "use one state file per account")

    # -- cursors -------------------------------------------------------------------------------

    def get_cursor(self, name: str) -> str | None:
        rows = self.execute("SELECT value FROM cursors WHERE name = ?", (name,))
        return str(rows[0][0]) if rows else None

    def set_cursor(self, name: str, value: str) -> None:
        with self.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO cursors (name, value) VALUES (?, ?)", (name, value))

    # -- studio definition cache --------------------------------------------------------------

    def load_studio_cache(self) -> dict[str, dict[str, Any]]:
        return {sid: json.loads(entry)
                for sid, entry in self.execute("SELECT sid, entry FROM studio_cache")}

    def save_studio_cache(self, cache: dict[str, dict[str, Any]]) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM studio_cache")
            conn.executemany("INSERT INTO studio_cache (sid, entry) VALUES (?, ?)",
                             [(sid, json.dumps(entry)) for sid, entry in cache.items()])

    # -- snapshot and baseline ----------------------------------------------------------------

    def save_snapshot(self, snapshot: Snapshot) -> None:
        """Store the resources of every family fetched completely; record statuses.

        Only rows that changed are written: a resource new or changed (essence or meta) is
        replaced, one no longer in its family deleted, and the others are left as they are, so
        an unchanged account of 10,000 numbers costs no rewrite of 10,000 rows.
        """
        with self.transaction() as conn:
            memo = self._synced_memo()
            for state in snapshot.families.values():
                last_success = _iso(snapshot.taken_at) if state.complete else None
                conn.execute(
                    "INSERT INTO families (family, status, reason, error, fetched_at, "
                    "last_success_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(family) DO UPDATE SET "
                    "status=excluded.status, reason=excluded.reason, error=excluded.error, "
                    "fetched_at=excluded.fetched_at, last_success_at="
                    "coalesce(excluded.last_success_at, families.last_success_at)",
                    (state.family, state.status, state.reason, state.error,
                     _iso(snapshot.taken_at), last_success))
                if state.complete:
                    self._save_family(conn, state.family, state.resources,
                                      memo.saved.get(state.family))
                    memo.saved[state.family] = state.resources

    def _save_family(self, conn: sqlite3.Connection, family: str,
                     resources: tuple[Resource, ...], saved: tuple[Resource, ...] | None) -> None:
        """Write the rows of ``family`` that differ from ``saved`` (the rows as this store
        wrote or read them; None: as the file holds them now)."""
        if saved is resources:
            return
        if saved is not None:
            # the page memo hands back the very (immutable) resources read or written: those
            # are their rows, in whatever order the pages listed them
            mine = {id(r) for r in saved}
            if len(resources) == len(saved) and all(id(r) in mine for r in resources) \
                    and len({id(r) for r in resources}) == len(saved):
                return
            held = {(r.type, r.sid): (r.fingerprint, r.meta) for r in saved}
            changed = [r for r in resources if held.get((r.type, r.sid)) != (r.fingerprint, r.meta)]
            gone = held.keys() - {(r.type, r.sid) for r in resources}
        else:
            rows = conn.execute("SELECT type, sid, fingerprint, meta FROM resources WHERE family = ?",
                                (family,))
            on_file = {(t, sid): (fp, meta) for t, sid, fp, meta in rows}
            changed = [r for r in resources
                       if on_file.get((r.type, r.sid)) != (r.fingerprint, _dump(r.meta))]
            gone = on_file.keys() - {(r.type, r.sid) for r in resources}
        conn.executemany("DELETE FROM resources WHERE type = ? AND sid = ?", sorted(gone))
        conn.executemany(
            "INSERT OR REPLACE INTO resources (type, sid, family, fingerprint, essence, meta) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            ((r.type, r.sid, family, r.fingerprint, _dump(r.essence), _dump(r.meta))
             for r in changed))

    def save_pages(self, snapshot: Snapshot, memo: pages.Pages) -> None:
        """Keep the fetchers' page memo for the families of ``snapshot`` (just saved)."""
        with self.transaction() as conn:
            pages.save(conn, snapshot, memo)

    def load_pages(self, account_sid: str,
                   snapshot: Snapshot | None) -> dict[tuple[str, str], tuple[bytes, list[Resource]]]:
        """The page memo kept with ``snapshot`` (the one ``load_snapshot`` gave)."""
        try:
            rows = self.execute("SELECT account, position, family, digest, resources "
                                "FROM page_memo WHERE account = ?", (account_sid,))
        except sqlite3.OperationalError:  # a file opened read-only before its migration 5
            return {}
        return pages.load(rows, snapshot)  # type: ignore[arg-type]

    def load_snapshot(self, account_sid: str) -> Snapshot | None:
        """The last complete data of each family, as stored (None before the first poll)."""
        rows = self.execute("SELECT family, status, reason, error, fetched_at, last_success_at "
                            "FROM families")
        if not rows:
            return None
        with self._lock:
            memo = self._synced_memo()
            resources = self._resources("resources", with_meta=True)
        families = {}
        for family, _status, _reason, _error, _fetched, last_success in rows:
            if last_success is None:
                continue
            stored = memo.saved[family] = tuple(resources.get(family, ()))
            families[family] = FamilyState(family, "complete", stored,
                                           fetched_at=datetime.fromisoformat(last_success))
        taken = max((f.fetched_at for f in families.values() if f.fetched_at), default=None)
        if taken is None:
            return None
        return Snapshot(account_sid, taken, families)

    def baseline(self, account_sid: str) -> Snapshot | None:
        """The adopted baseline; read from the file once, then again only after a change."""
        with self._lock:
            memo = self._synced_memo()
            if account_sid in memo.baselines:
                return memo.baselines[account_sid]
            baseline = self._load_baseline(account_sid)
            if not self._conn.in_transaction:  # uncommitted rows could still roll back
                memo.baselines[account_sid] = baseline
            return baseline

    def _load_baseline(self, account_sid: str) -> Snapshot | None:
        adopted = self.execute("SELECT family, adopted_at FROM baseline_families")
        if not adopted:
            return None
        resources = self._resources("baseline")
        families = {f: FamilyState(f, "complete", tuple(resources.get(f, ())),
                                   fetched_at=datetime.fromisoformat(at)) for f, at in adopted}
        taken = max(f.fetched_at for f in families.values() if f.fetched_at)
        return Snapshot(account_sid, taken, families)

    def adopt_baseline(self, snapshot: Snapshot, families: list[str] | None = None,
                       keep_out: Collection[tuple[str, str]] = ()) -> list[str]:
        """Adopt the complete families of ``snapshot`` (all, or only those named).

        ``keep_out`` (type, sid) are resources a rule calls broken now: their baseline row stays
        as it was (none on a first adoption), so a broken value never becomes "expected"."""
        chosen = [s for s in snapshot.families.values()
                  if s.complete and (families is None or s.family in families)]
        out = set(keep_out)
        self._memo.baselines.clear()
        with self.transaction() as conn:
            for state in chosen:
                kept = [row for type_, sid in out if RESOURCE_FAMILY.get(type_) == state.family
                        for row in conn.execute(
                            "SELECT type, sid, family, fingerprint, essence FROM baseline "
                            "WHERE type = ? AND sid = ?", (type_, sid))]
                conn.execute("DELETE FROM baseline WHERE family = ?", (state.family,))
                rows = ((r.type, r.sid, state.family, r.fingerprint, _dump(r.essence))
                        for r in state.resources if (r.type, r.sid) not in out)
                conn.executemany(_INSERT_BASELINE, rows)
                conn.executemany(_INSERT_BASELINE, kept)
                conn.execute("INSERT OR REPLACE INTO baseline_families (family, adopted_at) "
                             "VALUES (?, ?)", (state.family, _iso(snapshot.taken_at)))
        return [s.family for s in chosen]

    def adopt_resource(self, resource: Resource | None, type_: str, sid: str, note: str,
                       actor: dict[str, Any] | None, now: datetime) -> None:
        """Put one resource into the baseline (None: remove it) and record why in the history
        ``baseline diff`` shows."""
        self._memo.baselines.clear()
        with self.transaction() as conn:
            conn.execute("DELETE FROM baseline WHERE type = ? AND sid = ?", (type_, sid))
            if resource is not None:
                conn.execute(
                    "INSERT INTO baseline (type, sid, family, fingerprint, essence) "
                    "VALUES (?, ?, ?, ?, ?)", (resource.type, resource.sid, resource.family,
                                               resource.fingerprint, _dump(resource.essence)))
            conn.execute("INSERT INTO baseline_history (at, resource_type, resource_sid, note, "
                         "actor) VALUES (?, ?, ?, ?, ?)",
                         (_iso(now), type_, sid, note, json.dumps(actor) if actor else None))

    def baseline_history(self, limit: int = 20) -> list[dict[str, Any]]:
        """Baseline adoptions of single resources, newest first."""
        try:
            rows = self.execute("SELECT at, resource_type, resource_sid, note, actor FROM "
                                "baseline_history ORDER BY id DESC LIMIT ?", (limit,))
        except sqlite3.OperationalError:  # a file opened read-only before its migration 4
            return []
        return [{"at": r[0], "resource_type": r[1], "resource_sid": r[2], "note": r[3],
                 "actor": json.loads(r[4]) if r[4] else None} for r in rows]

    def adopt_resources(self, snapshot: Snapshot, sids: Collection[str]) -> list[str]:
        """Adopt only the resources with these SIDs, as ``snapshot`` has them (one no longer
        there, in a complete family, leaves the baseline). Returns the SIDs changed."""
        done = []
        self._memo.baselines.clear()
        with self.transaction() as conn:
            for sid in sids:
                now = [r for state in snapshot.families.values() if state.complete
                       for r in state.resources if r.sid == sid]
                known = {str(row[0]) for row in conn.execute(
                    "SELECT family FROM baseline WHERE sid = ?", (sid,))}
                if not now and not known <= {f for f, s in snapshot.families.items()
                                             if s.complete}:
                    continue  # its family could not be read: the baseline keeps it
                conn.execute("DELETE FROM baseline WHERE sid = ?", (sid,))
                conn.executemany(_INSERT_BASELINE, ((r.type, r.sid, r.family, r.fingerprint,
                                                     _dump(r.essence)) for r in now))
                done.append(sid)
        return done

    def _resources(self, table: str, with_meta: bool = False) -> dict[str, list[Resource]]:
        """Rows as resources. A baseline row whose fingerprint matches the resource stored now
        shares its essence: an unchanged account costs no second copy of every resource."""
        cols = "type, sid, family, fingerprint, essence" + (", meta" if with_meta else "")
        shared = {} if with_meta else self._synced_memo().by_key()
        strings: dict[str, str] = {}  # one copy of each repeated key and value (URLs, methods)
        out: dict[str, list[Resource]] = {}
        with self._lock:  # row by row: the rows of 10,000 numbers never sit in one list
            rows = self._conn.execute(f"SELECT {cols} FROM {table} ORDER BY type, sid")
            for column, resource in row_resources(rows, shared, strings, with_meta):
                out.setdefault(RESOURCE_FAMILY.get(resource.type, column), []).append(resource)
        return out

    # -- findings ------------------------------------------------------------------------------

    def open_findings(self) -> dict[str, OpenFinding]:
        columns = ("id, rule, severity, resource_type, resource_sid, summary, details, healable, "
                   "first_seen, last_seen, observations")
        try:
            rows = self.execute(f"SELECT {columns}, observed FROM findings WHERE status = 'open'")
        except sqlite3.OperationalError:  # a file opened read-only before its migration 6
            rows = [(*r, None) for r in self.execute(
                f"SELECT {columns} FROM findings WHERE status = 'open'")]
        return {str(r[0]): OpenFinding(
            str(r[0]), str(r[1]), Severity(r[2]), str(r[3]), str(r[4]), str(r[5]), json.loads(r[6]),
            bool(r[7]), datetime.fromisoformat(r[8]), datetime.fromisoformat(r[9]), int(r[10]),
            r[11]) for r in rows}

    def record_findings(self, findings: list[Finding], evaluated_rules: set[str],
                        now: datetime, unknown_families: set[str] | frozenset[str] = frozenset(),
                        observed: Mapping[str, str] | None = None,
                        ) -> tuple[list[Finding], list[OpenFinding]]:
        """Upsert this cycle's findings; close open ones of rules evaluated without them.

        Findings of rules that were skipped (unknown family, error), and findings about a resource
        whose own family is unknown now, stay open untouched: unknown is not recovery.
        ``observed`` is, by finding ID, the digest of what each was seen on this cycle.
        Returns (opened, cleared).
        """
        seen = observed or {}
        iso = _iso(now)
        with self.transaction() as conn:
            known = self.open_findings()
            opened = [f for f in findings if f.id not in known]
            for f in findings:
                conn.execute(
                    "INSERT INTO findings (id, rule, severity, resource_type, resource_sid, "
                    "summary, details, healable, first_seen, last_seen, observed) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
                    "severity=excluded.severity, summary=excluded.summary, "
                    "details=excluded.details, last_seen=excluded.last_seen, "
                    "observed=excluded.observed, "
                    "observations=CASE WHEN findings.status='open' "
                    "THEN findings.observations + 1 ELSE 1 END, "
                    "first_seen=CASE WHEN findings.status='open' "
                    "THEN findings.first_seen ELSE excluded.first_seen END, "
                    "status='open', closed_at=NULL",
                    (f.id, f.rule, f.severity, f.resource_type, f.resource_sid, f.summary,
                     _dump(f.details), int(f.healable), iso, iso, seen.get(f.id)))
            cleared = clears(known, findings, evaluated_rules, unknown_families)
            conn.executemany("UPDATE findings SET status='closed', closed_at=? WHERE id=?",
                             [(iso, item.id) for item in cleared])
        return opened, cleared


def clears(known: Mapping[str, OpenFinding], findings: list[Finding], evaluated_rules: set[str],
           unknown_families: set[str] | frozenset[str] = frozenset()) -> list[OpenFinding]:
    """The open findings this cycle closes: their rule ran without them, on a known family."""
    current = {f.id for f in findings}
    return [item for fid, item in known.items()
            if fid not in current and item.rule in evaluated_rules
            and RESOURCE_FAMILY.get(item.resource_type) not in unknown_families]
