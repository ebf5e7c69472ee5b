"""The state store's memory of its own file: the baseline is read once, unchanged families are
not rewritten, and both are forgotten when another process writes or a transaction rolls back."""

from __future__ import annotations

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
    assert _changes(store) - before == 1 + 2 + 2, "status, then the family deleted and written"
    loaded = store.load_snapshot(AC)
    assert loaded.get("phone_number", "PN2").get("sms_url") == "c"
    assert loaded.families["numbers"].fetched_at == NOW + timedelta(minutes=2)


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
