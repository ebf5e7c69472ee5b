"""What a ``StateStore`` remembers of its own file between cycles, so that a steady-state cycle
neither re-reads the baseline nor rewrites families that did not change.

Everything is keyed by SQLite's ``PRAGMA data_version``, which moves when another connection (a
``flex-watchdog baseline accept`` in another process) commits; the store also forgets it all on
a rollback. Nothing here is state: losing it costs one re-read or one rewrite.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from watchdog.model.snapshot import Resource, Snapshot


@dataclass
class StoreMemo:
    version: int | None = None
    baselines: dict[str, Snapshot | None] = field(default_factory=dict)  # by account
    saved: dict[str, tuple[Resource, ...]] = field(default_factory=dict)  # family -> as stored

    def sync(self, version: int) -> StoreMemo:
        """Forget everything if another connection committed since we last looked."""
        if version != self.version:
            self.clear()
            self.version = version
        return self

    def clear(self) -> None:
        self.baselines.clear()
        self.saved.clear()

    def by_key(self) -> dict[tuple[str, str], Resource]:
        """(type, sid) -> the resource as last written or read, to share its essence."""
        return {(r.type, r.sid): r for family in self.saved.values() for r in family}
