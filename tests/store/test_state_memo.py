"""The state store's memory of its own file: the baseline is read once, unchanged families are
not rewritten, and both are forgotten when another process writes or a transaction rolls back."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from tests.store.test_state import AC, NOW, snap
from watchdog.store.store import StateStore


def _changes(store: StateStore) -> int:
    """Rows this connection has inserted, updated or deleted so far."""
    return int(store.execute("SELECT total_changes()")[0][0])


def test_baseline_is_read_once_until_it_changes(tmp_path):
    store = StateStore(tmp_path / "s.db")
    store.adopt_baseline(snap({"PN1": "a"}))
    first = store.baseline(AC)
    assert store.baseline(AC) is first, "the same object while nothing changed"
    store.adopt_baseline(snap({"PN2": "b"}, when=NOW + timedelta(minutes=1)))
    assert {r.sid for r in store.baseline(AC).resources()} == {"PN2"}


def test_a_baseline_accepted_by_another_process_is_seen(tmp_path):
    daemon, cli = StateStore(tmp_path / "s.db"), StateStore(tmp_path / "s.db")
    daemon.adopt_baseline(snap({"PN1": "a"}))
    assert daemon.baseline(AC).get("phone_number", "PN1") is not None
    cli.adopt_baseline(snap({"PN1": "changed"}, when=NOW + timedelta(minutes=1)))
    assert daemon.baseline(AC).get("phone_number", "PN1").get("sms_url") == "changed"


def test_a_rolled_back_adoption_is_not_remembered(tmp_path):
    store = StateStore(tmp_path / "s.db")
    store.adopt_baseline(snap({"PN1": "a"}))
    with pytest.raises(RuntimeError), store.transaction():
        store.adopt_baseline(snap({"PN9": "z"}))
        assert store.baseline(AC).get("phone_number", "PN9") is not None  # uncommitted, seen
        raise RuntimeError("killed mid-cycle")
    assert {r.sid for r in store.baseline(AC).resources()} == {"PN1"}


def test_an_unchanged_family_is_not_rewritten_a_changed_one_is(tmp_path):
    store = StateStore(tmp_path / "s.db")
    store.save_snapshot(snap({"PN1": "a", "PN2": "b"}))
    before = _changes(store)
    store.save_snapshot(snap({"PN1": "a", "PN2": "b"}, when=NOW + timedelta(minutes=1)))
    assert _changes(store) - before == 1, "only the family's status row"
    before = _changes(store)
    store.save_snapshot(snap({"PN1": "a", "PN2": "c"}, when=NOW + timedelta(minutes=2)))
    assert _changes(store) - before == 1 + 1, "status, then the one row that changed"
    loaded = store.load_snapshot(AC)
    assert loaded.get("phone_number", "PN2").get("sms_url") == "c"
    assert loaded.families["numbers"].fetched_at == NOW + timedelta(minutes=2)


def _rowids(path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        return {sid: rowid for rowid, sid in conn.execute("SELECT rowid, sid FROM resources")}
    finally:
        conn.close()


@pytest.mark.parametrize("fresh_process", [False, True])
def test_only_the_rows_that_changed_are_written(tmp_path, fresh_process):
    path = tmp_path / "s.db"
    StateStore(path).save_snapshot(snap({"PN1": "a", "PN2": "b", "PN3": "c", "PN4": "d"}))
    before = _rowids(path)
    # a fresh process knows the file only; the other one remembers what it read
    store = StateStore(path)
    if not fresh_process:
        store.load_snapshot(AC)
    # Twilio's order, not the file's; PN2 changed, PN3 gone, PN5 new
    store.save_snapshot(snap({"PN4": "d", "PN5": "e", "PN2": "B", "PN1": "a"},
                             when=NOW + timedelta(minutes=1)))
    after = _rowids(path)
    assert set(after) == {"PN1", "PN2", "PN4", "PN5"}
    assert after["PN1"] == before["PN1"] and after["PN4"] == before["PN4"], "left as they were"
    assert after["PN2"] != before["PN2"]
    loaded = StateStore(path).load_snapshot(AC)
    assert loaded.get("phone_number", "PN2").get("sms_url") == "B"
    assert loaded.get("phone_number", "PN5").fingerprint == snap({"PN5": "e"}).get(
        "phone_number", "PN5").fingerprint


def test_a_rolled_back_save_is_written_again(tmp_path):
    store = StateStore(tmp_path / "s.db")
    store.save_snapshot(snap({"PN1": "a"}))
    with pytest.raises(RuntimeError), store.transaction():
        store.save_snapshot(snap({"PN1": "b"}))
        raise RuntimeError("killed mid-cycle")
    store.save_snapshot(snap({"PN1": "b"}))
    assert store.load_snapshot(AC).get("phone_number", "PN1").get("sms_url") == "b"


def test_resources_written_by_another_process_are_overwritten(tmp_path):
    daemon, other = StateStore(tmp_path / "s.db"), StateStore(tmp_path / "s.db")
    daemon.save_snapshot(snap({"PN1": "a"}))
    other.save_snapshot(snap({"PN1": "other"}))
    daemon.save_snapshot(snap({"PN1": "a"}))
    assert StateStore(tmp_path / "s.db").load_snapshot(AC).get(
        "phone_number", "PN1").get("sms_url") == "a"
