"""The state store's memory of its own file: the baseline is read once, unchanged families are
not rewritten, and both are forgotten when another process writes or a transaction rolls back."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from tests.store.test_state import AC, NOW, snap
from watchdog.model.snapshot import FamilyState, Resource, Snapshot
from watchdog.store.rows import BATCH
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


def _reordered(snapshot, when, replace=None):
    """The same resource objects in another order (as the page memo hands them back), with
    ``replace`` (sid -> resource) swapped in."""
    state = snapshot.families["numbers"]
    items = tuple((replace or {}).get(r.sid, r) for r in reversed(state.resources))
    return Snapshot(AC, when, {"numbers": FamilyState("numbers", "complete", items,
                                                      fetched_at=when)})


def test_the_very_resources_read_are_not_compared_again_a_new_object_is(tmp_path):
    path = tmp_path / "s.db"
    StateStore(path).save_snapshot(snap({"PN1": "a", "PN2": "b", "PN3": "c"}))
    store = StateStore(path)
    loaded = store.load_snapshot(AC)
    before = _changes(store)
    store.save_snapshot(_reordered(loaded, NOW + timedelta(minutes=1)))
    assert _changes(store) - before == 1, "only the family's status row"
    again = store.load_snapshot(AC)
    changed = Resource.make("phone_number", "PN2", {"sid": "PN2", "sms_url": "B"})
    store.save_snapshot(_reordered(again, NOW + timedelta(minutes=2), {"PN2": changed}))
    assert StateStore(path).load_snapshot(AC).get("phone_number", "PN2").get("sms_url") == "B"
    # one object less (the same count of the others is not enough): the row goes
    gone = store.load_snapshot(AC)
    kept = tuple(r for r in gone.families["numbers"].resources if r.sid != "PN3")
    store.save_snapshot(Snapshot(AC, NOW + timedelta(minutes=3), {"numbers": FamilyState(
        "numbers", "complete", (*kept, kept[0]), fetched_at=NOW + timedelta(minutes=3))}))
    assert StateStore(path).load_snapshot(AC).get("phone_number", "PN3") is None


def test_rows_decoded_in_batches_load_in_order_with_meta_and_nested_essences(tmp_path):
    count = BATCH * 2 + 7
    flat = tuple(Resource.make("phone_number", f"PN{i:05d}",
                               {"sid": f"PN{i:05d}", "sms_url": "https://x/sms", "n": i},
                               {"rev": i} if i % 3 == 0 else None) for i in range(count))
    nested = (Resource.make("studio_flow", "FW1", {"states": [{"name": "T", "n": [1, 2]}]}),)
    path = tmp_path / "s.db"
    store = StateStore(path)
    store.save_snapshot(Snapshot(AC, NOW, {
        "numbers": FamilyState("numbers", "complete", flat[::-1], fetched_at=NOW),
        "studio": FamilyState("studio", "complete", nested, fetched_at=NOW)}))
    store.adopt_baseline(store.load_snapshot(AC))
    fresh = StateStore(path)
    loaded = fresh.load_snapshot(AC)
    numbers = loaded.families["numbers"].resources
    assert [r.sid for r in numbers] == sorted(r.sid for r in flat), "the file's order"
    for mine, back in zip(flat, numbers, strict=True):
        assert (back.essence, back.meta, back.fingerprint) == (mine.essence, mine.meta,
                                                               mine.fingerprint)
    assert loaded.get("studio_flow", "FW1").essence == nested[0].essence
    with pytest.raises(TypeError):
        loaded.get("phone_number", "PN00001").essence["sms_url"] = "changed"  # frozen
    assert numbers[0].get("sms_url") is numbers[1].get("sms_url"), "one copy of a repeated value"
    baseline = fresh.baseline(AC)
    assert baseline.get("phone_number", "PN00001") is numbers[1], "no meta: the one resource"
    with_meta = baseline.get("phone_number", "PN00000")
    assert with_meta.essence is numbers[0].essence and not with_meta.meta, "a baseline has no meta"
    assert numbers[0].meta == {"rev": 0}
